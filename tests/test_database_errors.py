"""What a failed or echoed statement may put in a log: never a bound value (a password or token hash, a
note), and on PostgreSQL never the values its error DETAIL quotes."""

from __future__ import annotations

import logging
import traceback
from dataclasses import replace
from uuid import UUID, uuid4

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from followthrough.database import alchemy_config, hide_values, session_scope
from followthrough.identity.models import ApiToken
from followthrough.settings import Settings
from tests.conftest import Caller, Database

# What each driver's errors quote differs by dialect.
pytestmark = pytest.mark.dialect


def secret() -> str:
    return f"secret{uuid4().hex}"


def everything_said(error: BaseException, caplog: pytest.LogCaptureFixture) -> str:
    """The error as a traceback and as the API's error log would write it."""
    logging.getLogger("followthrough.errors").error("unhandled error", exc_info=error)
    return "".join(traceback.format_exception(error)) + caplog.text


async def add_two_tokens(database: Database, participant_id: UUID, token_hash: str) -> None:
    async with database() as session:
        for name in ("first", "second"):
            session.add(
                ApiToken(participant_id=participant_id, name=name, token_hash=token_hash, token_prefix="ft_")
            )
            await session.flush()


async def test_a_unique_violation_shows_neither_the_parameters_nor_the_value(
    owner: Caller, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    token_hash = secret()
    with pytest.raises(IntegrityError) as raised:
        await add_two_tokens(database, UUID(owner.id), token_hash)
    said = everything_said(raised.value, caplog)
    assert "api_token" in said  # the error itself is still told
    assert token_hash not in said


async def select_both(config: SQLAlchemyAsyncConfig, first: str, second: str) -> None:
    async with session_scope(config) as session:
        await session.execute(
            text("SELECT CAST(:first AS text), CAST(:second AS text)"), {"first": first, "second": second}
        )


async def test_a_nul_refused_by_postgresql_shows_no_parameter(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    if settings.is_sqlite:
        pytest.skip("SQLite stores a NUL; the API refuses it before any statement (test_input_guards)")
    password_hash = secret()
    config = alchemy_config(settings)
    try:
        with pytest.raises(DBAPIError) as raised:
            await select_both(config, password_hash, "a\x00")
    finally:
        await config.get_engine().dispose()
    said = everything_said(raised.value, caplog)
    assert "0x00" in said
    assert password_hash not in said


async def test_echoed_statements_show_no_parameter(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    value = secret()
    config = alchemy_config(replace(settings, db_echo=True))
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    try:
        async with session_scope(config) as session:
            assert await session.scalar(text("SELECT CAST(:value AS text)"), {"value": value}) == value
    finally:
        await config.get_engine().dispose()
    assert "SELECT CAST" in caplog.text
    assert value not in caplog.text


def test_postgresql_details_keep_their_shape_without_values() -> None:
    assert hide_values("Key (token_hash)=(abc) already exists.") == "Key (token_hash)=(…) already exists."
    assert (
        hide_values('Key (owner_id)=(1) is not present in table "participant".')
        == 'Key (owner_id)=(…) is not present in table "participant".'
    )
    assert "secret" not in hide_values("Failing row contains (1, secret, null).")
    assert "x" not in hide_values("Key (email)=(a\nx) already exists.").split("=", 1)[1].split(")")[0]
