"""The few statements that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert


def insert_ignoring_conflicts(
    session: AsyncSession | str, table: Table, rows: list[dict[str, Any]] | None = None
) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING: concurrent requests may materialise the same rows. For a session
    or a dialect's name; without `rows`, the values are given when it is executed."""
    dialect = session if isinstance(session, str) else session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    if rows is not None:
        statement = statement.values(rows)
    return statement.on_conflict_do_nothing()
