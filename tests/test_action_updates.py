"""Updating a key action: only the fields given change, a new schedule moves only future occurrences, and a
bad update changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from followthrough.actions.models import Occurrence
from followthrough.checkins.models import CheckIn
from followthrough.clock import FrozenClock
from tests.conftest import Caller, Database
from tests.support.actions import (
    DAILY_SINCE_MONDAY_FEB_23,
    KEY_ACTIONS,
    MONDAYS_FROM_MARCH_2,
    ONCE,
    check_in,
    create,
    due_instants,
    instant,
    stored,
    utc,
)
from tests.support.answers import error_fields

# Updating


async def test_updating_changes_only_the_fields_given(
    owner: Caller, database: Database, clock: FrozenClock
) -> None:
    barrier = (await owner.post("/api/v1/barriers", json={"title": "B", "level": "personal"})).json()
    action = await create(owner, cue="After lunch", measure={"unit": "emails", "target": 2})
    before = await due_instants(database, action["id"])
    clock.advance(timedelta(minutes=5))
    response = await owner.patch(
        f"{KEY_ACTIONS}/{action['id']}",
        json={
            "title": "Ask again",
            "barrierId": barrier["id"],
            "visibility": "partners",
            "reminderOffsets": [5],
        },
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["title"], updated["barrierId"], updated["visibility"], updated["reminderOffsets"]) == (
        "Ask again",
        barrier["id"],
        "partners",
        [5],
    )
    assert (updated["cue"], updated["measure"], updated["schedule"]) == (
        "After lunch",
        {"unit": "emails", "target": 2.0},
        ONCE,
    )
    assert instant(updated["updatedAt"]) == clock.now()
    assert updated["status"] == "active"
    assert await due_instants(database, action["id"]) == before
    assert (await owner.get(f"{KEY_ACTIONS}/{action['id']}")).json() == updated

    cleared = (
        await owner.patch(
            f"{KEY_ACTIONS}/{action['id']}", json={"barrierId": None, "cue": None, "measure": None}
        )
    ).json()
    assert (cleared["barrierId"], cleared["cue"], cleared["measure"], cleared["title"]) == (
        None,
        None,
        None,
        "Ask again",
    )


async def test_switching_the_key_holder_to_me_clears_the_name(owner: Caller) -> None:
    action = await create(owner, keyHolder="others", keyHolderName="Finance", ownPart="Draft it")
    mine = await owner.patch(f"{KEY_ACTIONS}/{action['id']}", json={"keyHolder": "me"})
    assert mine.status_code == 200
    assert (mine.json()["keyHolder"], mine.json()["keyHolderName"], mine.json()["ownPart"]) == (
        "me",
        None,
        "Draft it",
    )
    refused = await owner.patch(f"{KEY_ACTIONS}/{action['id']}", json={"keyHolder": "others"})
    assert refused.status_code == 422
    assert error_fields(refused) == ["keyHolderName"]


async def test_a_new_schedule_moves_future_occurrences_and_keeps_the_past_and_the_checked_in(
    owner: Caller, database: Database, clock: FrozenClock
) -> None:
    action = await create(owner, schedule=DAILY_SINCE_MONDAY_FEB_23)
    clock.set(utc(2026, 3, 4, 12))
    # A check-in on a past occurrence, and one on this morning's, made early for tomorrow's too.
    await check_in(database, owner, action["id"], utc(2026, 3, 3, 8))
    tomorrow = await check_in(database, owner, action["id"], utc(2026, 3, 5, 8))
    evening = {
        "kind": "recurring",
        "startsAt": "2026-03-04T19:00:00",
        "rrule": "FREQ=DAILY",
    }
    response = await owner.patch(f"{KEY_ACTIONS}/{action['id']}", json={"schedule": evening})
    assert response.status_code == 200, response.text
    assert response.json()["schedule"] == evening
    assert instant(response.json()["nextOccurrenceAt"]) == utc(2026, 3, 4, 19)

    instants = await due_instants(database, action["id"])
    past = [utc(2026, 2, day, 8) for day in range(23, 29)] + [utc(2026, 3, day, 8) for day in range(1, 5)]
    assert instants[: len(past)] == past
    assert instants[len(past) : len(past) + 3] == [
        utc(2026, 3, 4, 19),
        utc(2026, 3, 5, 8),
        utc(2026, 3, 5, 19),
    ]
    london = ZoneInfo("Europe/London")
    later = instants[len(past) + 3 :]
    assert len(later) > 30
    assert {instant.astimezone(london).hour for instant in later} == {19}
    async with database() as db:
        assert await db.scalar(select(CheckIn.id).where(CheckIn.id == tomorrow)) == tomorrow


async def test_the_same_schedule_again_leaves_the_occurrences_alone(
    owner: Caller, database: Database
) -> None:
    action = await create(owner, schedule=MONDAYS_FROM_MARCH_2)
    async with database() as db:
        before = (
            await db.execute(select(Occurrence.id, Occurrence.due_at).order_by(Occurrence.due_at))
        ).all()
    response = await owner.patch(f"{KEY_ACTIONS}/{action['id']}", json={"schedule": MONDAYS_FROM_MARCH_2})
    assert response.status_code == 200
    async with database() as db:
        after = (await db.execute(select(Occurrence.id, Occurrence.due_at).order_by(Occurrence.due_at))).all()
    assert after == before


async def test_a_paused_action_takes_a_new_schedule_without_occurrences_until_resumed(
    owner: Caller, database: Database, clock: FrozenClock
) -> None:
    action = await create(owner, schedule=MONDAYS_FROM_MARCH_2)
    await owner.post(f"{KEY_ACTIONS}/{action['id']}/status", json={"status": "paused", "reason": "Leave"})
    moved = await owner.patch(f"{KEY_ACTIONS}/{action['id']}", json={"schedule": DAILY_SINCE_MONDAY_FEB_23})
    assert (moved.json()["status"], moved.json()["nextOccurrenceAt"]) == ("paused", None)
    assert await due_instants(database, action["id"]) == [utc(2026, 3, 2, 8)]
    clock.set(utc(2026, 3, 10, 12))
    resumed = await owner.post(f"{KEY_ACTIONS}/{action['id']}/status", json={"status": "active"})
    assert instant(resumed.json()["nextOccurrenceAt"]) == utc(2026, 3, 11, 8)
    instants = await due_instants(database, action["id"])
    assert instants[:2] == [utc(2026, 3, 2, 8), utc(2026, 3, 11, 8)]


BAD_UPDATES: list[tuple[dict[str, Any], str]] = [
    ({"title": ""}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": None}, "title"),
    ({"cue": "x" * 301}, "cue"),
    ({"keyHolder": "nobody"}, "keyHolder"),
    ({"keyHolderName": "Boss"}, "keyHolderName"),
    ({"ownPart": "x" * 501}, "ownPart"),
    ({"barrierId": str(uuid4())}, "barrierId"),
    ({"schedule": {**MONDAYS_FROM_MARCH_2, "rrule": "FREQ=MINUTELY"}}, "schedule.rrule"),
    (
        {"schedule": {**MONDAYS_FROM_MARCH_2, "rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31"}},
        "schedule.rrule",
    ),
    ({"schedule": {**MONDAYS_FROM_MARCH_2, "rrule": "FREQ=FORTNIGHTLY"}}, "schedule.rrule"),
    ({"schedule": {"kind": "once", "dueAt": "2026-03-06T17:00:00+00:00"}}, "schedule.dueAt"),
    ({"schedule": None}, "schedule"),
    ({"reminderOffsets": [5, 5]}, "reminderOffsets"),
    ({"reminderOffsets": [0, 1, 2, 3, 4, 5]}, "reminderOffsets"),
    ({"reminderOffsets": None}, "reminderOffsets"),
    ({"visibility": "everyone"}, "visibility"),
    ({"measure": {"unit": "", "target": 1}}, "measure.unit"),
    ({"measure": {"unit": "h", "target": 0}}, "measure.target"),
    ({"status": "done"}, "status"),
    ({"statusReason": "why"}, "statusReason"),
    ({"id": str(uuid4())}, "id"),
]


@pytest.mark.parametrize(("change", "field"), BAD_UPDATES)
async def test_bad_updates_are_refused_naming_the_field_and_change_nothing(
    owner: Caller, database: Database, change: dict[str, Any], field: str
) -> None:
    action = await create(owner, schedule=MONDAYS_FROM_MARCH_2)
    before = await stored(database, owner)
    response = await owner.patch(f"{KEY_ACTIONS}/{action['id']}", json=change)
    assert response.status_code in {400, 422}, response.text
    assert field in response.json()["detail"], response.text
    assert await stored(database, owner) == before


async def test_a_strangers_barrier_cannot_be_attached_by_update(
    owner: Caller, stranger: Caller, database: Database
) -> None:
    action = await create(owner)
    theirs = (await stranger.post("/api/v1/barriers", json={"title": "Theirs", "level": "personal"})).json()
    before = await stored(database, owner)
    response = await owner.patch(f"{KEY_ACTIONS}/{action['id']}", json={"barrierId": theirs["id"]})
    assert response.status_code == 422
    assert error_fields(response) == ["barrierId"]
    assert await stored(database, owner) == before
