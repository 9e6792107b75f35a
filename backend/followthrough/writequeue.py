"""SQLite writers of one process take turns in a queue, in the order they came, instead of polling.

SQLite lets one connection write at a time. Left to itself, a pooled connection that wants to write while
another holds the lock waits in SQLite's busy handler, which sleeps and tries again (after 1 ms, then 2, 5,
… up to 100 ms between tries). Under load the waiters are not served in order and mostly sleep past the
moment the lock came free, while newcomers take it: check-ins at concurrency 16 had a median under 150 ms
but a p99 of seconds, with most of the pool's threads asleep in `BEGIN IMMEDIATE`.

So each engine's connections queue here first: an asyncio lock, first come first served, taken before a
connection's first write (or its `BEGIN IMMEDIATE`) and held until its transaction ends, that is when the
connection goes back to the pool (a session's commit or rollback returns it), is invalidated (a statement
cancelled half-way), or a statement finds the transaction over (a write in autocommit, or a connection's own
commit). Reads do not queue: WAL lets them run beside the writer.

SQLite's busy timeout stays: another process (the CLI, a separate worker) still takes turns with this one
through it. The wait here is bounded by the same timeout, and ends the same way.
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.engine.interfaces import AdaptedConnection
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

# Statements that take SQLite's write lock, or open a transaction that will: pysqlite opens a deferred
# transaction itself only before INSERT, UPDATE, DELETE and REPLACE; BEGIN and SAVEPOINT are explicit.
_WRITING = frozenset(
    {"INSERT", "UPDATE", "DELETE", "REPLACE", "BEGIN", "SAVEPOINT", "CREATE", "DROP", "ALTER"}
)


class WriteQueue:
    """One queue per database in a process: given to every engine of the process that writes to it (the
    app's and the embedded worker's)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._lock = asyncio.Lock()
        # The DBAPI connection whose transaction holds the lock.
        self._holder: object | None = None
        self._waiting = 0
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def holder(self) -> object | None:
        """The connection whose transaction holds the lock, if any."""
        return self._holder

    @property
    def waiting(self) -> int:
        """Writers queued behind the holder."""
        return self._waiting

    def serve(self, engine: AsyncEngine) -> None:
        """Make the engine's writers queue here."""
        target = engine.sync_engine
        event.listen(target, "before_cursor_execute", self._before_execute)
        event.listen(target, "after_cursor_execute", self._after_execute)
        # The pool's events: every way a connection comes back or goes away ends what it held.
        for name in ("checkin", "invalidate", "detach"):
            event.listen(target, name, self._connection_done)

    async def _acquire(self, connection: object) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        elif loop is not self._loop:
            # An asyncio lock serves one event loop. A writer in another (a test client's thread) takes turns
            # with this loop's through SQLite's busy timeout, as another process's would.
            return
        self._waiting += 1
        try:
            async with asyncio.timeout(self.timeout):
                await self._lock.acquire()
        finally:
            self._waiting -= 1
        self._holder = connection

    def _release(self, connection: object | None) -> None:
        if connection is not None and self._holder is connection:
            self._holder = None
            self._lock.release()

    def _before_execute(
        self,
        conn: Connection,
        _cursor: Any,
        statement: str,
        _parameters: Any,
        context: DefaultExecutionContext | None,
        _executemany: bool,
    ) -> None:
        dbapi = _adapted(conn)
        if dbapi is None:
            return  # a synchronous driver cannot wait on the event loop: SQLite's busy timeout alone
        if self._holder is dbapi:
            if _in_transaction(dbapi):
                return
            self._release(dbapi)  # its transaction ended (a connection's own commit): back in the queue
        if _writes(statement, context):
            try:
                # Inside SQLAlchemy's greenlet: this waits on the event loop without blocking it.
                dbapi.run_async(lambda _driver: self._acquire(dbapi))
            except TimeoutError:
                # What SQLite answers when its busy timeout runs out, so callers see one failure either way.
                locked = sqlite3.OperationalError(
                    f"database is locked: waited {self.timeout:g} s for this process's other writers"
                )
                raise OperationalError(statement, None, locked, hide_parameters=True) from None

    def _after_execute(self, conn: Connection, *_args: Any) -> None:
        dbapi = _adapted(conn)
        if dbapi is not None and self._holder is dbapi and not _in_transaction(dbapi):
            self._release(dbapi)  # it wrote outside a transaction (autocommit): done already

    def _connection_done(self, dbapi_connection: object | None, *_args: Any) -> None:
        self._release(dbapi_connection)


def _writes(statement: str, context: DefaultExecutionContext | None) -> bool:
    if context is not None and (context.isinsert or context.isupdate or context.isdelete or context.isddl):
        return True  # compiled DML or DDL, a `WITH … INSERT` included
    words = statement.split(None, 1)
    return bool(words) and words[0].upper() in _WRITING


def _adapted(conn: Connection) -> AdaptedConnection | None:
    """The connection's asyncio driver adapter, through which a listener can wait on the event loop."""
    dbapi: object = conn.connection.dbapi_connection
    return dbapi if isinstance(dbapi, AdaptedConnection) else None


def _in_transaction(dbapi: AdaptedConnection) -> bool:
    return bool(getattr(dbapi.driver_connection, "in_transaction", True))
