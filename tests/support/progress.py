"""Progress for tests: a hand-built fortnight of check-ins, a year of history inserted in bulk, and a week's
counts as one tuple."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import insert

from followthrough.actions.models import KeyAction, Occurrence
from followthrough.checkins.models import CheckIn
from followthrough.clock import FrozenClock
from followthrough.enums import ActionStatus, CheckInResult, ScheduleKind
from tests.conftest import Caller, Database
from tests.support.actions import create_action
from tests.support.checkins import CHECK_INS, check_in_body

PROGRESS = "/api/v1/progress"
FRIDAY_NOON = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
RESULTS = [
    CheckInResult.DONE,
    CheckInResult.DONE,
    CheckInResult.PARTLY,
    CheckInResult.NOT_DONE,
    CheckInResult.SKIPPED,
]


def counts(week: dict[str, Any]) -> tuple[Any, ...]:
    keys = ("due", "done", "partly", "notDone", "skipped", "missed", "completionRate")
    return tuple(week[key] for key in keys)


async def hand_built_history(owner: Caller, clock: FrozenClock) -> tuple[dict[str, Any], dict[str, Any]]:
    """Friday 2026-03-06 noon in London: a daily action (08:00) and a weekly one (Mondays 18:00), measured.

    daily:  Feb 23 done, 24 done, 25 not done, 26 done, 27 partly, 28 skipped, Mar 1 done,
            Mar 2 done, Mar 3 missed, Mar 4 done, Mar 5 skipped, Mar 6 (today) not checked in yet.
    weekly: Feb 23 done (2 managers coached), Mar 2 not done (1.5).
    """
    clock.set(FRIDAY_NOON)
    daily = await create_action(owner)
    weekly = await create_action(
        owner,
        title="Coach a manager",
        schedule={"kind": "recurring", "startsAt": "2026-02-23T18:00:00", "rrule": "FREQ=WEEKLY;BYDAY=MO"},
        measure={"unit": "managers coached", "target": 10},
    )
    daily_results = {
        "02-23": "done",
        "02-24": "done",
        "02-25": "not_done",
        "02-26": "done",
        "02-27": "partly",
        "02-28": "skipped",
        "03-01": "done",
        "03-02": "done",
        "03-04": "done",
        "03-05": "skipped",
    }
    for day, result in daily_results.items():
        response = await owner.post(
            CHECK_INS, json=check_in_body(daily, at=f"2026-{day}T08:00:00Z", result=result)
        )
        assert response.status_code == 201, response.text
    for at, result, value in [("2026-02-23T18:00:00Z", "done", 2), ("2026-03-02T18:00:00Z", "not_done", 1.5)]:
        response = await owner.post(
            CHECK_INS, json=check_in_body(weekly, at=at, result=result, measureValue=value)
        )
        assert response.status_code == 201, response.text
    return daily, weekly


async def insert_history(
    database: Database, participant_id: UUID, now: datetime, actions: int, weeks: int
) -> tuple[list[UUID], int]:
    """Actions due on Mondays and Thursdays at 08:00 London time for `weeks` weeks before today, checked in
    on five of every six occurrences. Returns the action ids and the number of occurrences in the last 12
    weeks."""
    today = now.date()
    first_monday = today - timedelta(days=today.weekday(), weeks=weeks)
    window_start = today - timedelta(days=today.weekday(), weeks=11)
    action_rows: list[dict[str, Any]] = []
    occurrence_rows: list[dict[str, Any]] = []
    check_in_rows: list[dict[str, Any]] = []
    in_window = 0
    for number in range(actions):
        action_id = uuid4()
        action_rows.append(
            {
                "id": action_id,
                "participant_id": participant_id,
                "title": f"Action {number}",
                "schedule_kind": ScheduleKind.RECURRING,
                "starts_at": datetime.combine(first_monday, time(8, 0)),
                "rrule": "FREQ=WEEKLY;BYDAY=MO,TH",
                "status": ActionStatus.ACTIVE,
                "status_changed_at": now,
                "measure_unit": "hours saved" if number % 2 else None,
                "occurrences_until": now + timedelta(days=400),
                "reminder_offsets": [],
                "created_at": now,
                "updated_at": now,
            }
        )
        day = first_monday
        index = 0
        while day < today:
            if day.weekday() in (0, 3):
                occurrence_id = uuid4()
                week_start = day - timedelta(days=day.weekday())
                occurrence_rows.append(
                    {
                        "id": occurrence_id,
                        "participant_id": participant_id,
                        "key_action_id": action_id,
                        "due_at": datetime.combine(day, time(8, 0), tzinfo=UTC),
                        "local_date": day,
                        "week_start": week_start,
                        "time_zone": "Europe/London",
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                in_window += week_start >= window_start
                if index % 6 != 5:
                    check_in_rows.append(
                        {
                            "id": uuid4(),
                            "participant_id": participant_id,
                            "key_action_id": action_id,
                            "occurrence_id": occurrence_id,
                            "result": RESULTS[index % 6],
                            "measure_value": 1.0 if number % 2 else None,
                            "checked_in_at": now,
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
                index += 1
            day += timedelta(days=1)
    async with database() as db:
        await db.execute(insert(KeyAction), action_rows)
        for offset in range(0, len(occurrence_rows), 500):
            await db.execute(insert(Occurrence), occurrence_rows[offset : offset + 500])
        for offset in range(0, len(check_in_rows), 500):
            await db.execute(insert(CheckIn), check_in_rows[offset : offset + 500])
    return [row["id"] for row in action_rows], in_window
