"""`followthrough db restore`: put an archive back into the data folder, checking everything before
writing anything, and never deleting what was there."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from followthrough.backup.archive import (
    DATABASE_NAME,
    KEY_FILES,
    MANIFEST_NAME,
    BackupError,
    DatabaseKind,
    Digest,
    Manifest,
    check_against_manifest,
    digest_stream,
    read_entries,
    verify,
)
from followthrough.backup.databases import (
    RevisionState,
    head_revision,
    pg_restore_command,
    revision_state,
    sqlite_path,
    sqlite_revision,
)
from followthrough.settings import DATA_FILES, PRIVATE_FILE_MODE, Settings, private_folder

DUMP_PLACEHOLDER = "followthrough-backup-….dump"


@dataclass(frozen=True)
class RestoreReport:
    manifest: Manifest
    restored: list[Path]
    moved_aside: Path | None
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        made = f"{self.manifest.created_at:%Y-%m-%d %H:%M} UTC by Followthrough {self.manifest.app_version}"
        lines = [f"Restored the backup made {made}:", *(f"  {path}" for path in self.restored)]
        if self.moved_aside is not None:
            lines.append(f"What the data folder held before was moved to {self.moved_aside}")
        return lines + self.notes


def restore_backup(settings: Settings, archive: Path, *, force: bool = False) -> RestoreReport:
    if not archive.is_file():
        raise BackupError(f"there is no archive at {archive}")
    try:
        manifest = verify(archive)
        state = revision_state(manifest.alembic_revision)
    except BackupError as error:
        raise BackupError(f"{archive} cannot be restored: {error}") from None
    if manifest.database is DatabaseKind.SQLITE and not settings.is_sqlite:
        raise BackupError(
            "this archive holds a SQLite database, but FOLLOWTHROUGH_DATABASE_URL points at PostgreSQL; "
            "restore it with FOLLOWTHROUGH_DATABASE_URL unset"
        )
    targets = _targets(settings, manifest)
    existing = _existing_data(settings)
    if existing and not force:
        names = ", ".join(str(path) for path in existing)
        raise BackupError(
            f"the data folder already holds {names}; stop the app and pass --force to restore over it "
            f"(they are moved aside into a before-restore folder, not deleted)"
        )
    settings.data_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(
        tempfile.mkdtemp(prefix=f".{settings.data_dir.name}-restore-", dir=settings.data_dir.parent)
    )
    try:
        _extract(archive, manifest, staging)
        moved_aside = _move_aside(settings, existing) if existing else None
        private_folder(settings.data_dir)
        for name, target in targets.items():
            shutil.move(staging / name, target)
            os.chmod(target, PRIVATE_FILE_MODE)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    notes = _database_notes(settings, manifest, state) + _key_notes(settings, manifest)
    return RestoreReport(manifest, list(targets.values()), moved_aside, notes)


def _targets(settings: Settings, manifest: Manifest) -> dict[str, Path]:
    """Where each archived file goes: keys into the data folder, the database where settings keep it."""
    return {
        archived.name: sqlite_path(settings)
        if archived.name == DATABASE_NAME
        else settings.data_dir / archived.name
        for archived in manifest.files
    }


def _existing_data(settings: Settings) -> list[Path]:
    """Files of an installation already there, the database's -wal and -shm included: an old -wal left
    beside a restored database would be replayed into it."""
    paths = [settings.data_dir / name for name in DATA_FILES]
    if settings.is_sqlite:
        database = sqlite_path(settings)
        paths += [database.with_name(database.name + suffix) for suffix in ("", "-wal", "-shm", "-journal")]
    unique = dict.fromkeys(path.absolute() for path in paths)
    return [path for path in unique if os.path.lexists(path)]


def _extract(archive: Path, manifest: Manifest, staging: Path) -> None:
    """Write every file into `staging`, checking each checksum again as it is written (the archive could
    have changed since it was verified)."""
    digests: dict[str, Digest] = {}

    def write(name: str, contents: IO[bytes]) -> None:
        if name == MANIFEST_NAME:
            return
        descriptor = os.open(staging / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
        with os.fdopen(descriptor, "wb") as sink:
            os.fchmod(sink.fileno(), PRIVATE_FILE_MODE)
            digests[name] = digest_stream(contents, sink)

    try:
        read_entries(archive, write)
        check_against_manifest(manifest, digests)
    except BackupError as error:
        raise BackupError(f"{archive} cannot be restored: {error}") from None
    database = staging / DATABASE_NAME
    if database.exists():
        connection = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
        try:
            found = sqlite_revision(connection)
        finally:
            connection.close()
        if found != manifest.alembic_revision:
            raise BackupError(
                f"{archive} cannot be restored: its manifest says migration {manifest.alembic_revision}, "
                f"its database says {found}"
            )


def _move_aside(settings: Settings, existing: list[Path]) -> Path:
    aside = settings.data_dir / f"before-restore-{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}"
    private_folder(aside)
    for path in existing:
        shutil.move(path, aside / path.name)
    return aside


def _database_notes(settings: Settings, manifest: Manifest, state: RevisionState) -> list[str]:
    if manifest.database is DatabaseKind.POSTGRESQL:
        if settings.is_sqlite:
            command = (
                "pg_restore --clean --if-exists --no-owner --dbname=postgresql://USER@HOST/DATABASE "
                f"{DUMP_PLACEHOLDER}"
            )
            lead = (
                "Set FOLLOWTHROUGH_DATABASE_URL to your PostgreSQL database, then restore its pg_dump file:"
            )
        else:
            command = pg_restore_command(settings, DUMP_PLACEHOLDER)
            lead = (
                "This archive holds the keys only. Restore the database from the pg_dump file made with it:"
            )
        upgrade = "then run `followthrough db upgrade`." if state is not RevisionState.CURRENT else ""
        return [lead, f"  {command}", *([upgrade] if upgrade else [])]
    if state is RevisionState.CURRENT:
        return [f"The database is at this code's migration ({manifest.alembic_revision}): ready to serve."]
    if state is RevisionState.EMPTY:
        return ["The database has no migration applied: run `followthrough db upgrade` before serving."]
    return [
        f"The database is at migration {manifest.alembic_revision}, older than this code's "
        f"({head_revision()}): run `followthrough db upgrade` before serving (`followthrough serve` does "
        "it unless given --no-migrate)."
    ]


def _key_notes(settings: Settings, manifest: Manifest) -> list[str]:
    notes: list[str] = []
    for key in KEY_FILES:
        override = str(getattr(settings, key.setting))
        if key.variable in manifest.keys_from_environment and not override:
            notes.append(
                f"The archive holds no {key.name}: {key.variable} set it when the backup was made. Set "
                f"the same {key.variable} here, or {key.loss}."
            )
        if manifest.entry(key.name) is not None and override:
            restored = (settings.data_dir / key.name).read_text(encoding="utf-8").strip()
            if restored != override.strip():
                notes.append(
                    f"{key.variable} is set here and differs from the restored {key.name}, and it wins: "
                    f"unset it, or {key.loss}."
                )
    return notes
