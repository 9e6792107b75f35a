from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

import click
import pytest
from litestar import Litestar
from sqlalchemy import func, select

from followthrough.actions.models import KeyAction, Occurrence
from followthrough.barriers.models import Barrier
from followthrough.checkins.models import CheckIn, WeeklyReview
from followthrough.clock import FrozenClock
from followthrough.database import metadata
from followthrough.demo import load_demo
from followthrough.demo_story import DEFAULT_PASSWORD
from followthrough.enums import ActionStatus, BarrierLevel, BarrierStatus, CheckInResult, KeyHolder
from followthrough.identity.models import Participant
from followthrough.reflections.models import Reflection
from followthrough.settings import Settings
from tests.conftest import Caller, Callers, Database


def _email() -> str:
    return f"demo-{uuid.uuid4().hex[:10]}@example.com"


async def _participant(database: Database, email: str) -> Participant:
    async with database() as db:
        participant = await db.scalar(select(Participant).where(Participant.email == email))
    assert participant is not None
    return participant


async def _owned_counts(database: Database, participant_id: UUID) -> dict[str, int]:
    async with database() as db:
        return {
            table.name: await db.scalar(
                select(func.count()).select_from(table).where(table.c.participant_id == participant_id)
            )
            or 0
            for table in metadata.sorted_tables
            if "participant_id" in table.columns
        }


async def _history(database: Database, participant_id: UUID) -> list[tuple[Any, ...]]:
    """The check-ins as the story tells them: day, time, result, note, measure."""
    async with database() as db:
        rows = await db.execute(
            select(
                Occurrence.local_date, Occurrence.due_at, CheckIn.result, CheckIn.note, CheckIn.measure_value
            )
            .join(Occurrence, Occurrence.id == CheckIn.occurrence_id)
            .where(CheckIn.participant_id == participant_id)
            .order_by(Occurrence.due_at, CheckIn.result)
        )
        return [tuple(row) for row in rows]


async def _sign_in(callers: Callers, email: str, password: str = DEFAULT_PASSWORD) -> Caller:
    caller = callers.anonymous()
    response = await caller.client.post("/api/v1/auth/sign-in", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    caller.csrf_token = response.json()["csrfToken"]
    caller.participant = response.json()["participant"]
    return caller


def _has_route(app: Litestar, path: str) -> bool:
    return any(route.path == path for route in app.routes)


async def test_the_demo_participant_signs_in_to_a_year_of_data(
    settings: Settings, app: Litestar, callers: Callers, clock: FrozenClock
) -> None:
    email = _email()

    summary = await load_demo(settings, email=email, password=DEFAULT_PASSWORD, now=clock.now())

    assert "Sam Rivera" in summary
    assert f"{email} / {DEFAULT_PASSWORD}" in summary
    sam = await _sign_in(callers, email)
    account = await sam.get("/api/v1/account")
    assert account.status_code == 200
    assert account.json()["displayName"] == "Sam Rivera"
    assert account.json()["timeZone"] == "Europe/London"
    exported = (await sam.get("/api/v1/account/export")).json()
    assert len(exported["barriers"]) >= 3
    assert len(exported["keyActions"]) == 6
    assert len(exported["checkIns"]) > 300
    for path in ("/api/v1/today", "/api/v1/progress"):
        if _has_route(app, path):
            response = await sam.get(path)
            assert response.status_code == 200, (path, response.text)
            assert response.json(), path


async def test_the_demo_tells_the_whole_story(
    settings: Settings, database: Database, clock: FrozenClock
) -> None:
    email = _email()
    await load_demo(settings, email=email, password=DEFAULT_PASSWORD, now=clock.now())
    sam = await _participant(database, email)

    async with database() as db:
        [reflection] = (await db.scalars(select(Reflection).where(Reflection.participant_id == sam.id))).all()
        barriers = (await db.scalars(select(Barrier).where(Barrier.participant_id == sam.id))).all()
        actions = (await db.scalars(select(KeyAction).where(KeyAction.participant_id == sam.id))).all()
        rows = await db.execute(
            select(CheckIn.result, func.count())
            .where(CheckIn.participant_id == sam.id)
            .group_by(CheckIn.result)
        )
        results = {result: count for result, count in rows.tuples()}
        measured = await db.scalar(
            select(func.max(CheckIn.measure_value)).where(CheckIn.participant_id == sam.id)
        )
        reviews = await db.scalar(
            select(func.count()).select_from(WeeklyReview).where(WeeklyReview.participant_id == sam.id)
        )
        future = await db.scalar(
            select(func.count())
            .select_from(Occurrence)
            .where(Occurrence.participant_id == sam.id, Occurrence.due_at > clock.now())
        )

    assert sam.is_demo
    assert all(
        [
            reflection.industry,
            reflection.organization,
            reflection.personal,
            reflection.organization_free,
            reflection.personal_free,
        ]
    )
    assert {barrier.level for barrier in barriers} == set(BarrierLevel)
    [broken] = [barrier for barrier in barriers if barrier.status is BarrierStatus.BROKEN]
    assert broken.resolved_at is not None
    assert len(actions) == 6
    rules = {action.rrule for action in actions}
    assert {"FREQ=DAILY", None} <= rules
    assert any(rule and "FREQ=WEEKLY" in rule for rule in rules)
    [others] = [action for action in actions if action.key_holder is KeyHolder.OTHERS]
    assert others.own_part
    [measure] = [action for action in actions if action.measure_unit]
    assert (measure.measure_unit, measure.measure_target) == ("hours saved per week", 5)
    [paused] = [action for action in actions if action.status is ActionStatus.PAUSED]
    assert paused.status_reason
    assert set(results) == set(CheckInResult)
    assert results[CheckInResult.DONE] > sum(results.values()) / 2
    assert measured is not None
    assert 4 <= measured <= 7
    assert reviews is not None
    assert reviews > 40
    assert future  # the days ahead are on the agenda already


async def test_loading_the_demo_twice_replaces_it_with_the_same_story(
    settings: Settings, database: Database, clock: FrozenClock
) -> None:
    email = _email()
    await load_demo(settings, email=email, password=DEFAULT_PASSWORD, now=clock.now())
    first = await _participant(database, email)
    first_counts = await _owned_counts(database, first.id)
    first_history = await _history(database, first.id)

    await load_demo(settings, email=email.upper(), password=DEFAULT_PASSWORD, now=clock.now())

    second = await _participant(database, email)
    assert second.id != first.id
    async with database() as db:
        assert await db.scalar(select(func.count()).where(Participant.email == email)) == 1
    assert set((await _owned_counts(database, first.id)).values()) == {0}
    assert await _owned_counts(database, second.id) == first_counts
    assert await _history(database, second.id) == first_history


async def test_the_demo_refuses_to_replace_a_real_account(
    settings: Settings, owner: Caller, database: Database, clock: FrozenClock
) -> None:
    before = await _owned_counts(database, UUID(owner.id))

    with pytest.raises(click.ClickException, match="real account"):
        await load_demo(settings, email=owner.email, password=DEFAULT_PASSWORD, now=clock.now())

    assert (await owner.get("/api/v1/account")).json()["displayName"] == "Owner"
    assert await _owned_counts(database, UUID(owner.id)) == before


async def test_the_summary_does_not_repeat_a_chosen_password(settings: Settings, clock: FrozenClock) -> None:
    summary = await load_demo(settings, email=_email(), password="my own secret words", now=clock.now())

    assert "my own secret words" not in summary
    assert "check ins: " in summary
