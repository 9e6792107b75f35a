"""Alembic environment: one migration history for SQLite and PostgreSQL, run on the async engine."""

from __future__ import annotations

import asyncio
from typing import Literal

from advanced_alchemy.types import EncryptedString, EncryptedText
from alembic import context
from sqlalchemy import String, Text, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.types import TypeDecorator, TypeEngine

from followthrough.models import metadata
from followthrough.settings import Settings

config = context.config


def _database_url() -> str:
    # The CLI passes the URL it was given; plain `alembic` falls back to the environment.
    url = config.attributes.get("database_url")
    return str(url) if url else Settings.from_env().resolved_database_url


def _compare_type(
    context: object,
    inspected_column: object,
    metadata_column: object,
    inspected_type: TypeEngine[object],
    metadata_type: TypeEngine[object],
) -> bool | None:
    """Decorated types (GUID, DateTimeUTC, …) are compared by what they store as: the database reports
    the stored type, not the decorator. SQLite keeps only a type affinity, so there they cannot drift."""
    if not isinstance(metadata_type, TypeDecorator):
        return None
    dialect = context.dialect  # type: ignore[attr-defined]
    if dialect.name == "sqlite":
        return False
    stored = _stored_encrypted_type(metadata_type) or metadata_type.load_dialect_impl(dialect)
    return bool(stored.compile(dialect=dialect) != inspected_type.compile(dialect=dialect))


def _stored_encrypted_type(column_type: object) -> TypeEngine[object] | None:
    """Encrypted columns are stored as text; the key lives in settings, never in a migration."""
    if not isinstance(column_type, EncryptedString):
        return None
    return Text() if isinstance(column_type, EncryptedText) else String(length=column_type.length)


def _render_item(type_: str, obj: object, autogen_context: object) -> str | Literal[False]:
    stored = _stored_encrypted_type(obj) if type_ == "type" else None
    return False if stored is None else f"sa.{stored!r}"


def _configure(connection: Connection | None = None, url: str | None = None) -> None:
    context.configure(
        connection=connection,
        url=url,
        target_metadata=metadata,
        compare_type=_compare_type,
        render_item=_render_item,
        # SQLite alters tables by copying them; batch mode makes the same migration work there.
        render_as_batch=True,
        literal_binds=connection is None,
    )


def _run_sync(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        await connection.run_sync(_run_sync)
        return
    # Never log bound parameters: a failed statement could carry secrets.
    engine = create_async_engine(_database_url(), poolclass=pool.NullPool, hide_parameters=True)
    async with engine.connect() as async_connection:
        await async_connection.run_sync(_run_sync)
        await async_connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    _configure(url=_database_url())
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
