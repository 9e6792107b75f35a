"""The data folder and everything Followthrough writes there are its owner's alone, whatever the umask.

Each case runs the real CLI as its own process with the umask set in that process only (preexec_fn), so
the test process's own umask is never touched.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from followthrough.settings import DATA_FILES, SQLITE_FILE, Settings, make_data_folder_private

FOLLOWTHROUGH = Path(sys.executable).parent / "followthrough"
UMASKS = [0o022, 0o002]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _run(umask: int, data_dir: Path, *command: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "FOLLOWTHROUGH_DATA_DIR": str(data_dir),
        "FOLLOWTHROUGH_DATABASE_URL": "",
        "FOLLOWTHROUGH_SECRET_KEY": "",
        "FOLLOWTHROUGH_CHANNEL_KEY": "",
        "FOLLOWTHROUGH_VAPID_PRIVATE_KEY": "",
        "FOLLOWTHROUGH_VAPID_SUBJECT": "mailto:operator@example.com",
    }
    return subprocess.run(
        command,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=lambda: os.umask(umask),  # in the child, before it execs: ours is never touched
    )


# Makes every file Followthrough writes into the data folder, in the process under the given umask: the
# database (through the CLI's own code path), its WAL files while a connection is open, and each key.
WRITE_EVERYTHING = """
import sqlite3, sys
from followthrough import migrate
from followthrough.notifications import webpush
from followthrough.settings import Settings

settings = Settings.from_env()
migrate.upgrade(settings)
settings.resolved_secret_key, settings.resolved_channel_key
webpush.vapid_private_key(settings)
connection = sqlite3.connect(settings.data_dir / "followthrough.db")
connection.execute("PRAGMA journal_mode=WAL")
connection.execute("CREATE TABLE written_while_open (x)")
connection.commit()
import os, stat
for name in sorted(os.listdir(settings.data_dir)):
    print(name, oct(stat.S_IMODE(os.stat(settings.data_dir / name).st_mode)))
"""


@pytest.mark.parametrize("umask", UMASKS, ids=oct)
def test_db_upgrade_makes_a_private_data_folder_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    data_dir = tmp_path / "nested" / "data"
    done = _run(umask, data_dir, str(FOLLOWTHROUGH), "db", "upgrade")
    assert done.returncode == 0, done.stderr
    assert _mode(data_dir) == 0o700
    assert _mode(data_dir / SQLITE_FILE) == 0o600
    assert {path.name: _mode(path) for path in data_dir.iterdir()} == {SQLITE_FILE: 0o600}
    assert "private" not in done.stderr  # nothing to tighten in a fresh install


def test_every_file_in_the_data_folder_is_private_whatever_the_umask(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    # 0o002 would leave SQLite's files 0644 and a plain os.open(…, 0o666) 0664.
    done = _run(0o002, data_dir, sys.executable, "-c", WRITE_EVERYTHING)
    assert done.returncode == 0, done.stderr
    # What the process saw while its connection was open, -wal and -shm included.
    seen = dict(line.split() for line in done.stdout.splitlines())
    expected = {name for name in DATA_FILES if not name.endswith("-journal")}
    assert set(seen) == expected
    assert set(seen.values()) == {"0o600"}
    assert _mode(data_dir) == 0o700
    assert {_mode(path) for path in data_dir.iterdir()} == {0o600}


def test_an_older_install_is_made_private_on_start_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "secret_key").write_text("left readable by an older version")
    sqlite3.connect(data_dir / SQLITE_FILE).close()
    os.chmod(data_dir, 0o755)  # noqa: S103 (what older versions left)
    os.chmod(data_dir / "secret_key", 0o644)
    os.chmod(data_dir / SQLITE_FILE, 0o644)
    (data_dir / "notes.txt").write_text("not ours")
    os.chmod(data_dir / "notes.txt", 0o644)

    done = _run(0o022, data_dir, str(FOLLOWTHROUGH), "db", "upgrade")

    assert done.returncode == 0, done.stderr
    assert _mode(data_dir) == 0o700
    assert _mode(data_dir / "secret_key") == 0o600
    assert _mode(data_dir / SQLITE_FILE) == 0o600
    assert _mode(data_dir / "notes.txt") == 0o644  # only what Followthrough wrote is changed
    assert f"Made {data_dir} private: mode 0700, was 0755" in done.stderr
    assert f"Made {data_dir / 'secret_key'} private: mode 0600, was 0644" in done.stderr
    with caplog.at_level(logging.WARNING):
        make_data_folder_private(Settings(data_dir=data_dir))  # the next start
    assert caplog.records == []  # said once, on the first start after the upgrade
