"""A key action's occurrences over a range: stored, computed past what is stored, and across clock changes."""

from __future__ import annotations

from uuid import uuid4

import pytest

from followthrough.clock import FrozenClock
from tests.conftest import Caller, Database
from tests.support.actions import (
    DAILY_SINCE_MONDAY_FEB_23,
    KEY_ACTIONS,
    MONDAYS_FROM_MARCH_2,
    check_in,
    create,
    due_instants,
    instant,
    utc,
)

# Occurrences


async def test_occurrences_default_to_this_local_week_with_their_check_ins(
    owner: Caller, database: Database, clock: FrozenClock
) -> None:
    action = await create(owner, schedule=DAILY_SINCE_MONDAY_FEB_23, measure={"unit": "people asked"})
    clock.set(utc(2026, 3, 4, 12))  # Wednesday
    made = await check_in(database, owner, action["id"], utc(2026, 3, 3, 8))
    response = await owner.get(f"{KEY_ACTIONS}/{action['id']}/occurrences")
    assert response.status_code == 200, response.text
    week = response.json()
    assert [item["localDate"] for item in week] == [f"2026-03-{day:02}" for day in range(2, 9)]
    assert [instant(item["dueAt"]) for item in week] == [utc(2026, 3, day, 8) for day in range(2, 9)]
    assert {item["keyActionId"] for item in week} == {action["id"]}
    assert [item["checkIn"] is None for item in week] == [True, False, True, True, True, True, True]
    checked = week[1]["checkIn"]
    assert checked["id"] == str(made)
    assert (checked["keyActionId"], checked["localDate"], checked["result"], checked["note"]) == (
        action["id"],
        "2026-03-03",
        "done",
        "kept",
    )
    assert instant(checked["occurrenceAt"]) == utc(2026, 3, 3, 8)
    assert (checked["measureValue"], checked["weeklyReviewId"]) == (None, None)
    assert {"checkedInAt", "updatedAt"} <= checked.keys()


async def test_occurrences_beyond_what_is_stored_are_computed_across_a_clock_change(
    owner: Caller, database: Database
) -> None:
    action = await create(owner, schedule=MONDAYS_FROM_MARCH_2)
    stored_until = max(await due_instants(database, action["id"]))
    response = await owner.get(
        f"{KEY_ACTIONS}/{action['id']}/occurrences", params={"from": "2026-04-01", "to": "2026-11-02"}
    )
    assert response.status_code == 200, response.text
    items = response.json()
    mondays = [item["localDate"] for item in items]
    assert mondays[0] == "2026-04-06"
    assert mondays[-1] == "2026-11-02"
    assert len(mondays) == 31
    # 08:00 in London: BST until 25 October, GMT after.
    assert instant(items[0]["dueAt"]) == utc(2026, 4, 6, 7)
    assert instant(items[-2]["dueAt"]) == utc(2026, 10, 26, 8)
    assert instant(items[-1]["dueAt"]) == utc(2026, 11, 2, 8)
    assert all(item["checkIn"] is None for item in items)
    # Computing them stored nothing more.
    assert max(await due_instants(database, action["id"])) == stored_until


async def test_occurrences_of_a_paused_action_stop_at_the_pause(owner: Caller, clock: FrozenClock) -> None:
    action = await create(owner, schedule=DAILY_SINCE_MONDAY_FEB_23)
    clock.set(utc(2026, 3, 4, 12))
    await owner.post(f"{KEY_ACTIONS}/{action['id']}/status", json={"status": "paused", "reason": "Ill"})
    items = (await owner.get(f"{KEY_ACTIONS}/{action['id']}/occurrences", params={"to": "2026-03-31"})).json()
    assert items == []
    items = (
        await owner.get(
            f"{KEY_ACTIONS}/{action['id']}/occurrences", params={"from": "2026-03-01", "to": "2026-03-31"}
        )
    ).json()
    assert [item["localDate"] for item in items] == ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"]


async def test_one_bound_of_the_range_makes_a_week(owner: Caller) -> None:
    action = await create(owner, schedule=DAILY_SINCE_MONDAY_FEB_23)
    url = f"{KEY_ACTIONS}/{action['id']}/occurrences"
    after = (await owner.get(url, params={"from": "2026-03-10"})).json()
    assert [item["localDate"] for item in after] == [f"2026-03-{day}" for day in range(10, 17)]
    before = (await owner.get(url, params={"to": "2026-02-25"})).json()
    assert [item["localDate"] for item in before] == ["2026-02-23", "2026-02-24", "2026-02-25"]
    year = await owner.get(url, params={"from": "2026-01-01", "to": "2027-01-01"})
    assert year.status_code == 200


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"from": "2026-03-10", "to": "2026-03-09"}, 422, "to"),
        ({"from": "2026-01-01", "to": "2027-01-02"}, 422, "to"),
        ({"from": "yesterday"}, 400, "from"),
        ({"to": "2026-02-30"}, 400, "to"),
        ({"from": "2026-03-02T00:00:00"}, 400, "from"),
    ],
)
async def test_bad_occurrence_ranges_are_refused_naming_the_bound(
    owner: Caller, params: dict[str, str], status: int, field: str
) -> None:
    action = await create(owner, schedule=DAILY_SINCE_MONDAY_FEB_23)
    response = await owner.get(f"{KEY_ACTIONS}/{action['id']}/occurrences", params=params)
    assert response.status_code == status, response.text
    assert field in response.json()["detail"]


async def test_occurrences_of_a_strangers_or_missing_action_are_404(owner: Caller, stranger: Caller) -> None:
    action = await create(owner)
    assert (await stranger.get(f"{KEY_ACTIONS}/{action['id']}/occurrences")).status_code == 404
    assert (await owner.get(f"{KEY_ACTIONS}/{uuid4()}/occurrences")).status_code == 404
