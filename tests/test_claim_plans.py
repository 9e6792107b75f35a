"""A claim and the worker's next-due lookup walk `ix_delivery_claimable` in claiming order and stop at what
they need: the plan names the index and sorts nothing, however many rows are due (`bench/claims.py`
measures the time with a backlog of 100,000). Checked on the statements the code sends, with their own
parameters, in PostgreSQL's custom and generic plans (a prepared statement may switch to the latter).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from uuid import UUID

import pytest
import uuid_utils
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import Table, delete, event, insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.database import alchemy_config, session_scope
from followthrough.deliveries import claims
from followthrough.deliveries.models import Delivery
from followthrough.enums import DeliveryStatus, Event
from followthrough.identity.models import Participant
from followthrough.notifications.keys import use_channel_key
from followthrough.notifications.models import Channel
from followthrough.settings import Settings
from tests.support.workers import add_person_with_channel

pytestmark = pytest.mark.dialect

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DELIVERY_TABLE = cast("Table", Delivery.__table__)
ROWS = 5000
DUE = 2000  # enough that sorting them would be the planner's choice without the index


@dataclass
class Backlog:
    settings: Settings
    alchemy: SQLAlchemyAsyncConfig


@pytest.fixture
async def backlog(settings: Settings) -> AsyncIterator[Backlog]:
    """`DUE` deliveries due, among `ROWS` (the rest sent long ago), with fresh planner statistics."""
    use_channel_key(settings)
    alchemy = alchemy_config(settings)
    async with session_scope(alchemy) as db:
        person, channel = await add_person_with_channel(
            db, "json://127.0.0.1/hook", "json://127.0.0.1/hook", [Event.ENCOURAGEMENT_RECEIVED.value]
        )
        rows = [
            {
                "id": UUID(bytes=uuid_utils.uuid7().bytes),
                "participant_id": person.id,
                "event": Event.ENCOURAGEMENT_RECEIVED,
                "subject_key": f"plan:{number}",
                "channel_id": channel.id,
                "due_at": moment,
                "next_attempt_at": moment,
                "status": DeliveryStatus.PENDING if number < DUE else DeliveryStatus.SENT,
                "attempts": 0,
                "payload": {},
            }
            for number in range(ROWS)
            for moment in [NOW - timedelta(seconds=number)]
        ]
        await db.execute(insert(DELIVERY_TABLE), rows)
    async with session_scope(alchemy) as db:
        await db.execute(text("ANALYZE"))
    try:
        yield Backlog(settings, alchemy)
    finally:
        async with session_scope(alchemy) as db:
            await db.execute(delete(Delivery).where(Delivery.participant_id == person.id))
            await db.execute(delete(Channel).where(Channel.id == channel.id))
            await db.execute(delete(Participant).where(Participant.id == person.id))
        await alchemy.get_engine().dispose()


async def ordered_statements(backlog: Backlog) -> list[tuple[str, Any]]:
    """The statements (with their parameters) that a claim and the next-due lookup send, that read
    deliveries in claiming order; the claim is rolled back."""
    settings = backlog.settings
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "ORDER BY delivery.next_attempt_at" in statement:
            sent.append((statement, parameters))

    engine = backlog.alchemy.get_engine()
    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        async with backlog.alchemy.get_session() as session:
            assert (
                len(await claims.claim(session, NOW, settings, "plan-worker")) == settings.worker_batch_size
            )
            assert await claims.next_claim_at(session, settings, "plan-worker") is not None
            await session.rollback()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    return sent


def sql_literal(value: Any) -> str:
    if isinstance(value, int):
        return str(value)
    shown = value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + shown.replace("'", "''") + "'"


async def plans(session: AsyncSession, statement: str, parameters: Any) -> list[str]:
    """How the database runs `statement`: on PostgreSQL both with its parameters known (a custom plan) and
    as prepared for any parameters (the generic plan a prepared statement may switch to)."""
    connection = await session.connection()
    if session.get_bind().dialect.name == "sqlite":
        result = await connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        return ["\n".join(str(row[-1]) for row in result.all())]
    custom = await connection.exec_driver_sql("EXPLAIN " + statement, parameters)
    await connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
    name = f"planned_{uuid.uuid4().hex[:8]}"
    await connection.exec_driver_sql(f"PREPARE {name} AS {statement}")
    values = ", ".join(sql_literal(value) for value in parameters)
    generic = await connection.exec_driver_sql(f"EXPLAIN EXECUTE {name}({values})")
    await connection.exec_driver_sql(f"DEALLOCATE {name}")
    return ["\n".join(row[0] for row in result.all()) for result in (custom, generic)]


async def test_a_claim_and_the_next_due_lookup_walk_the_claimable_index_without_sorting(
    backlog: Backlog,
) -> None:
    statements = await ordered_statements(backlog)
    assert len(statements) == 2  # the claim's pick, the first waiting row
    async with session_scope(backlog.alchemy) as session:
        for statement, parameters in statements:
            for shown in await plans(session, statement, parameters):
                assert "ix_delivery_claimable" in shown, shown
                assert "Sort" not in shown, shown  # PostgreSQL
                assert "TEMP B-TREE" not in shown, shown  # SQLite
            await session.rollback()  # back to the default plan cache mode
