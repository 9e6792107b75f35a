"""Engine and session set-up for both databases, shared by the API, the CLI and the worker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

from advanced_alchemy.base import orm_registry
from advanced_alchemy.extensions.litestar import (
    AlembicAsyncConfig,
    AsyncSessionConfig,
    EngineConfig,
    SQLAlchemyAsyncConfig,
)
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from followthrough.settings import Settings

MIGRATIONS_PATH = Path(__file__).resolve().parents[2] / "migrations"
metadata = orm_registry.metadata


def alchemy_config(settings: Settings) -> SQLAlchemyAsyncConfig:
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        # One writer at a time is SQLite's nature; a generous busy timeout queues writers instead of failing.
        engine_config = EngineConfig(echo=settings.db_echo, connect_args={"timeout": 30})
    else:
        engine_config = EngineConfig(
            echo=settings.db_echo, pool_size=settings.db_pool_size, max_overflow=settings.db_pool_size
        )
    # advanced-alchemy makes each config's state keys unique by trying `key_1`, `key_2`, … recursively over
    # every config this process ever made; a test run makes one app per test and overflows the stack, so
    # each config names its own keys.
    suffix = uuid4().hex
    config = SQLAlchemyAsyncConfig(
        session_scope_key=f"_sqlalchemy_db_session_{suffix}",
        engine_app_state_key=f"db_engine_{suffix}",
        session_maker_app_state_key=f"session_maker_class_{suffix}",
        connection_string=settings.resolved_database_url,
        engine_config=engine_config,
        session_config=AsyncSessionConfig(expire_on_commit=False),
        before_send_handler="autocommit",
        create_all=False,
        alembic_config=AlembicAsyncConfig(
            script_location=str(MIGRATIONS_PATH),
            version_table_name="alembic_version",
        ),
    )
    if settings.is_sqlite:
        _enable_sqlite_pragmas(config.get_engine())
    return config


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
