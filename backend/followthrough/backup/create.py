"""`followthrough db backup`: one archive with a consistent copy of the SQLite database, taken while the
app keeps writing, and the key files without which channels cannot be decrypted."""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import os
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from followthrough.backup.archive import (
    DATABASE_NAME,
    FORMAT,
    FORMAT_VERSION,
    KEY_FILES,
    MANIFEST_NAME,
    ArchivedFile,
    BackupError,
    DatabaseKind,
    KeyFile,
    Manifest,
    digest_file,
)
from followthrough.backup.databases import (
    pg_dump_command,
    pg_restore_command,
    postgres_revision,
    sqlite_path,
    sqlite_revision,
)
from followthrough.settings import PRIVATE_FILE_MODE, Settings

# Pages copied per backup step (16 MB at SQLite's default 4 KB page): between steps another thread of the
# same process runs, should a backup ever be taken inside the server.
STEP_PAGES = 4096
# gzip's fastest level: on a 15 MB database 2.5 times faster than level 6 (tarfile's default is 9), for
# an archive 12% larger.
COMPRESS_LEVEL = 1


@dataclass(frozen=True)
class BackupReport:
    path: Path
    manifest: Manifest
    notes: list[str] = field(default_factory=list)
    """What the operator must know or do next, one sentence a line."""

    def lines(self) -> list[str]:
        names = ", ".join(archived.name for archived in self.manifest.files) or "no files"
        revision = self.manifest.alembic_revision or "none"
        return [f"Wrote {self.path} ({names}; migration {revision})", *self.notes]


def write_backup(settings: Settings, destination: Path, *, force: bool = False) -> BackupReport:
    """Write the archive to `destination` (a file, or a folder that gets a timestamped name). It appears
    whole under its final name or not at all, readable by its owner only."""
    created_at = datetime.now(UTC).replace(microsecond=0)
    target = archive_path(destination, created_at)
    if target.exists() and not force:
        raise BackupError(f"{target} already exists; pass --force to replace it")
    # The copy and the partial archive live next to the target: on the same file system, so the final
    # rename is atomic, and in a folder (0700) of their own, since they hold everything.
    staging = Path(tempfile.mkdtemp(prefix=".followthrough-backup-", dir=target.parent))
    try:
        notes: list[str] = []
        entries: list[tuple[str, Path | bytes]] = []
        if settings.is_sqlite:
            copy = staging / DATABASE_NAME
            revision = copy_sqlite(sqlite_path(settings), copy)
            entries.append((DATABASE_NAME, copy))
            kind = DatabaseKind.SQLITE
        else:
            revision = postgres_revision(settings)
            kind = DatabaseKind.POSTGRESQL
            dump = f"{target.name.removesuffix('.tar.gz')}.dump"
            notes += [
                "PostgreSQL is backed up by pg_dump; this archive holds the keys. Run, next to it:",
                f"  {pg_dump_command(settings, dump)}",
                "and keep the dump with the archive. To restore: `followthrough db restore` it, then",
                f"  {pg_restore_command(settings, dump)}",
            ]
        keys, from_environment, not_generated = _key_files(settings)
        entries += keys
        notes += [
            f"{key.variable} is set, so this archive does not hold the {key.name} key: keep it safe "
            f"yourself, for without it {key.loss}."
            for key in from_environment
        ]
        manifest = Manifest(
            format=FORMAT,
            format_version=FORMAT_VERSION,
            app_version=importlib.metadata.version("followthrough"),
            alembic_revision=revision,
            created_at=created_at,
            database=kind,
            files=tuple(_archived(name, content) for name, content in entries),
            keys_from_environment=tuple(key.variable for key in from_environment),
            keys_not_generated=tuple(key.name for key in not_generated),
        )
        partial = staging / "archive.tar.gz"
        _write_archive(partial, manifest, entries, created_at)
        _publish(partial, target, force=force)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return BackupReport(target, manifest, notes)


def archive_path(destination: Path, created_at: datetime) -> Path:
    if destination.is_dir():
        return destination / f"followthrough-backup-{created_at:%Y%m%dT%H%M%SZ}.tar.gz"
    if not destination.parent.is_dir():
        raise BackupError(f"the folder {destination.parent} does not exist")
    return destination


def copy_sqlite(source: Path, copy: Path) -> str | None:
    """Copy the database through SQLite's online backup API; return the copy's migration revision.

    The copy is one snapshot: a read transaction opened first and held across every step, so writes that
    other connections commit meanwhile neither end up in it nor make it start over (without the held
    transaction, SQLite restarts a stepped backup after each such write, and under a steady writer never
    finishes). In WAL mode, which the app always uses, a reader never blocks a writer, so the app keeps
    writing throughout. Every write acknowledged before this call is in the copy.
    """
    if not source.is_file():
        raise BackupError(f"there is no database at {source}; nothing to back up")
    # mode=rw: never create a database that is not there.
    origin = sqlite3.connect(
        f"{source.resolve().as_uri()}?mode=rw", uri=True, timeout=30, isolation_level=None
    )
    try:
        origin.execute("BEGIN")
        origin.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the snapshot starts here
        destination = sqlite3.connect(copy)
        try:
            os.chmod(copy, PRIVATE_FILE_MODE)
            origin.backup(destination, pages=STEP_PAGES)
            # One self-contained file: no -wal beside it to forget.
            destination.execute("PRAGMA journal_mode=DELETE").fetchone()
            verdict = destination.execute("PRAGMA quick_check").fetchone()[0]
            if verdict != "ok":
                raise BackupError(
                    f"the database at {source} is damaged ({verdict}); the backup was not written"
                )
            return sqlite_revision(destination)
        finally:
            destination.close()
    except sqlite3.Error as error:
        raise BackupError(f"could not copy the database at {source}: {error}") from None
    finally:
        origin.close()


def _key_files(settings: Settings) -> tuple[list[tuple[str, Path | bytes]], list[KeyFile], list[KeyFile]]:
    """The key files to archive, read once (they are small); the keys set by variables; those not made yet."""
    files: list[tuple[str, Path | bytes]] = []
    from_environment: list[KeyFile] = []
    not_generated: list[KeyFile] = []
    for key in KEY_FILES:
        path = settings.data_dir / key.name
        if getattr(settings, key.setting):
            from_environment.append(key)
        elif path.is_file():
            files.append((key.name, path.read_bytes()))
        else:
            not_generated.append(key)
    return files, from_environment, not_generated


def _archived(name: str, content: Path | bytes) -> ArchivedFile:
    if isinstance(content, bytes):
        return ArchivedFile(name, len(content), hashlib.sha256(content).hexdigest())
    digest = digest_file(content)
    return ArchivedFile(name, digest.size, digest.sha256)


def _write_archive(
    partial: Path, manifest: Manifest, entries: list[tuple[str, Path | bytes]], at: datetime
) -> None:
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    with os.fdopen(descriptor, "wb") as handle:
        os.fchmod(handle.fileno(), PRIVATE_FILE_MODE)  # os.open's mode passes through the umask
        with tarfile.open(fileobj=handle, mode="w:gz", compresslevel=COMPRESS_LEVEL) as archive:
            _add(archive, MANIFEST_NAME, manifest.to_json(), at)
            for name, content in entries:
                _add(archive, name, content, at)
        handle.flush()
        os.fsync(handle.fileno())


def _add(archive: tarfile.TarFile, name: str, content: Path | bytes, at: datetime) -> None:
    info = tarfile.TarInfo(name)
    info.mode = PRIVATE_FILE_MODE
    info.mtime = int(at.timestamp())
    if isinstance(content, bytes):
        info.size = len(content)
        archive.addfile(info, io.BytesIO(content))
        return
    info.size = content.stat().st_size
    with content.open("rb") as handle:
        archive.addfile(info, handle)


def _publish(partial: Path, target: Path, *, force: bool) -> None:
    if force:
        os.replace(partial, target)
        return
    try:
        # Linked, not renamed: a link never replaces an archive that appeared meanwhile.
        os.link(partial, target)
    except FileExistsError:
        raise BackupError(f"{target} already exists; pass --force to replace it") from None
