"""`followthrough db restore` refuses what must not be restored (a damaged, foreign or newer archive, one
that would leave the data folder, data already there) with a clear message, and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.backups import (
    assert_refused,
    entry,
    good_archive,
    head_revision,
    migrated_database,
    mode,
    read_entries,
    run_db,
    stored_revision,
    symlink_entry,
    tree,
    with_manifest,
    write_entries,
)

__all__ = ["good_archive", "migrated_database"]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        pytest.param(
            lambda good, path: path.write_bytes(good.read_bytes()[:2000]),
            "damaged or not a .tar.gz",
            id="cut",
        ),
        pytest.param(
            lambda good, path: path.write_bytes(b"not an archive" * 100),
            "damaged or not a .tar.gz",
            id="garbage",
        ),
        pytest.param(
            lambda good, path: write_entries(path, {**read_entries(good), "channel_key": b"x" * 64}),
            "the checksum of channel_key does not match its manifest",
            id="wrong-checksum",
        ),
        pytest.param(
            lambda good, path: write_entries(path, read_entries(good), entry("../evil")),
            "unsafe entry '../evil'",
            id="traversal",
        ),
        pytest.param(
            lambda good, path: write_entries(path, read_entries(good), entry("/tmp/evil")),
            "unsafe entry '/tmp/evil'",
            id="absolute-path",
        ),
        pytest.param(
            lambda good, path: write_entries(
                path, {"manifest.json": read_entries(good)["manifest.json"]}, symlink_entry
            ),
            "'secret_key' is not a plain file",
            id="symlink",
        ),
        pytest.param(
            lambda good, path: write_entries(path, {"notes.txt": b"hello"}),
            "an entry Followthrough never writes: 'notes.txt'",
            id="foreign",
        ),
        pytest.param(
            lambda good, path: write_entries(path, with_manifest(read_entries(good), format="other")),
            "does not describe a Followthrough backup",
            id="foreign-manifest",
        ),
        pytest.param(
            lambda good, path: write_entries(
                path, with_manifest(read_entries(good), alembic_revision="ffffffffffff")
            ),
            "migration ffffffffffff, which this Followthrough does not know: a newer version made it",
            id="newer-revision",
        ),
        pytest.param(
            lambda good, path: write_entries(path, with_manifest(read_entries(good), format_version=2)),
            "backup format 2, newer than this Followthrough reads",
            id="newer-format",
        ),
    ],
)
def test_an_archive_that_must_not_be_restored_is_refused_and_nothing_is_written(
    tmp_path: Path, good_archive: Path, damage: Callable[[Path, Path], object], message: str
) -> None:
    archive = tmp_path / "given.tar.gz"
    damage(good_archive, archive)
    before = tree(tmp_path)

    result = run_db("restore", str(archive), data_dir=tmp_path / "data")

    assert_refused(result, message)
    assert tree(tmp_path) == before


def test_a_folder_that_holds_data_is_restored_over_only_with_force_and_its_files_moved_aside(
    tmp_path: Path, good_archive: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "followthrough.db").write_bytes(b"the database in use")
    (data / "followthrough.db-wal").write_bytes(b"its write-ahead log")
    (data / "channel_key").write_bytes(b"the key in use")
    before = tree(tmp_path)

    refused = run_db("restore", str(good_archive), data_dir=data)

    assert_refused(refused, "already holds")
    assert "pass --force" in refused.output
    assert tree(tmp_path) == before

    forced = run_db("restore", "--force", str(good_archive), data_dir=data)

    assert forced.exit_code == 0, forced.output
    [aside] = data.glob("before-restore-*")
    assert mode(aside) == 0o700
    assert (aside / "followthrough.db").read_bytes() == b"the database in use"
    assert (aside / "followthrough.db-wal").read_bytes() == b"its write-ahead log"
    assert (aside / "channel_key").read_bytes() == b"the key in use"
    assert not (data / "followthrough.db-wal").exists()
    assert stored_revision(data / "followthrough.db") == head_revision()


def test_a_sqlite_archive_is_refused_when_the_settings_point_at_postgresql(
    tmp_path: Path, good_archive: Path
) -> None:
    result = run_db(
        "restore",
        str(good_archive),
        data_dir=tmp_path / "data",
        FOLLOWTHROUGH_DATABASE_URL="postgresql+asyncpg://postgres@127.0.0.1:5432/nowhere",
    )

    assert_refused(result, "holds a SQLite database, but FOLLOWTHROUGH_DATABASE_URL points at PostgreSQL")
    assert not (tmp_path / "data").exists()


def test_a_missing_archive_is_named(tmp_path: Path) -> None:
    result = run_db("restore", str(tmp_path / "absent.tar.gz"), data_dir=tmp_path / "data")
    assert_refused(result, "there is no archive at")
    assert list(tmp_path.iterdir()) == []


def test_a_restore_warns_when_a_variable_overrides_a_restored_key_with_another(
    tmp_path: Path, good_archive: Path
) -> None:
    result = run_db(
        "restore", str(good_archive), data_dir=tmp_path / "data", FOLLOWTHROUGH_CHANNEL_KEY="other"
    )

    assert result.exit_code == 0, result.output
    assert "FOLLOWTHROUGH_CHANNEL_KEY is set here and differs from the restored channel_key" in result.output
