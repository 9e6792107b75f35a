"""Engine and session set-up for both databases, shared by the API, the CLI and the worker."""

from __future__ import annotations

import inspect
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

import asyncpg
from advanced_alchemy.base import orm_registry
from advanced_alchemy.extensions.litestar import (
    AlembicAsyncConfig,
    AsyncSessionConfig,
    EngineConfig,
    SQLAlchemyAsyncConfig,
)
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from followthrough.settings import (
    PRIVATE_FILE_MODE,
    Settings,
    make_data_folder_private,
    make_private,
    private_folder,
)
from followthrough.writequeue import WriteQueue

# PostgreSQL's DETAIL for unique and foreign-key violations; the value may hold anything, even newlines.
_KEY_DETAIL = re.compile(
    r"Key \((?P<columns>[\w, ]+)\)=\(.*\)"
    r"(?P<outcome> (?:already exists|is not present in table \S+|is still referenced from table \S+)\.?)$",
    re.DOTALL,
)
MIGRATIONS_PATH = Path(__file__).resolve().parents[2] / "migrations"
metadata = orm_registry.metadata
# How long a SQLite writer waits for another: in SQLite's busy handler for another process, in the
# process's write queue for one of its own.
SQLITE_BUSY_SECONDS = 30.0


def sqlite_write_queue() -> WriteQueue:
    """A new queue for one process's writers to one SQLite database."""
    return WriteQueue(SQLITE_BUSY_SECONDS)


def alchemy_config(settings: Settings, writers: WriteQueue | None = None) -> SQLAlchemyAsyncConfig:
    """The engine and sessions for `settings`. On SQLite its writers queue in `writers`, which engines of
    one process that write to the same database share (the app's and the embedded worker's); by default a
    queue of its own."""
    # hide_parameters: bound values (password and token hashes, people's notes) never reach a log line or
    # an exception's text, neither through echo nor from a statement that failed.
    prepare_data_folder(settings)
    if settings.is_sqlite:
        # One writer at a time is SQLite's nature; a generous busy timeout queues writers instead of failing.
        engine_config = EngineConfig(
            echo=settings.db_echo, hide_parameters=True, connect_args={"timeout": SQLITE_BUSY_SECONDS}
        )
    else:
        engine_config = EngineConfig(
            echo=settings.db_echo,
            hide_parameters=True,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_pool_size,
        )
    # advanced-alchemy makes each config's state keys unique by trying `key_1`, `key_2`, … recursively over
    # every config this process ever made; a test run makes one app per test and overflows the stack, so
    # each config names its own keys.
    suffix = uuid4().hex
    config = SQLAlchemyAsyncConfig(
        session_scope_key=f"_sqlalchemy_db_session_{suffix}",
        engine_app_state_key=f"db_engine_{suffix}",
        # The plugin disposes the engine at shutdown only when this key matches the state key above;
        # otherwise the pool's connections outlive the app (ResourceWarning: aiosqlite connection deleted).
        engine_dependency_key=f"db_engine_{suffix}",
        session_maker_app_state_key=f"session_maker_class_{suffix}",
        connection_string=settings.resolved_database_url,
        engine_config=engine_config,
        session_config=AsyncSessionConfig(expire_on_commit=False),
        # A redirect commits too: the OpenID callback signs in (a session row) and then redirects to the app.
        before_send_handler="autocommit_include_redirects",
        create_all=False,
        alembic_config=AlembicAsyncConfig(
            script_location=str(MIGRATIONS_PATH),
            version_table_name="alembic_version",
        ),
    )
    if settings.is_sqlite:
        _enable_sqlite_pragmas(config.get_engine())
        (writers or sqlite_write_queue()).serve(config.get_engine())
    else:
        _hide_values_in_errors(config.get_engine())
    return config


def prepare_data_folder(settings: Settings) -> None:
    """Before anything opens the database: the data folder is its owner's alone, and so is the SQLite
    file, made here 0600 because SQLite would make it 0644 less the umask. SQLite gives the -wal and -shm
    files it adds the database file's mode."""
    make_data_folder_private(settings)
    if not settings.is_sqlite:
        return
    database = make_url(settings.resolved_database_url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.exists():
        private_folder(path.parent)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        # A database elsewhere than the data folder (FOLLOWTHROUGH_DATABASE_URL) is made private too.
        for suffix in ("", "-wal", "-shm", "-journal"):
            make_private(path.with_name(path.name + suffix))
        return
    os.fchmod(descriptor, PRIVATE_FILE_MODE)  # os.open's mode passes through the umask
    os.close(descriptor)


def _hide_values_in_errors(engine: AsyncEngine) -> None:
    """PostgreSQL quotes stored values in an error's DETAIL (`Key (token_hash)=(…) already exists`, or
    `Failing row contains (…)`, a whole row), and asyncpg puts it in the exception's text, which
    hide_parameters does not reach. The values go before anything can log the error; the shape stays, so
    advanced-alchemy still tells a duplicate key from a foreign key."""

    @event.listens_for(engine.sync_engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        error = context.original_exception
        cause = error.__cause__
        detail = getattr(cause, "detail", None)
        if not isinstance(cause, asyncpg.PostgresError) or not isinstance(detail, str) or not detail:
            return
        hidden = hide_values(detail)
        cause.detail = hidden
        # Each wrapper copied the text when it was made: asyncpg's, the adapter's, SQLAlchemy's.
        for wrapper in (error, context.sqlalchemy_exception):
            if wrapper is not None:
                wrapper.args = tuple(
                    arg.replace(detail, hidden) if isinstance(arg, str) else arg for arg in wrapper.args
                )


def hide_values(detail: str) -> str:
    """A PostgreSQL error DETAIL without the values it quotes."""
    key = _KEY_DETAIL.match(detail)
    if key:
        return f"Key ({key['columns']})=(…){key['outcome']}"
    return "(not shown: it may quote stored values)"


def _enable_sqlite_pragmas(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # WAL lets readers proceed while one writer commits; foreign keys make deletes cascade.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


@asynccontextmanager
async def session_scope(config: SQLAlchemyAsyncConfig) -> AsyncIterator[AsyncSession]:
    """One committed-or-rolled-back session, for the CLI, the worker and tests."""
    maker = config.create_session_maker()
    async with maker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


class CloseRequestSession:
    """ASGI: a request that ends without its answer (its task cancelled, at shutdown say) still closes its
    database session, as if its client had gone. advanced-alchemy closes it only as the answer starts or the
    client goes; otherwise it would keep its connection, and a write transaction with SQLite's write lock
    and the process's write queue (`followthrough.writequeue`), until the garbage collector found it."""

    def __init__(self, app: ASGIApp, alchemy: SQLAlchemyAsyncConfig) -> None:
        self.app = app
        self.alchemy = alchemy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except BaseException:
            # The plugin's own hook: on a disconnect it closes (so rolls back) whatever session is still open.
            end_session = self.alchemy.before_send_handler
            if callable(end_session):
                ending = end_session({"type": "http.disconnect"}, scope)
                if inspect.isawaitable(ending):
                    await ending
            raise
