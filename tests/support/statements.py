"""Counting the SQL statements an app sends, for tests that hold a request to a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from litestar import Litestar
from sqlalchemy import event


@contextmanager
def counting_statements(app: Litestar) -> Iterator[list[str]]:
    """Every statement the app's engine executes inside the block, in order."""
    engine = app.state.alchemy.get_engine().sync_engine
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
