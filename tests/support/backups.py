"""Helpers for the backup tests: the commands run as an operator runs them, installations made quickly, and
archives read, rewritten and damaged."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sqlite3
import stat
import tarfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from click.testing import CliRunner, Result
from litestar.testing import AsyncTestClient

from followthrough import migrate
from followthrough.app import create_app
from followthrough.cli import main
from followthrough.clock import FrozenClock
from followthrough.database import MIGRATIONS_PATH
from followthrough.settings import Settings
from tests.conftest import DEFAULT_NOW, VAPID_SUBJECT, Callers
from tests.support.receivers import RECEIVER_ALLOWED_HOSTS

# Variables that would change where the commands look, whatever the machine running the tests has set.
UNSET_VARIABLES: dict[str, str | None] = {
    f"FOLLOWTHROUGH_{name}": None
    for name in ("DATABASE_URL", "SECRET_KEY", "CHANNEL_KEY", "VAPID_PRIVATE_KEY")
}


def run_db(*arguments: str, data_dir: Path, **variables: str) -> Result:
    environment = {**UNSET_VARIABLES, "FOLLOWTHROUGH_DATA_DIR": str(data_dir), **variables}
    return CliRunner().invoke(main, ["db", *arguments], env=environment, catch_exceptions=False)


def installation_settings(data_dir: Path) -> Settings:
    """A fresh `Settings` each time: its keys are read from (or generated into) `data_dir`, never cached."""
    return Settings(
        data_dir=data_dir,
        channel_allowed_hosts=RECEIVER_ALLOWED_HOSTS,
        password_hash_cost="low",
        send_timeout_seconds=2,
        vapid_subject=VAPID_SUBJECT,
    )


@pytest.fixture(scope="module")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database at the head migration, migrated once and copied into each installation (much quicker)."""
    settings = installation_settings(tmp_path_factory.mktemp("migrated"))
    migrate.upgrade(settings)
    return settings.data_dir / "followthrough.db"


def new_installation(data_dir: Path, migrated_database: Path) -> Settings:
    settings = installation_settings(data_dir)
    data_dir.mkdir(mode=0o700)
    shutil.copyfile(migrated_database, data_dir / "followthrough.db")
    settings.resolved_secret_key, settings.resolved_channel_key  # noqa: B018 - generated as the app does
    return settings


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Callers]:
    application = create_app(settings, FrozenClock(DEFAULT_NOW))
    async with AsyncTestClient(application):
        callers = Callers(application)
        try:
            yield callers
        finally:
            await callers.close()


def head_revision() -> str:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_PATH))
    return str(ScriptDirectory.from_config(config).get_current_head())


def stored_revision(database: Path) -> str:
    with sqlite3.connect(database) as connection:
        return str(connection.execute("SELECT version_num FROM alembic_version").fetchone()[0])


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(scope="module")
def good_archive(tmp_path_factory: pytest.TempPathFactory, migrated_database: Path) -> Path:
    root = tmp_path_factory.mktemp("good")
    source = new_installation(root / "source", migrated_database)
    archive = root / "backup.tar.gz"
    result = run_db("backup", str(archive), data_dir=source.data_dir)
    assert result.exit_code == 0, result.output
    return archive


def read_entries(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive, "r:gz") as opened:
        return {member.name: opened.extractfile(member).read() for member in opened}  # type: ignore[union-attr]


def write_entries(
    archive: Path, entries: dict[str, bytes], extra: Callable[[tarfile.TarFile], None] | None = None
) -> Path:
    with tarfile.open(archive, "w:gz") as made:
        for name, content in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            made.addfile(info, io.BytesIO(content))
        if extra is not None:
            extra(made)
    return archive


def with_manifest(entries: dict[str, bytes], **changes: object) -> dict[str, bytes]:
    manifest = json.loads(entries["manifest.json"])
    manifest.update(changes)
    return {**entries, "manifest.json": json.dumps(manifest).encode()}


def tree(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        if path.is_file()
        else "folder"
        for path in sorted(folder.rglob("*"))
    }


def assert_refused(result: Result, message: str) -> None:
    assert result.exit_code != 0
    assert message in result.output, result.output


def symlink_entry(made: tarfile.TarFile) -> None:
    info = tarfile.TarInfo("secret_key")
    info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
    made.addfile(info)


def entry(name: str) -> Callable[[tarfile.TarFile], None]:
    def add(made: tarfile.TarFile) -> None:
        info = tarfile.TarInfo(name)
        info.size = 4
        made.addfile(info, io.BytesIO(b"evil"))

    return add
