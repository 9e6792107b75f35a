"""What a backup needs to know about the database: where SQLite keeps it, which migration it is at, and
the PostgreSQL commands that back it up and restore it."""

from __future__ import annotations

import asyncio
import shlex
import sqlite3
from enum import StrEnum
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import pool, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import create_async_engine

from followthrough.backup.archive import BackupError
from followthrough.database import MIGRATIONS_PATH
from followthrough.settings import Settings


class RevisionState(StrEnum):
    CURRENT = "current"
    OLDER = "older"
    """Known to this code but not its head: `followthrough db upgrade` brings it up to date."""
    EMPTY = "empty"
    """No migration applied yet."""


def sqlite_path(settings: Settings) -> Path:
    database = make_url(settings.resolved_database_url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"the SQLite database {database!r} is not a file that can be backed up")
    return Path(database)


def sqlite_revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:  # no such table: never migrated
        return None
    return None if row is None else str(row[0])


def postgres_revision(settings: Settings) -> str | None:
    async def read() -> str | None:
        engine = create_async_engine(
            settings.resolved_database_url, poolclass=pool.NullPool, hide_parameters=True
        )
        try:
            async with engine.connect() as connection:
                result = await connection.execute(text("SELECT version_num FROM alembic_version"))
                return result.scalar_one_or_none()
        finally:
            await engine.dispose()

    try:
        return asyncio.run(read())
    except (OSError, SQLAlchemyError) as error:
        raise BackupError(
            f"could not read the migration revision from PostgreSQL at {libpq_url(settings)}: "
            f"{type(error).__name__}: {getattr(error, 'orig', None) or error}"
        ) from None


def revision_state(revision: str | None) -> RevisionState:
    """Where a backup's revision stands against this code's migrations; refuses one the code does not know,
    which a newer Followthrough made: this code could neither run nor upgrade that database."""
    if revision is None:
        return RevisionState.EMPTY
    script = _migrations()
    if revision in script.get_heads():
        return RevisionState.CURRENT
    known = {each.revision for each in script.walk_revisions()}
    if revision not in known:
        raise BackupError(
            f"its database is at migration {revision}, which this Followthrough does not know: a newer "
            f"version made it. Install that version (or a newer one) and restore with it"
        )
    return RevisionState.OLDER


def head_revision() -> str:
    return str(_migrations().get_current_head())


def _migrations() -> ScriptDirectory:
    # Not migrate.alembic_config: that one prepares the data folder, and a restore writes nothing until
    # the archive has been checked.
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_PATH))
    return ScriptDirectory.from_config(config)


def libpq_url(settings: Settings) -> str:
    """The database URL as pg_dump and psql take it: no driver, no password (they read ~/.pgpass or
    PGPASSWORD)."""
    url = make_url(settings.resolved_database_url).set(drivername="postgresql", password=None)
    return url.render_as_string(hide_password=False)


def pg_dump_command(settings: Settings, dump: str) -> str:
    return f"pg_dump --format=custom --file={shlex.quote(dump)} {shlex.quote(libpq_url(settings))}"


def pg_restore_command(settings: Settings, dump: str) -> str:
    url = shlex.quote(libpq_url(settings))
    return f"pg_restore --clean --if-exists --no-owner --dbname={url} {shlex.quote(dump)}"
