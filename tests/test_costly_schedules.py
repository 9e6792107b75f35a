"""What one request expands is bounded whatever the rule (issue 11, finding 9).

An hourly action that began in 1970 fills in only its latest past occurrences and the first days of its
future, later passes carry on where storage stopped, a listing returns a bounded number of occurrences, and
rules that would cost more are refused naming `schedule.rrule`.
bench/costly_rules.py measures the times; these tests assert the bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from followthrough.actions import schedule as schedule_module
from followthrough.actions.models import KeyAction, Occurrence
from followthrough.actions.occurrences import (
    BACKFILL_LIMIT,
    BACKFILL_OCCURRENCES,
    FUTURE_OCCURRENCES,
    MAX_LISTED,
    PASS_OCCURRENCES,
    REFRESH_SLACK,
)
from followthrough.actions.schedule import Schedule, latest_occurrences_before, occurrences_between
from followthrough.clock import FrozenClock
from followthrough.reminders.scheduler import materialise_step
from followthrough.settings import Settings
from tests.conftest import DEFAULT_NOW, Caller, Database
from tests.support.actions import KEY_ACTIONS, due_instants

LONDON = ZoneInfo("Europe/London")
HORIZON_DAYS = 35  # the default occurrence horizon
EVERY_HOUR = ",".join(str(hour) for hour in range(24))
HOUR = timedelta(hours=1)


async def _create(caller: Caller, starts_at: str, rrule: str) -> Any:
    schedule = {"kind": "recurring", "startsAt": starts_at, "rrule": rrule}
    return await caller.post(KEY_ACTIONS, json={"title": "Costly", "schedule": schedule})


async def _stored_until(database: Database, action_id: str) -> datetime | None:
    async with database() as db:
        return await db.scalar(select(KeyAction.occurrences_until).where(KeyAction.id == UUID(action_id)))


async def test_an_hourly_action_from_1970_stores_a_pass_of_occurrences_and_where_it_stopped(
    owner: Caller, database: Database
) -> None:
    response = await _create(owner, "1970-01-01T00:00:00", "FREQ=HOURLY")
    assert response.status_code == 201, response.text

    due = await due_instants(database, response.json()["id"])

    past = [instant for instant in due if instant < DEFAULT_NOW]
    latest = DEFAULT_NOW - HOUR  # 08:00 UTC; London is on UTC until 29 March
    backfilled = PASS_OCCURRENCES - FUTURE_OCCURRENCES
    assert past == [latest - back * HOUR for back in range(backfilled - 1, -1, -1)]
    future = [instant for instant in due if instant >= DEFAULT_NOW]
    # Ten days of every hour, not the whole horizon; the action says where storage stopped.
    assert future == [DEFAULT_NOW + ahead * HOUR for ahead in range(FUTURE_OCCURRENCES)]
    assert await _stored_until(database, response.json()["id"]) == future[-1] + timedelta(microseconds=1)


async def test_later_passes_carry_on_where_storage_stopped_without_a_gap(
    owner: Caller, database: Database, clock: FrozenClock, settings: Settings
) -> None:
    response = await _create(owner, "1970-01-01T00:00:00", "FREQ=HOURLY")
    action_id = response.json()["id"]
    first = await due_instants(database, action_id)

    # Three days on, the worker needs eight days ahead for reminders: it stores the next pass.
    clock.advance(timedelta(days=3))
    async with database() as db:
        assert await materialise_step(db, clock.now(), settings) >= 1
    reminders_need = clock.now() + timedelta(days=8)
    assert len(await due_instants(database, action_id)) == len(first) + FUTURE_OCCURRENCES
    stored_until = await _stored_until(database, action_id)
    assert stored_until is not None
    assert stored_until > reminders_need
    # Requests then extend the action towards the horizon, a pass at a time.
    for _ in range(4):
        assert (await owner.get(f"{KEY_ACTIONS}/{action_id}/occurrences")).status_code == 200

    due = await due_instants(database, action_id)
    future = [instant for instant in due if instant >= DEFAULT_NOW]
    horizon = clock.now() + timedelta(days=HORIZON_DAYS)
    assert due[: len(first)] == first
    assert future == [DEFAULT_NOW + ahead * HOUR for ahead in range(len(future))]
    assert future[-1] >= horizon
    assert len(future) <= (horizon + REFRESH_SLACK - DEFAULT_NOW) / HOUR + FUTURE_OCCURRENCES
    assert await _stored_until(database, action_id) > horizon


async def test_a_daily_action_from_1970_still_fills_in_the_backfill_window(
    owner: Caller, database: Database
) -> None:
    response = await _create(owner, "1970-01-01T08:00:00", "FREQ=DAILY;UNTIL=99991231T235959")
    assert response.status_code == 201, response.text

    past = [
        instant for instant in await due_instants(database, response.json()["id"]) if instant < DEFAULT_NOW
    ]

    assert len(past) == BACKFILL_LIMIT.days == BACKFILL_OCCURRENCES
    assert past[0] > DEFAULT_NOW - BACKFILL_LIMIT
    # The whole horizon ahead in one pass, and the action marked as materialised past it.
    assert len(await due_instants(database, response.json()["id"])) - len(past) == HORIZON_DAYS
    stored_until = await _stored_until(database, response.json()["id"])
    assert stored_until is not None
    assert stored_until >= DEFAULT_NOW + timedelta(days=HORIZON_DAYS)


@pytest.mark.parametrize(
    ("starts_at", "rrule"),
    [
        ("1970-01-01T00:00:00", "FREQ=HOURLY;UNTIL=99991231T235959"),
        ("1970-01-01T00:00:00", f"FREQ=DAILY;BYHOUR={EVERY_HOUR}"),
        ("1970-01-01T00:00:00", f"FREQ=YEARLY;BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12;BYHOUR={EVERY_HOUR}"),
        ("1970-01-01T00:00:00", f"FREQ=MONTHLY;BYHOUR={EVERY_HOUR};BYSETPOS=1,2,3,-3,-2,-1"),
        ("1970-01-01T00:00:00", f"FREQ=DAILY;BYHOUR={EVERY_HOUR};BYSETPOS=-1"),
        ("1970-01-01T00:00:00", "FREQ=HOURLY;COUNT=1000"),
        ("1970-01-01T00:00:00", "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=29"),
        ("2200-12-31T00:00:00", "FREQ=HOURLY"),
    ],
)
async def test_a_hostile_rule_that_produces_is_accepted_and_stores_a_bounded_number(
    owner: Caller, database: Database, starts_at: str, rrule: str
) -> None:
    response = await _create(owner, starts_at, rrule)
    assert response.status_code == 201, response.text
    assert len(await due_instants(database, response.json()["id"])) <= PASS_OCCURRENCES
    action = f"{KEY_ACTIONS}/{response.json()['id']}"
    assert (
        await owner.post(f"{action}/status", json={"status": "paused", "reason": "test"})
    ).status_code == 200
    assert (await owner.post(f"{action}/status", json={"status": "active"})).status_code == 200

    # Pausing dropped the future; resuming stored at most one pass of it again.
    assert len(await due_instants(database, response.json()["id"])) <= PASS_OCCURRENCES + FUTURE_OCCURRENCES


@pytest.mark.parametrize(
    ("rrule", "reason"),
    [
        ("FREQ=MINUTELY", "too frequent"),
        ("FREQ=SECONDLY", "too frequent"),
        ("FREQ=HOURLY;BYMINUTE=0,30", "at least an hour apart"),
        ("FREQ=HOURLY;COUNT=1000000000", "COUNT must be at most"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31", "never produces"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO", "never produces"),  # 1996, then 2024: 26 years on
    ],
)
async def test_a_costly_rule_is_refused_naming_the_rrule(
    owner: Caller, database: Database, rrule: str, reason: str
) -> None:
    response = await _create(owner, "1970-01-01T00:00:00", rrule)

    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == "schedule.rrule"
    assert reason in error["message"]
    async with database() as db:
        stored = await db.scalar(
            select(func.count()).select_from(Occurrence).where(Occurrence.participant_id == UUID(owner.id))
        )
    assert stored == 0


@pytest.mark.parametrize(
    ("since", "until"),
    [
        ("2026-06-01", "2026-12-31"),  # none of them stored yet
        ("2026-02-10", "2026-03-09"),  # all of them stored
    ],
)
async def test_listing_more_occurrences_than_a_listing_returns_is_a_422_naming_to(
    owner: Caller, since: str, until: str
) -> None:
    response = await _create(owner, "1970-01-01T00:00:00", "FREQ=HOURLY")
    occurrences = f"{KEY_ACTIONS}/{response.json()['id']}/occurrences"

    too_many = await owner.get(occurrences, params={"from": since, "to": until})
    a_week = await owner.get(occurrences, params={"from": until[:8] + "01", "to": until[:8] + "07"})

    assert too_many.status_code == 422, too_many.text[:200]
    assert [error["field"] for error in too_many.json()["errors"]] == ["to"]
    assert str(MAX_LISTED) in too_many.json()["detail"]
    assert a_week.status_code == 200, a_week.text
    due = [item["dueAt"] for item in a_week.json()]
    assert len(due) == len(set(due)) == 7 * 24


async def test_a_year_of_a_daily_action_beyond_the_horizon_is_still_listed(owner: Caller) -> None:
    response = await _create(owner, "2026-03-02T08:00:00", "FREQ=DAILY")
    occurrences = f"{KEY_ACTIONS}/{response.json()['id']}/occurrences"

    year = await owner.get(occurrences, params={"from": "2026-06-01", "to": "2027-05-31"})

    assert year.status_code == 200, year.text
    assert len(year.json()) == 365


def test_the_latest_occurrences_before_an_instant_are_the_tail_of_all_of_them() -> None:
    schedule = Schedule("recurring", datetime(2025, 1, 1, 0, 0), "FREQ=HOURLY;BYHOUR=1,2,3,9")
    floor, end = datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC)  # past 29 March

    everything = occurrences_between(schedule, LONDON, floor, end)

    for limit in (1, 7, 50, 500):
        assert latest_occurrences_before(schedule, LONDON, floor, end, limit) == everything[-limit:]
    assert latest_occurrences_before(schedule, LONDON, floor, end, 10**6) == everything


def test_the_first_occurrences_in_a_window_are_its_head_across_a_clock_change() -> None:
    schedule = Schedule("recurring", datetime(2026, 3, 1, 0, 30), "FREQ=HOURLY")
    start, end = datetime(2026, 3, 28, 20, tzinfo=UTC), datetime(2026, 4, 2, tzinfo=UTC)

    everything = occurrences_between(schedule, LONDON, start, end)

    for limit in (1, 5, 6, 7, 30, 1000):
        assert occurrences_between(schedule, LONDON, start, end, limit) == everything[:limit]


def test_filling_in_an_hourly_rule_from_1970_expands_days_not_decades(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scanned: list[int] = []
    count_step = schedule_module._CountingInterval._advance

    def counted(interval: schedule_module._CountingInterval, periods: int) -> None:
        scanned.append(periods)
        count_step(interval, periods)

    monkeypatch.setattr(schedule_module._CountingInterval, "_advance", counted)
    schedule = Schedule("recurring", datetime(1970, 1, 1), "FREQ=HOURLY")

    found = latest_occurrences_before(schedule, LONDON, datetime(1970, 1, 1, tzinfo=UTC), DEFAULT_NOW, 400)

    assert len(found) == 400
    # 400 hours is under 17 days; the windows reach back 7, 14 then 28 days (49 days, 1,176 hours), plus a
    # day of margin on either side of each.
    assert sum(scanned) < 49 * 24 + 3 * 2 * 24 + 10
