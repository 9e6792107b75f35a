"""Pausing, resuming, finishing and dropping a key action, with the reasons kept in its history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from followthrough.clock import FrozenClock
from tests.conftest import Caller, Database
from tests.support.actions import (
    DAILY_SINCE_MONDAY_FEB_23,
    KEY_ACTIONS,
    check_in,
    create,
    due_instants,
    instant,
    stored,
    utc,
)
from tests.support.answers import error_fields

# Status


async def test_pausing_resuming_finishing_and_dropping_keep_their_reasons_in_the_history(
    owner: Caller, database: Database, clock: FrozenClock
) -> None:
    action = await create(owner, schedule=DAILY_SINCE_MONDAY_FEB_23)
    one = f"{KEY_ACTIONS}/{action['id']}"

    clock.set(utc(2026, 3, 4, 12))
    await check_in(database, owner, action["id"], utc(2026, 3, 5, 8))
    paused = await owner.post(f"{one}/status", json={"status": "paused", "reason": "  On leave for a week "})
    assert paused.status_code == 200, paused.text
    assert (paused.json()["status"], paused.json()["statusReason"]) == ("paused", "On leave for a week")
    assert instant(paused.json()["statusChangedAt"]) == clock.now()
    assert paused.json()["nextOccurrenceAt"] is None
    # The future goes, except an occurrence someone already checked in on; the past stays.
    instants = await due_instants(database, action["id"])
    assert instants[-2:] == [utc(2026, 3, 4, 8), utc(2026, 3, 5, 8)]
    assert instants[0] == utc(2026, 2, 23, 8)

    clock.set(utc(2026, 3, 12, 6))
    resumed = await owner.post(f"{one}/status", json={"status": "active"})
    assert resumed.status_code == 200, resumed.text
    assert (resumed.json()["status"], resumed.json()["statusReason"]) == ("active", None)
    assert instant(resumed.json()["nextOccurrenceAt"]) == utc(2026, 3, 12, 8)
    instants = await due_instants(database, action["id"])
    # Nothing is filled in for the days it was paused.
    assert [instant for instant in instants if utc(2026, 3, 5, 9) < instant < utc(2026, 3, 12)] == []
    assert utc(2026, 3, 12, 8) in instants

    clock.set(utc(2026, 3, 20, 12))
    done = await owner.post(f"{one}/status", json={"status": "done", "reason": "Budget approved"})
    assert (done.json()["status"], done.json()["statusReason"]) == ("done", "Budget approved")
    assert max(await due_instants(database, action["id"])) == utc(2026, 3, 20, 8)
    dropped = await owner.post(f"{one}/status", json={"status": "dropped", "reason": "Not needed after all"})
    assert dropped.json()["status"] == "dropped"

    history = (await owner.get(f"{one}/history")).json()
    assert [(item["fromStatus"], item["toStatus"], item["reason"]) for item in history] == [
        (None, "active", None),
        ("active", "paused", "On leave for a week"),
        ("paused", "active", None),
        ("active", "done", "Budget approved"),
        ("done", "dropped", "Not needed after all"),
    ]
    assert [instant(item["changedAt"]) for item in history] == [
        utc(2026, 3, 2, 9),
        utc(2026, 3, 4, 12),
        utc(2026, 3, 12, 6),
        utc(2026, 3, 20, 12),
        utc(2026, 3, 20, 12),
    ]
    listed = (await owner.get(KEY_ACTIONS, params={"status": "dropped"})).json()["items"]
    assert [item["id"] for item in listed] == [action["id"]]


async def test_a_paused_action_is_not_extended_as_time_passes(
    owner: Caller, database: Database, clock: FrozenClock
) -> None:
    action = await create(owner, schedule=DAILY_SINCE_MONDAY_FEB_23)
    await owner.post(f"{KEY_ACTIONS}/{action['id']}/status", json={"status": "paused", "reason": "Busy"})
    before = await due_instants(database, action["id"])
    clock.advance(timedelta(days=25))
    assert (await owner.get("/api/v1/today")).status_code == 200
    assert await due_instants(database, action["id"]) == before


async def test_a_resumed_action_may_say_why(owner: Caller) -> None:
    action = await create(owner)
    one = f"{KEY_ACTIONS}/{action['id']}"
    await owner.post(f"{one}/status", json={"status": "paused", "reason": "Waiting for Finance"})
    resumed = await owner.post(f"{one}/status", json={"status": "active", "reason": "Finance replied"})
    assert resumed.json()["statusReason"] == "Finance replied"
    assert (await owner.get(f"{one}/history")).json()[-1]["reason"] == "Finance replied"


async def test_the_same_status_again_is_a_conflict_that_changes_nothing(
    owner: Caller, database: Database
) -> None:
    action = await create(owner)
    one = f"{KEY_ACTIONS}/{action['id']}"
    again = await owner.post(f"{one}/status", json={"status": "active"})
    assert again.status_code == 409
    assert error_fields(again) == ["status"]
    await owner.post(f"{one}/status", json={"status": "paused", "reason": "Busy"})
    before = await stored(database, owner)
    twice = await owner.post(f"{one}/status", json={"status": "paused", "reason": "Still busy"})
    assert twice.status_code == 409
    assert error_fields(twice) == ["status"]
    assert await stored(database, owner) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "paused"}, "reason"),
        ({"status": "done", "reason": None}, "reason"),
        ({"status": "dropped", "reason": "   "}, "reason"),
        ({"status": "paused", "reason": ""}, "reason"),
        ({"status": "paused", "reason": "x" * 501}, "reason"),
        ({"status": "paused", "reason": 5}, "reason"),
        ({"status": "sleeping", "reason": "x"}, "status"),
        ({"reason": "x"}, "status"),
        ({"status": "paused", "reason": "x", "at": "2026-01-01"}, "at"),
    ],
)
async def test_bad_status_changes_are_refused_naming_the_field_and_change_nothing(
    owner: Caller, database: Database, body: dict[str, Any], field: str
) -> None:
    action = await create(owner, schedule=DAILY_SINCE_MONDAY_FEB_23)
    before = await stored(database, owner)
    response = await owner.post(f"{KEY_ACTIONS}/{action['id']}/status", json=body)
    assert response.status_code in {400, 422}, response.text
    assert field in response.json()["detail"]
    assert await stored(database, owner) == before


async def test_history_of_a_missing_or_strangers_action_is_404(owner: Caller, stranger: Caller) -> None:
    action = await create(owner)
    assert (await stranger.get(f"{KEY_ACTIONS}/{action['id']}/history")).status_code == 404
    assert (await owner.get(f"{KEY_ACTIONS}/{uuid4()}/history")).status_code == 404
