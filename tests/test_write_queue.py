"""SQLite writers of one process queue in order (followthrough.writequeue), and every way a transaction ends
lets the next one in.

Each test has its own database and engine with SQLite's busy timeout cut to a millisecond: a writer that
waited in SQLite's busy handler would fail with "database is locked", so a test that passes shows the
writers waited in the process's queue instead.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from followthrough.database import alchemy_config, session_scope, sqlite_write_queue
from followthrough.settings import Settings
from followthrough.writequeue import WriteQueue
from tests.support.writequeue import queued

WRITERS = 10  # within the pool (5 connections and 10 more), so every session holds its own connection
INSERT = text("INSERT INTO note (writer) VALUES (:writer)")


def impatient(engine: Any) -> None:
    """SQLite's busy handler gives up after a millisecond on this engine's connections."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 1")
        cursor.close()


@pytest.fixture
async def writers() -> WriteQueue:
    return sqlite_write_queue()


@pytest.fixture
async def alchemy(tmp_path: Path, writers: WriteQueue) -> AsyncIterator[SQLAlchemyAsyncConfig]:
    config = alchemy_config(Settings(data_dir=tmp_path, secret_key="test"), writers)
    impatient(config.get_engine())
    async with session_scope(config) as session:
        await session.execute(text("CREATE TABLE note (id INTEGER PRIMARY KEY, writer INTEGER NOT NULL)"))
    yield config
    await config.get_engine().dispose()


async def stored(alchemy: SQLAlchemyAsyncConfig) -> list[int]:
    async with session_scope(alchemy) as session:
        return list(await session.scalars(text("SELECT writer FROM note ORDER BY id")))


async def test_concurrent_writers_all_succeed_in_the_order_they_came(
    alchemy: SQLAlchemyAsyncConfig, writers: WriteQueue
) -> None:
    maker = alchemy.create_session_maker()
    sessions = [maker() for _ in range(WRITERS)]
    for session in sessions:  # each holds a connection of its own, read in autocommit: nothing locked
        await session.execute(text("SELECT count(*) FROM note"))
    served: list[int] = []

    async def write(number: int, session: AsyncSession) -> None:
        await session.execute(INSERT, {"writer": number})
        served.append(number)  # it holds the write lock now, until its commit
        await session.commit()

    await sessions[0].execute(INSERT, {"writer": 0})
    assert writers.holder is not None
    # Each task runs up to the queue in the order it was made, with nothing to wait for on the way.
    waiting = [asyncio.create_task(write(number, sessions[number])) for number in range(1, WRITERS)]
    await asyncio.sleep(0)
    assert writers.waiting == WRITERS - 1
    assert served == []
    await sessions[0].commit()
    await asyncio.gather(*waiting)
    for session in sessions:
        await session.close()

    assert served == list(range(1, WRITERS))
    assert await stored(alchemy) == list(range(WRITERS))
    assert writers.holder is None
    assert writers.waiting == 0


async def test_without_the_queue_a_second_writer_fails_in_sqlites_busy_handler(
    alchemy: SQLAlchemyAsyncConfig,
) -> None:
    """What the other tests would see if writers did not queue: the millisecond busy timeout runs out."""
    plain = create_async_engine(alchemy.connection_string or "")
    impatient(plain)
    try:
        async with session_scope(alchemy) as holding, AsyncSession(plain) as other:
            await holding.execute(INSERT, {"writer": 1})
            with pytest.raises(OperationalError, match="database is locked"):
                await other.execute(INSERT, {"writer": 2})
    finally:
        await plain.dispose()


async def test_a_write_that_fails_and_rolls_back_lets_the_next_writer_in(
    alchemy: SQLAlchemyAsyncConfig, writers: WriteQueue
) -> None:
    async def write_then_fail() -> None:
        async with session_scope(alchemy) as session:
            await session.execute(INSERT, {"writer": 1})
            await session.execute(text("INSERT INTO note (writer) VALUES (NULL)"))

    with pytest.raises(IntegrityError):
        await write_then_fail()
    assert writers.holder is None

    async with session_scope(alchemy) as session:
        await session.execute(INSERT, {"writer": 2})
    assert await stored(alchemy) == [2]


async def test_a_writer_cancelled_while_it_holds_the_lock_lets_the_next_writer_in(
    alchemy: SQLAlchemyAsyncConfig, writers: WriteQueue
) -> None:
    wrote = asyncio.Event()

    async def write_then_hang() -> None:
        async with session_scope(alchemy) as session:
            await session.execute(INSERT, {"writer": 1})
            wrote.set()
            await asyncio.Event().wait()

    hanging = asyncio.create_task(write_then_hang())
    await wrote.wait()
    assert writers.holder is not None
    next_writer = asyncio.create_task(write_one(alchemy, 2))
    await queued(writers, 1)
    hanging.cancel()
    with pytest.raises(asyncio.CancelledError):
        await hanging
    await next_writer

    assert await stored(alchemy) == [2]
    assert writers.holder is None


async def test_a_writer_cancelled_while_it_waits_leaves_the_queue(
    alchemy: SQLAlchemyAsyncConfig, writers: WriteQueue
) -> None:
    async with session_scope(alchemy) as holding:
        await holding.execute(INSERT, {"writer": 1})
        cancelled = asyncio.create_task(write_one(alchemy, 2))
        behind = asyncio.create_task(write_one(alchemy, 3))
        await queued(writers, 2)
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        assert writers.waiting == 1
    await behind

    assert await stored(alchemy) == [1, 3]
    assert writers.holder is None
    assert writers.waiting == 0


async def test_a_writer_that_waits_longer_than_the_busy_timeout_fails_as_sqlite_would(
    tmp_path: Path,
) -> None:
    writers = WriteQueue(timeout=0)
    config = alchemy_config(Settings(data_dir=tmp_path, secret_key="test"), writers)
    try:
        async with session_scope(config) as session:
            await session.execute(text("CREATE TABLE note (id INTEGER PRIMARY KEY, writer INTEGER)"))
        async with session_scope(config) as holding:
            await holding.execute(INSERT, {"writer": 1})
            with pytest.raises(OperationalError, match="database is locked"):
                await write_one(config, 2)
        assert writers.holder is None
    finally:
        await config.get_engine().dispose()


async def test_a_writer_in_another_event_loop_takes_turns_through_sqlites_busy_timeout(
    alchemy: SQLAlchemyAsyncConfig, writers: WriteQueue, tmp_path: Path
) -> None:
    """As an app's embedded worker would under a test client, whose lifespan runs in a thread of its own."""
    about_to_write = threading.Event()
    held_by_the_other: list[bool] = []

    async def write_from_another_loop() -> None:
        # An engine of its own, with SQLite's usual busy timeout, sharing the queue (as the worker's does).
        config = alchemy_config(Settings(data_dir=tmp_path, secret_key="test"), writers)
        try:
            async with session_scope(config) as session:
                connection = await session.connection()
                own = connection.sync_connection.connection.dbapi_connection  # type: ignore[union-attr]
                about_to_write.set()
                await session.execute(INSERT, {"writer": 2})
                held_by_the_other.append(writers.holder is own)
        finally:
            await config.get_engine().dispose()

    async with session_scope(alchemy) as holding:
        await holding.execute(INSERT, {"writer": 1})
        other = asyncio.create_task(asyncio.to_thread(asyncio.run, write_from_another_loop()))
        await asyncio.to_thread(about_to_write.wait)
    await other

    assert held_by_the_other == [False]  # it waited in SQLite's busy handler, not in this loop's queue
    assert sorted(await stored(alchemy)) == [1, 2]
    assert writers.holder is None


@pytest.mark.dialect
async def test_postgresql_writers_do_not_queue(tmp_path: Path, postgres_database: str) -> None:
    """PostgreSQL's writers run side by side: row locks and constraints settle them, not this queue."""
    writers = sqlite_write_queue()
    settings = Settings(data_dir=tmp_path, database_url=postgres_database, secret_key="test")
    config = alchemy_config(settings, writers)
    try:
        async with session_scope(config) as first, session_scope(config) as second:
            await first.execute(text("CREATE TEMPORARY TABLE first_notes (writer INTEGER)"))
            await first.execute(text("INSERT INTO first_notes VALUES (1)"))
            await second.execute(text("CREATE TEMPORARY TABLE second_notes (writer INTEGER)"))
            await second.execute(text("INSERT INTO second_notes VALUES (2)"))
            assert writers.holder is None
            assert writers.waiting == 0
    finally:
        await config.get_engine().dispose()


async def write_one(alchemy: SQLAlchemyAsyncConfig, number: int) -> None:
    async with session_scope(alchemy) as session:
        await session.execute(INSERT, {"writer": number})
