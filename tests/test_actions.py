"""Key actions: creating, listing, reading and deleting them, and what a stranger or a bad request gets."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import select

from followthrough.checkins.models import CheckIn
from followthrough.clock import FrozenClock
from tests.conftest import Caller, Callers, Database
from tests.support.actions import (
    ACTION,
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
from tests.support.answers import error_fields, said

# Creating


async def test_creating_a_key_action_returns_every_field_and_schedules_its_occurrences(
    owner: Caller, database: Database, clock: FrozenClock
) -> None:
    barrier = (
        await owner.post("/api/v1/barriers", json={"title": "No budget", "level": "organization"})
    ).json()
    body = {
        "title": "  Ask for a training budget ",
        "barrierId": barrier["id"],
        "cue": "When the Monday stand-up ends, I will raise it",
        "keyHolder": "others",
        "keyHolderName": "Finance",
        "ownPart": "Write the proposal",
        "schedule": MONDAYS_FROM_MARCH_2,
        "reminderOffsets": [60, 15],
        "visibility": "partners",
        "measure": {"unit": "proposals sent", "target": 3},
    }
    response = await owner.post(KEY_ACTIONS, json=body)
    assert response.status_code == 201, response.text
    action = response.json()
    assert UUID(action["id"])
    assert {key: action[key] for key in body} == {
        **body,
        "title": "Ask for a training budget",
        "reminderOffsets": [15, 60],
        "measure": {"unit": "proposals sent", "target": 3.0},
    }
    assert (action["status"], action["statusReason"]) == ("active", None)
    assert (
        instant(action["statusChangedAt"])
        == instant(action["createdAt"])
        == instant(action["updatedAt"])
        == clock.now()
    )
    # Monday 2 March 08:00 has passed (it is 09:00); the next one is 9 March, still GMT.
    assert instant(action["nextOccurrenceAt"]) == utc(2026, 3, 9, 8)
    assert (await owner.get(f"{KEY_ACTIONS}/{action['id']}")).json() == action

    # Mondays up to the 35-day horizon, in the same transaction; London moves to BST on 29 March.
    assert await due_instants(database, action["id"]) == [
        utc(2026, 3, 2, 8),
        utc(2026, 3, 9, 8),
        utc(2026, 3, 16, 8),
        utc(2026, 3, 23, 8),
        utc(2026, 3, 30, 7),
        utc(2026, 4, 6, 7),
    ]


async def test_a_key_action_has_sensible_defaults(owner: Caller, database: Database) -> None:
    action = await create(owner)
    assert (
        action["barrierId"],
        action["cue"],
        action["keyHolder"],
        action["keyHolderName"],
        action["ownPart"],
        action["reminderOffsets"],
        action["visibility"],
        action["measure"],
    ) == (None, None, "me", None, None, [], "private", None)
    assert action["schedule"] == ONCE
    assert instant(action["nextOccurrenceAt"]) == utc(2026, 3, 6, 17)
    assert await due_instants(database, action["id"]) == [utc(2026, 3, 6, 17)]


async def test_a_schedule_is_read_in_the_participants_zone(callers: Callers, database: Database) -> None:
    kolkata = await callers.participant(time_zone="Asia/Kolkata", name="Asha")
    action = await create(kolkata)
    assert instant(action["nextOccurrenceAt"]) == utc(2026, 3, 6, 11, 30)
    assert await due_instants(database, action["id"]) == [utc(2026, 3, 6, 11, 30)]


async def test_a_past_start_fills_in_the_history_since_then(owner: Caller, database: Database) -> None:
    action = await create(owner, schedule=DAILY_SINCE_MONDAY_FEB_23)
    instants = await due_instants(database, action["id"])
    assert instants[:2] == [utc(2026, 2, 23, 8), utc(2026, 2, 24, 8)]
    assert len(instants) == 6 + 31 + 6  # 23 February to 6 April, the 35-day horizon
    assert instant(action["nextOccurrenceAt"]) == utc(2026, 3, 3, 8)


async def test_creation_is_the_first_entry_of_the_history(owner: Caller, clock: FrozenClock) -> None:
    action = await create(owner)
    history = (await owner.get(f"{KEY_ACTIONS}/{action['id']}/history")).json()
    assert len(history) == 1
    assert {key: history[0][key] for key in ("fromStatus", "toStatus", "reason")} == {
        "fromStatus": None,
        "toStatus": "active",
        "reason": None,
    }
    assert instant(history[0]["changedAt"]) == clock.now()


async def test_a_strangers_barrier_is_refused_exactly_like_one_that_does_not_exist(
    owner: Caller, stranger: Caller, database: Database
) -> None:
    theirs = (await stranger.post("/api/v1/barriers", json={"title": "Theirs", "level": "personal"})).json()
    foreign = await owner.post(KEY_ACTIONS, json={**ACTION, "barrierId": theirs["id"]})
    missing = await owner.post(KEY_ACTIONS, json={**ACTION, "barrierId": str(uuid4())})
    assert foreign.status_code == missing.status_code == 422
    assert error_fields(foreign) == error_fields(missing) == ["barrierId"]
    assert foreign.json()["detail"] == missing.json()["detail"]
    assert await stored(database, owner) == {"actions": [], "changes": [], "occurrences": []}


BAD_CREATES: list[tuple[dict[str, Any], str]] = [
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": 42}, "title"),
    ({"title": None}, "title"),
    ({"cue": "x" * 301}, "cue"),
    ({"keyHolder": "boss"}, "keyHolder"),
    ({"keyHolder": "others"}, "keyHolderName"),
    ({"keyHolder": "others", "keyHolderName": " "}, "keyHolderName"),
    ({"keyHolderName": "Finance"}, "keyHolderName"),
    ({"keyHolder": "others", "keyHolderName": "x" * 121}, "keyHolderName"),
    ({"ownPart": "x" * 501}, "ownPart"),
    ({"barrierId": "not-a-uuid"}, "barrierId"),
    ({"schedule": None}, "schedule"),
    ({"schedule": "every monday"}, "schedule"),
    ({"schedule": {"kind": "weekly", "startsAt": "2026-03-02T08:00:00"}}, "schedule.kind"),
    ({"schedule": {"dueAt": "2026-03-06T17:00:00"}}, "schedule"),
    ({"schedule": {"kind": "once"}}, "dueAt"),
    ({"schedule": {"kind": "once", "dueAt": "2026-03-06T17:00:00+01:00"}}, "schedule.dueAt"),
    ({"schedule": {"kind": "once", "dueAt": "2026-03-06T17:00:00Z"}}, "schedule.dueAt"),
    ({"schedule": {"kind": "once", "dueAt": "next friday"}}, "schedule.dueAt"),
    ({"schedule": {"kind": "once", "dueAt": "1066-10-14T09:00:00"}}, "schedule.dueAt"),
    (
        {
            "schedule": {
                "kind": "once",
                "dueAt": "2026-03-06T17:00:00",
                "rrule": "FREQ=DAILY",
            }
        },
        "rrule",
    ),
    ({"schedule": {**MONDAYS_FROM_MARCH_2, "startsAt": "2026-03-02T08:00:00-05:00"}}, "schedule.startsAt"),
    ({"schedule": {"kind": "recurring", "startsAt": "2026-03-02T08:00:00"}}, "rrule"),
    ({"schedule": {**MONDAYS_FROM_MARCH_2, "rrule": ""}}, "schedule.rrule"),
    (
        {"schedule": {**MONDAYS_FROM_MARCH_2, "rrule": "FREQ=WEEKLY;BYDAY=MO" + ";BYMONTH=1" * 60}},
        "schedule.rrule",
    ),
    ({"schedule": {**MONDAYS_FROM_MARCH_2, "rrule": 7}}, "schedule.rrule"),
    ({"reminderOffsets": [-1]}, "reminderOffsets"),
    ({"reminderOffsets": [10081]}, "reminderOffsets"),
    ({"reminderOffsets": [1, 2, 3, 4, 5, 6]}, "reminderOffsets"),
    ({"reminderOffsets": [15, 60, 15]}, "reminderOffsets"),
    ({"reminderOffsets": ["soon"]}, "reminderOffsets"),
    ({"reminderOffsets": 15}, "reminderOffsets"),
    ({"visibility": "public"}, "visibility"),
    ({"measure": {"unit": ""}}, "measure.unit"),
    ({"measure": {"unit": "  "}}, "measure.unit"),
    ({"measure": {"unit": "x" * 41}}, "measure.unit"),
    ({"measure": {"target": 3}}, "unit"),
    ({"measure": {"unit": "hours", "target": 0}}, "measure.target"),
    ({"measure": {"unit": "hours", "target": -2}}, "measure.target"),
    ({"measure": {"unit": "hours", "target": "lots"}}, "measure.target"),
    ({"measure": {"unit": "hours", "target": 1e300}}, "measure.target"),
    ({"measure": {"unit": "hours", "colour": "red"}}, "colour"),
    ({"status": "paused"}, "status"),
    ({"priority": "high"}, "priority"),
]


@pytest.mark.parametrize(("change", "field"), BAD_CREATES)
async def test_bad_key_actions_are_refused_naming_the_field_and_nothing_is_stored(
    owner: Caller, database: Database, change: dict[str, Any], field: str
) -> None:
    response = await owner.post(KEY_ACTIONS, json={**ACTION, **change})
    assert response.status_code in {400, 422}, response.text
    assert field in response.json()["detail"], response.text
    assert await stored(database, owner) == {"actions": [], "changes": [], "occurrences": []}


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (
            b'{"title": "T", "schedule": {"kind": "once", "dueAt": "2026-03-06T17:00:00"}, '
            b'"measure": {"unit": "h", "target": NaN}}',
            400,
        ),
        (
            b'{"title": "T", "schedule": {"kind": "once", "dueAt": "2026-03-06T17:00:00"}, '
            b'"measure": {"unit": "h", "target": Infinity}}',
            400,
        ),
        (
            b'{"title": "T", "schedule": {"kind": "once", "dueAt": "2026-03-06T17:00:00"}, '
            b'"measure": {"unit": "h", "target": 1e999}}',
            400,
        ),
    ],
)
async def test_not_a_number_and_infinity_are_refused(
    owner: Caller, database: Database, raw: bytes, status: int
) -> None:
    response = await owner.post(KEY_ACTIONS, content=raw, headers={"content-type": "application/json"})
    assert response.status_code == status, response.text
    assert await stored(database, owner) == {"actions": [], "changes": [], "occurrences": []}


@pytest.mark.parametrize(
    ("rrule", "reason"),
    [
        ("FREQ=SOMETIMES", "cannot be parsed"),
        ("BYDAY=MO", "FREQ is required"),
        ("FREQ=WEEKLY;BYDAY=XX", "cannot be parsed"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "never produces an occurrence"),
        ("FREQ=DAILY;UNTIL=20260101T000000", "never produces an occurrence"),
        ("FREQ=MINUTELY", "too frequent"),
        ("FREQ=SECONDLY;INTERVAL=3600", "too frequent"),
        ("FREQ=HOURLY;BYMINUTE=0,30", "at least an hour apart"),
        ("FREQ=DAILY;BYHOUR=8;BYMINUTE=0,15", "at least an hour apart"),
        ("FREQ=DAILY;INTERVAL=0", "INTERVAL must be at least 1"),
        ("FREQ=DAILY;COUNT=5;UNTIL=20270101T000000", "COUNT and UNTIL"),
        ("FREQ=DAILY\nFREQ=WEEKLY", "line"),
    ],
)
async def test_each_refused_rule_says_why(owner: Caller, database: Database, rrule: str, reason: str) -> None:
    response = await owner.post(
        KEY_ACTIONS, json={**ACTION, "schedule": {**MONDAYS_FROM_MARCH_2, "rrule": rrule}}
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "schedule.rrule"
    assert reason in response.json()["errors"][0]["message"]
    assert await stored(database, owner) == {"actions": [], "changes": [], "occurrences": []}


async def test_an_rrule_prefix_and_hourly_rules_are_accepted(owner: Caller, database: Database) -> None:
    hourly = await create(
        owner,
        schedule={
            "kind": "recurring",
            "startsAt": "2026-03-02T09:30:00",
            "rrule": "RRULE:FREQ=HOURLY;COUNT=3",
        },
    )
    assert await due_instants(database, hourly["id"]) == [
        utc(2026, 3, 2, 9, 30),
        utc(2026, 3, 2, 10, 30),
        utc(2026, 3, 2, 11, 30),
    ]
    assert instant(hourly["nextOccurrenceAt"]) == utc(2026, 3, 2, 9, 30)


async def test_anonymous_callers_get_401_on_every_key_action_route(callers: Callers, owner: Caller) -> None:
    action = await create(owner)
    anonymous = callers.anonymous()
    one = f"{KEY_ACTIONS}/{action['id']}"
    for method, url, body in [
        ("POST", KEY_ACTIONS, ACTION),
        ("GET", KEY_ACTIONS, None),
        ("GET", one, None),
        ("PATCH", one, {"title": "Mine now"}),
        ("DELETE", one, None),
        ("POST", f"{one}/status", {"status": "paused", "reason": "x"}),
        ("GET", f"{one}/history", None),
        ("GET", f"{one}/occurrences", None),
    ]:
        response = await anonymous.request(method, url, json=body)
        assert response.status_code == 401, (method, url)
    assert (await owner.get(one)).json() == action


# Listing and reading


async def test_the_list_is_mine_newest_first_and_filters_and_pages(
    owner: Caller, stranger: Caller, clock: FrozenClock
) -> None:
    barrier = (await owner.post("/api/v1/barriers", json={"title": "B", "level": "personal"})).json()
    first = await create(owner, title="First", barrierId=barrier["id"])
    clock.advance(timedelta(minutes=1))
    second = await create(owner, title="Second", visibility="partners", schedule=MONDAYS_FROM_MARCH_2)
    clock.advance(timedelta(minutes=1))
    third = await create(owner, title="Third", barrierId=barrier["id"], visibility="partners")
    await owner.post(f"{KEY_ACTIONS}/{third['id']}/status", json={"status": "paused", "reason": "Busy"})
    await create(stranger, title="Not mine")

    page = (await owner.get(KEY_ACTIONS)).json()
    assert [item["title"] for item in page["items"]] == ["Third", "Second", "First"]
    assert (page["total"], page["limit"], page["offset"]) == (3, 50, 0)
    assert page["items"][1] == second

    async def titles(**params: Any) -> list[str]:
        response = await owner.get(KEY_ACTIONS, params=params)
        assert response.status_code == 200, response.text
        return [item["title"] for item in response.json()["items"]]

    assert await titles(status="active") == ["Second", "First"]
    assert await titles(status="paused") == ["Third"]
    assert await titles(barrierId=barrier["id"]) == ["Third", "First"]
    assert await titles(visibility="partners") == ["Third", "Second"]
    assert await titles(visibility="partners", status="active", barrierId=barrier["id"]) == []
    assert await titles(limit=1, offset=1) == ["Second"]
    assert (await owner.get(KEY_ACTIONS, params={"limit": 1})).json()["total"] == 3
    assert await titles(barrierId=str(uuid4())) == []
    assert first["id"] not in [item["id"] for item in (await stranger.get(KEY_ACTIONS)).json()["items"]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"limit": "all"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 10**21}, "offset"),
        ({"status": "sleeping"}, "status"),
        ({"visibility": "public"}, "visibility"),
        ({"barrierId": "nope"}, "barrierId"),
    ],
)
async def test_bad_list_parameters_are_refused_naming_them(
    owner: Caller, params: dict[str, Any], field: str
) -> None:
    response = await owner.get(KEY_ACTIONS, params=params)
    assert response.status_code == 400
    assert field in response.json()["detail"]


async def test_a_stranger_gets_404_for_my_key_action_as_for_a_missing_one(
    owner: Caller, stranger: Caller
) -> None:
    action = await create(owner)
    theirs = await stranger.get(f"{KEY_ACTIONS}/{action['id']}")
    missing = await stranger.get(f"{KEY_ACTIONS}/{uuid4()}")
    assert theirs.status_code == missing.status_code == 404
    assert said(theirs) == said(missing)
    assert (await owner.get(f"{KEY_ACTIONS}/not-a-uuid")).status_code in {400, 404}


async def test_every_route_of_my_key_action_is_404_to_a_stranger_and_changes_nothing(
    owner: Caller, stranger: Caller, database: Database
) -> None:
    action = await create(owner, schedule=MONDAYS_FROM_MARCH_2)
    before = await stored(database, owner)
    one = f"{KEY_ACTIONS}/{action['id']}"
    for method, url, body in [
        ("GET", one, None),
        ("PATCH", one, {"title": "Mine now"}),
        ("PATCH", one, {"schedule": DAILY_SINCE_MONDAY_FEB_23}),
        ("DELETE", one, None),
        ("POST", f"{one}/status", {"status": "dropped", "reason": "Not yours"}),
        ("GET", f"{one}/history", None),
        ("GET", f"{one}/occurrences", None),
    ]:
        response = await stranger.request(method, url, json=body)
        assert response.status_code == 404, (method, url, response.text)
    assert await stored(database, owner) == before
    assert (await owner.get(one)).json() == action


# Deleting


async def test_deleting_my_key_action_removes_it_with_its_occurrences_check_ins_and_history(
    owner: Caller, database: Database, clock: FrozenClock
) -> None:
    action = await create(owner, schedule=DAILY_SINCE_MONDAY_FEB_23)
    kept = await create(owner, title="Kept")
    await check_in(database, owner, action["id"], utc(2026, 2, 24, 8))
    response = await owner.delete(f"{KEY_ACTIONS}/{action['id']}")
    assert response.status_code == 204
    assert (await owner.get(f"{KEY_ACTIONS}/{action['id']}")).status_code == 404
    assert (await owner.delete(f"{KEY_ACTIONS}/{action['id']}")).status_code == 404
    after = await stored(database, owner)
    assert [row[0] for row in after["actions"]] == [UUID(kept["id"])]
    assert {row[0] for row in after["occurrences"]} == {UUID(kept["id"])}
    assert len(after["changes"]) == 1
    async with database() as db:
        assert await db.scalar(select(CheckIn.id).where(CheckIn.participant_id == UUID(owner.id))) is None
