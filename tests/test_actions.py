from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from followthrough.actions.models import KeyAction, KeyActionStatusChange, Occurrence
from followthrough.checkins.models import CheckIn
from followthrough.clock import FrozenClock
from tests.conftest import Caller, Callers, Database
from tests.support.actions import ACTION, KEY_ACTIONS, ONCE, check_in, create, utc
from tests.support.answers import error_fields, said

MONDAYS = {"kind": "recurring", "startsAt": "2026-03-02T08:00:00", "rrule": "FREQ=WEEKLY;BYDAY=MO"}
DAILY = {"kind": "recurring", "startsAt": "2026-02-23T08:00:00", "rrule": "FREQ=DAILY"}


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def stored(database: Database, caller: Caller) -> dict[str, list[tuple[Any, ...]]]:
    """What is stored about one participant's key actions, to show that a refused request changed nothing."""
    owner = UUID(caller.id)
    async with database() as db:
        actions = await db.execute(
            select(
                KeyAction.id,
                KeyAction.title,
                KeyAction.barrier_id,
                KeyAction.cue,
                KeyAction.key_holder,
                KeyAction.key_holder_name,
                KeyAction.own_part,
                KeyAction.schedule_kind,
                KeyAction.starts_at,
                KeyAction.rrule,
                KeyAction.reminder_offsets,
                KeyAction.status,
                KeyAction.status_reason,
                KeyAction.visibility,
                KeyAction.measure_unit,
                KeyAction.measure_target,
                KeyAction.updated_at,
            )
            .where(KeyAction.participant_id == owner)
            .order_by(KeyAction.id)
        )
        changes = await db.execute(
            select(KeyActionStatusChange.id, KeyActionStatusChange.to_status)
            .where(KeyActionStatusChange.participant_id == owner)
            .order_by(KeyActionStatusChange.id)
        )
        occurrences = await db.execute(
            select(Occurrence.key_action_id, Occurrence.due_at)
            .where(Occurrence.participant_id == owner)
            .order_by(Occurrence.key_action_id, Occurrence.due_at)
        )
        return {
            "actions": [tuple(row) for row in actions],
            "changes": [tuple(row) for row in changes],
            "occurrences": [tuple(row) for row in occurrences],
        }


async def due_instants(database: Database, action_id: str) -> list[datetime]:
    async with database() as db:
        return list(
            await db.scalars(
                select(Occurrence.due_at)
                .where(Occurrence.key_action_id == UUID(action_id))
                .order_by(Occurrence.due_at)
            )
        )


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
        "schedule": MONDAYS,
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
        _at(action["statusChangedAt"]) == _at(action["createdAt"]) == _at(action["updatedAt"]) == clock.now()
    )
    # Monday 2 March 08:00 has passed (it is 09:00); the next one is 9 March, still GMT.
    assert _at(action["nextOccurrenceAt"]) == utc(2026, 3, 9, 8)
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
    assert _at(action["nextOccurrenceAt"]) == utc(2026, 3, 6, 17)
    assert await due_instants(database, action["id"]) == [utc(2026, 3, 6, 17)]


async def test_a_schedule_is_read_in_the_participants_zone(callers: Callers, database: Database) -> None:
    kolkata = await callers.participant(time_zone="Asia/Kolkata", name="Asha")
    action = await create(kolkata)
    assert _at(action["nextOccurrenceAt"]) == utc(2026, 3, 6, 11, 30)
    assert await due_instants(database, action["id"]) == [utc(2026, 3, 6, 11, 30)]


async def test_a_past_start_fills_in_the_history_since_then(owner: Caller, database: Database) -> None:
    action = await create(owner, schedule=DAILY)
    instants = await due_instants(database, action["id"])
    assert instants[:2] == [utc(2026, 2, 23, 8), utc(2026, 2, 24, 8)]
    assert len(instants) == 6 + 31 + 6  # 23 February to 6 April, the 35-day horizon
    assert _at(action["nextOccurrenceAt"]) == utc(2026, 3, 3, 8)


async def test_creation_is_the_first_entry_of_the_history(owner: Caller, clock: FrozenClock) -> None:
    action = await create(owner)
    history = (await owner.get(f"{KEY_ACTIONS}/{action['id']}/history")).json()
    assert len(history) == 1
    assert {key: history[0][key] for key in ("fromStatus", "toStatus", "reason")} == {
        "fromStatus": None,
        "toStatus": "active",
        "reason": None,
    }
    assert _at(history[0]["changedAt"]) == clock.now()


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
    ({"schedule": {"kind": "once", "dueAt": "2026-03-06T17:00:00", "rrule": "FREQ=DAILY"}}, "rrule"),
    ({"schedule": {**MONDAYS, "startsAt": "2026-03-02T08:00:00-05:00"}}, "schedule.startsAt"),
    ({"schedule": {"kind": "recurring", "startsAt": "2026-03-02T08:00:00"}}, "rrule"),
    ({"schedule": {**MONDAYS, "rrule": ""}}, "schedule.rrule"),
    ({"schedule": {**MONDAYS, "rrule": "FREQ=WEEKLY;BYDAY=MO" + ";BYMONTH=1" * 60}}, "schedule.rrule"),
    ({"schedule": {**MONDAYS, "rrule": 7}}, "schedule.rrule"),
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
    response = await owner.post(KEY_ACTIONS, json={**ACTION, "schedule": {**MONDAYS, "rrule": rrule}})
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
    assert _at(hourly["nextOccurrenceAt"]) == utc(2026, 3, 2, 9, 30)


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
    second = await create(owner, title="Second", visibility="partners", schedule=MONDAYS)
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
    action = await create(owner, schedule=MONDAYS)
    before = await stored(database, owner)
    one = f"{KEY_ACTIONS}/{action['id']}"
    for method, url, body in [
        ("GET", one, None),
        ("PATCH", one, {"title": "Mine now"}),
        ("PATCH", one, {"schedule": DAILY}),
        ("DELETE", one, None),
        ("POST", f"{one}/status", {"status": "dropped", "reason": "Not yours"}),
        ("GET", f"{one}/history", None),
        ("GET", f"{one}/occurrences", None),
    ]:
        response = await stranger.request(method, url, json=body)
        assert response.status_code == 404, (method, url, response.text)
    assert await stored(database, owner) == before
    assert (await owner.get(one)).json() == action


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
    assert _at(updated["updatedAt"]) == clock.now()
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
    action = await create(owner, schedule=DAILY)
    clock.set(utc(2026, 3, 4, 12))
    # A check-in on a past occurrence, and one on this morning's, made early for tomorrow's too.
    await check_in(database, owner, action["id"], utc(2026, 3, 3, 8))
    tomorrow = await check_in(database, owner, action["id"], utc(2026, 3, 5, 8))
    evening = {"kind": "recurring", "startsAt": "2026-03-04T19:00:00", "rrule": "FREQ=DAILY"}
    response = await owner.patch(f"{KEY_ACTIONS}/{action['id']}", json={"schedule": evening})
    assert response.status_code == 200, response.text
    assert response.json()["schedule"] == evening
    assert _at(response.json()["nextOccurrenceAt"]) == utc(2026, 3, 4, 19)

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
    action = await create(owner, schedule=MONDAYS)
    async with database() as db:
        before = (
            await db.execute(select(Occurrence.id, Occurrence.due_at).order_by(Occurrence.due_at))
        ).all()
    response = await owner.patch(f"{KEY_ACTIONS}/{action['id']}", json={"schedule": MONDAYS})
    assert response.status_code == 200
    async with database() as db:
        after = (await db.execute(select(Occurrence.id, Occurrence.due_at).order_by(Occurrence.due_at))).all()
    assert after == before


async def test_a_paused_action_takes_a_new_schedule_without_occurrences_until_resumed(
    owner: Caller, database: Database, clock: FrozenClock
) -> None:
    action = await create(owner, schedule=MONDAYS)
    await owner.post(f"{KEY_ACTIONS}/{action['id']}/status", json={"status": "paused", "reason": "Leave"})
    moved = await owner.patch(f"{KEY_ACTIONS}/{action['id']}", json={"schedule": DAILY})
    assert (moved.json()["status"], moved.json()["nextOccurrenceAt"]) == ("paused", None)
    assert await due_instants(database, action["id"]) == [utc(2026, 3, 2, 8)]
    clock.set(utc(2026, 3, 10, 12))
    resumed = await owner.post(f"{KEY_ACTIONS}/{action['id']}/status", json={"status": "active"})
    assert _at(resumed.json()["nextOccurrenceAt"]) == utc(2026, 3, 11, 8)
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
    ({"schedule": {**MONDAYS, "rrule": "FREQ=MINUTELY"}}, "schedule.rrule"),
    ({"schedule": {**MONDAYS, "rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31"}}, "schedule.rrule"),
    ({"schedule": {**MONDAYS, "rrule": "FREQ=FORTNIGHTLY"}}, "schedule.rrule"),
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
    action = await create(owner, schedule=MONDAYS)
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


# Deleting


async def test_deleting_my_key_action_removes_it_with_its_occurrences_check_ins_and_history(
    owner: Caller, database: Database, clock: FrozenClock
) -> None:
    action = await create(owner, schedule=DAILY)
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


# Status


async def test_pausing_resuming_finishing_and_dropping_keep_their_reasons_in_the_history(
    owner: Caller, database: Database, clock: FrozenClock
) -> None:
    action = await create(owner, schedule=DAILY)
    one = f"{KEY_ACTIONS}/{action['id']}"

    clock.set(utc(2026, 3, 4, 12))
    await check_in(database, owner, action["id"], utc(2026, 3, 5, 8))
    paused = await owner.post(f"{one}/status", json={"status": "paused", "reason": "  On leave for a week "})
    assert paused.status_code == 200, paused.text
    assert (paused.json()["status"], paused.json()["statusReason"]) == ("paused", "On leave for a week")
    assert _at(paused.json()["statusChangedAt"]) == clock.now()
    assert paused.json()["nextOccurrenceAt"] is None
    # The future goes, except an occurrence someone already checked in on; the past stays.
    instants = await due_instants(database, action["id"])
    assert instants[-2:] == [utc(2026, 3, 4, 8), utc(2026, 3, 5, 8)]
    assert instants[0] == utc(2026, 2, 23, 8)

    clock.set(utc(2026, 3, 12, 6))
    resumed = await owner.post(f"{one}/status", json={"status": "active"})
    assert resumed.status_code == 200, resumed.text
    assert (resumed.json()["status"], resumed.json()["statusReason"]) == ("active", None)
    assert _at(resumed.json()["nextOccurrenceAt"]) == utc(2026, 3, 12, 8)
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
    assert [_at(item["changedAt"]) for item in history] == [
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
    action = await create(owner, schedule=DAILY)
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
    action = await create(owner, schedule=DAILY)
    before = await stored(database, owner)
    response = await owner.post(f"{KEY_ACTIONS}/{action['id']}/status", json=body)
    assert response.status_code in {400, 422}, response.text
    assert field in response.json()["detail"]
    assert await stored(database, owner) == before


async def test_history_of_a_missing_or_strangers_action_is_404(owner: Caller, stranger: Caller) -> None:
    action = await create(owner)
    assert (await stranger.get(f"{KEY_ACTIONS}/{action['id']}/history")).status_code == 404
    assert (await owner.get(f"{KEY_ACTIONS}/{uuid4()}/history")).status_code == 404


# Occurrences


async def test_occurrences_default_to_this_local_week_with_their_check_ins(
    owner: Caller, database: Database, clock: FrozenClock
) -> None:
    action = await create(owner, schedule=DAILY, measure={"unit": "people asked"})
    clock.set(utc(2026, 3, 4, 12))  # Wednesday
    made = await check_in(database, owner, action["id"], utc(2026, 3, 3, 8))
    response = await owner.get(f"{KEY_ACTIONS}/{action['id']}/occurrences")
    assert response.status_code == 200, response.text
    week = response.json()
    assert [item["localDate"] for item in week] == [f"2026-03-{day:02}" for day in range(2, 9)]
    assert [_at(item["dueAt"]) for item in week] == [utc(2026, 3, day, 8) for day in range(2, 9)]
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
    assert _at(checked["occurrenceAt"]) == utc(2026, 3, 3, 8)
    assert (checked["measureValue"], checked["weeklyReviewId"]) == (None, None)
    assert {"checkedInAt", "updatedAt"} <= checked.keys()


async def test_occurrences_beyond_what_is_stored_are_computed_across_a_clock_change(
    owner: Caller, database: Database
) -> None:
    action = await create(owner, schedule=MONDAYS)
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
    assert _at(items[0]["dueAt"]) == utc(2026, 4, 6, 7)
    assert _at(items[-2]["dueAt"]) == utc(2026, 10, 26, 8)
    assert _at(items[-1]["dueAt"]) == utc(2026, 11, 2, 8)
    assert all(item["checkIn"] is None for item in items)
    # Computing them stored nothing more.
    assert max(await due_instants(database, action["id"])) == stored_until


async def test_occurrences_of_a_paused_action_stop_at_the_pause(owner: Caller, clock: FrozenClock) -> None:
    action = await create(owner, schedule=DAILY)
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
    action = await create(owner, schedule=DAILY)
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
    action = await create(owner, schedule=DAILY)
    response = await owner.get(f"{KEY_ACTIONS}/{action['id']}/occurrences", params=params)
    assert response.status_code == status, response.text
    assert field in response.json()["detail"]


async def test_occurrences_of_a_strangers_or_missing_action_are_404(owner: Caller, stranger: Caller) -> None:
    action = await create(owner)
    assert (await stranger.get(f"{KEY_ACTIONS}/{action['id']}/occurrences")).status_code == 404
    assert (await owner.get(f"{KEY_ACTIONS}/{uuid4()}/occurrences")).status_code == 404
