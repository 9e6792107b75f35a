"""What a check-in request costs the database: a fixed, small number of statements, whatever the history.

Counted: every statement the app's engine executes for the request, from signing the caller in to the
commit (which is not a statement of its own), including SQLite's BEGIN IMMEDIATE. Left out: the `NOTIFY`
that tells other API processes of the write on PostgreSQL, sent after the response (docs/performance.md).
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from litestar import Litestar
from sqlalchemy import select

from followthrough.actions import Occurrence
from followthrough.checkins import has_check_in
from followthrough.clock import FrozenClock
from tests.conftest import Caller, Callers, Database
from tests.support.actions import create_action
from tests.support.checkins import CHECK_INS, check_in_body, with_history
from tests.support.statements import counting_statements

pytestmark = pytest.mark.dialect
LONDON = ZoneInfo("Europe/London")  # the callers' zone; the default action is due daily at 08:00 there


def _without_announcement(statements: list[str]) -> list[str]:
    return [statement for statement in statements if "pg_notify" not in statement]


async def _post(app: Litestar, caller: Caller, body: dict[str, object], status: int) -> list[str]:
    with counting_statements(app) as statements:
        response = await caller.post(CHECK_INS, json=body)
    assert response.status_code == status, response.text
    return _without_announcement(statements)


async def test_a_check_in_costs_four_statements_and_a_replay_three(app: Litestar, owner: Caller) -> None:
    action = await create_action(owner)
    body = check_in_body(action)

    stored = await _post(app, owner, body, 201)
    replayed = await _post(app, owner, body, 200)

    # Signing in, one read of everything the rules ask, the insert, and either SQLite's BEGIN IMMEDIATE
    # (its write lock keeps other writers out) or PostgreSQL's look for an undo that committed meanwhile.
    assert len(stored) <= 4, stored
    assert len(replayed) <= 3, replayed
    assert sum(statement.lstrip().upper().startswith("INSERT") for statement in stored) == 1
    assert not any(statement.lstrip().upper().startswith("INSERT") for statement in replayed)


async def test_a_year_of_history_costs_a_check_in_no_more_statements(
    app: Litestar, callers: Callers, database: Database, clock: FrozenClock
) -> None:
    veteran = await with_history(callers, database, 20)
    async with database() as db:
        open_occurrence = (
            await db.execute(
                select(Occurrence.key_action_id, Occurrence.due_at)
                .where(
                    Occurrence.participant_id == UUID(veteran.id),
                    Occurrence.due_at < clock.now(),
                    ~has_check_in(Occurrence.id),
                )
                .limit(1)
            )
        ).one()
    newcomer = await callers.participant()
    action = await create_action(newcomer)
    await veteran.get("/api/v1/account")  # the session settles on its first request

    veteran_cost = await _post(
        app,
        veteran,
        check_in_body({"id": str(open_occurrence.key_action_id)}, at=open_occurrence.due_at.isoformat()),
        201,
    )
    newcomer_cost = await _post(app, newcomer, check_in_body(action), 201)

    assert len(veteran_cost) == len(newcomer_cost) <= 4


async def test_a_check_in_after_weeks_without_requests_extends_the_schedule_first(
    app: Litestar, owner: Caller, clock: FrozenClock
) -> None:
    action = await create_action(owner)
    # Past the horizon the occurrences were stored to: today's occurrence exists only once extended.
    for _ in range(2):  # signed in all along: a request now and then keeps the session
        clock.advance(timedelta(days=25))
        assert (await owner.get("/api/v1/account")).status_code == 200
    today = clock.now().astimezone(LONDON).replace(hour=8, minute=0, second=0, microsecond=0)

    first = await _post(app, owner, check_in_body(action, at=today.isoformat()), 201)
    later = await _post(app, owner, check_in_body(action, at=(today - timedelta(days=1)).isoformat()), 201)

    assert len(first) > len(later)
    assert len(later) <= 4
