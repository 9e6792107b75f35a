"""The few statements that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert


def insert_ignoring_conflicts(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING: concurrent requests may materialise the same rows."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table).values(rows).on_conflict_do_nothing()
    return sqlite.insert(table).values(rows).on_conflict_do_nothing()


def upserting(
    session: AsyncSession, model: Any, columns: list[str], rows: Select[Any], keys: list[str]
) -> Insert:
    """INSERT … SELECT … ON CONFLICT (keys) DO UPDATE: the row is written by whoever comes last. Python-side
    defaults (id, created_at) are computed once for the statement, which suits one row."""
    table: Table = model.__table__
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(table).from_select(columns, rows)
    updated = {name: statement.excluded[name] for name in [*columns, "updated_at"] if name not in keys}
    return statement.on_conflict_do_update(index_elements=keys, set_=updated)
