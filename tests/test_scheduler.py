"""Detection: reminders, end-of-day nudges and weekly reviews are queued at the right local instant, once.

The pipeline's app, worker and helpers, shared by every delivery test, are in tests/support/pipeline.py.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from followthrough.clock import FrozenClock
from followthrough.deliveries.queue import after_quiet_hours
from followthrough.deliveries.worker import Worker
from followthrough.enums import DeliveryStatus, Event
from followthrough.settings import Settings
from followthrough.signing import verify
from tests.conftest import Callers, Database
from tests.support.pipeline import (
    add_channel,
    app,
    check_in,
    create_action,
    daily,
    deliveries_of,
    once,
    pipeline_settings,
    utc,
    worker,
)
from tests.support.receivers import HttpReceiver, http_receiver

# Queueing once: INSERT ... ON CONFLICT and claims differ by dialect.
pytestmark = pytest.mark.dialect

__all__ = ["app", "http_receiver", "pipeline_settings", "worker"]

KEY_ACTIONS = "/api/v1/key-actions"


# --------------------------------------------------------------------------------------------------
# Reminders


async def test_a_reminder_is_queued_at_each_offset_before_the_occurrence(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, settings: Settings
) -> None:
    ada = await callers.participant(time_zone="Europe/London")
    await add_channel(database, ada, http_receiver)
    action = await create_action(
        ada, schedule=once("2026-03-02T10:00:00"), reminderOffsets=[30, 0], cue="When I open my laptop"
    )

    assert await worker.detect() >= 2

    rows = await deliveries_of(database, ada)
    assert [(row.event, row.due_at, row.status) for row in rows] == [
        (Event.REMINDER_DUE, utc("2026-03-02T09:30:00"), DeliveryStatus.PENDING),
        (Event.REMINDER_DUE, utc("2026-03-02T10:00:00"), DeliveryStatus.PENDING),
    ]
    first = rows[0]
    assert first.subject_key == f"occurrence:{first.occurrence_id}:30"
    assert first.payload["keyActionId"] == action["id"]
    assert first.payload["keyActionTitle"] == "Ask for a training budget"
    assert first.payload["cue"] == "When I open my laptop"
    assert first.payload["minutesBefore"] == 30
    assert first.payload["nudge"] is False
    assert first.payload["timeZone"] == "Europe/London"
    assert datetime.fromisoformat(first.payload["dueAt"]) == utc("2026-03-02T10:00:00")
    claims = verify(
        settings.resolved_secret_key, "snooze", first.payload["snoozeToken"], utc("2026-03-02T10:00")
    )
    assert claims["o"] == str(first.occurrence_id)


async def test_running_the_scheduler_twice_queues_each_reminder_once(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver
) -> None:
    ada = await callers.participant()
    await add_channel(database, ada, http_receiver)
    await add_channel(database, ada, http_receiver, label="Second", path="/second")
    await create_action(ada, schedule=once("2026-03-02T09:45:00"), reminderOffsets=[0, 15])

    await worker.detect()
    await worker.detect()

    rows = await deliveries_of(database, ada)
    assert len(rows) == 4  # two reminder times, each to two channels
    assert len({(row.subject_key, row.channel_id) for row in rows}) == 4


async def test_only_channels_that_take_the_event_get_a_delivery(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver
) -> None:
    ada = await callers.participant()
    wanted = await add_channel(database, ada, http_receiver, events=["reminder.due"])
    await add_channel(database, ada, http_receiver, events=["review.weekly"], label="Reviews only")
    await create_action(ada, schedule=once("2026-03-02T09:30:00"))

    await worker.detect()

    assert [row.channel_id for row in await deliveries_of(database, ada)] == [wanted]


async def test_reminders_further_ahead_than_the_lookahead_wait_for_a_later_pass(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    ada = await callers.participant()
    await add_channel(database, ada, http_receiver)
    await create_action(ada, schedule=once("2026-03-02T15:00:00"))

    await worker.detect()
    assert await deliveries_of(database, ada) == []

    clock.set(utc("2026-03-02T14:30:00"))
    await worker.detect()
    assert [row.due_at for row in await deliveries_of(database, ada)] == [utc("2026-03-02T15:00:00")]


async def test_a_checked_in_or_paused_action_gets_no_new_reminders(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver
) -> None:
    ada = await callers.participant()
    await add_channel(database, ada, http_receiver)
    done = await create_action(ada, schedule=once("2026-03-02T09:30:00"))
    await check_in(ada, done, "2026-03-02T09:30:00Z")
    paused = await create_action(ada, schedule=once("2026-03-02T09:40:00"), title="Paused")
    response = await ada.post(
        f"{KEY_ACTIONS}/{paused['id']}/status", json={"status": "paused", "reason": "On leave"}
    )
    assert response.status_code == 200, response.text

    await worker.detect()

    assert await deliveries_of(database, ada) == []


@pytest.mark.parametrize(
    ("zone", "now", "expected", "not_at"),
    [
        # New York springs forward on Sunday 8 March 2026: 08:00 is 13:00 UTC before, 12:00 UTC after.
        ("America/New_York", "2026-03-08T11:30:00", "2026-03-08T12:00:00", "2026-03-08T13:00:00"),
        ("America/New_York", "2026-03-07T12:30:00", "2026-03-07T13:00:00", "2026-03-07T12:00:00"),
        # London falls back on Sunday 25 October 2026: 08:00 is 07:00 UTC before, 08:00 UTC after.
        ("Europe/London", "2026-10-24T06:30:00", "2026-10-24T07:00:00", "2026-10-24T08:00:00"),
        ("Europe/London", "2026-10-26T07:30:00", "2026-10-26T08:00:00", "2026-10-26T07:00:00"),
        # London springs forward on Sunday 29 March 2026.
        ("Europe/London", "2026-03-29T06:30:00", "2026-03-29T07:00:00", "2026-03-29T08:00:00"),
    ],
)
async def test_a_daily_reminder_keeps_its_local_time_across_daylight_saving_changes(
    callers: Callers,
    database: Database,
    worker: Worker,
    http_receiver: HttpReceiver,
    clock: FrozenClock,
    zone: str,
    now: str,
    expected: str,
    not_at: str,
) -> None:
    person = await callers.participant(time_zone=zone)
    await add_channel(database, person, http_receiver)
    await create_action(person, schedule=daily("2026-03-02T08:00:00"))

    clock.set(utc(now))
    await worker.detect()

    due = [row.due_at for row in await deliveries_of(database, person)]
    assert utc(expected) in due
    assert utc(not_at) not in due
    assert all(instant.astimezone(ZoneInfo(zone)).time() == time(8, 0) for instant in due)


async def test_a_reminder_arrives_at_the_right_local_time_after_the_clocks_change(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    person = await callers.participant(time_zone="America/New_York")
    await add_channel(database, person, http_receiver)
    await create_action(person, schedule=daily("2026-03-02T08:00:00"), title="Stretch")

    clock.set(utc("2026-03-08T11:59:00"))
    await worker.detect()
    await worker.dispatch()
    assert http_receiver.requests == []  # 07:59 EDT: not yet

    clock.set(utc("2026-03-08T12:00:00"))  # 08:00 EDT
    await worker.dispatch()
    [received] = await http_receiver.wait_for(1)
    assert [row.status for row in await deliveries_of(database, person)] == [DeliveryStatus.SENT]
    assert received.json()["title"] == "Now: Stretch"
    assert "Sun 8 Mar, 08:00" in received.json()["message"]


# --------------------------------------------------------------------------------------------------
# Quiet hours


LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("zone", "due", "start", "end", "expected"),
    [
        # Spanning midnight: late evening and early morning are held until 07:00 local.
        (LONDON, "2026-03-02T23:30:00", time(22), time(7), "2026-03-03T07:00:00"),
        (LONDON, "2026-03-03T05:00:00", time(22), time(7), "2026-03-03T07:00:00"),
        (LONDON, "2026-03-03T07:00:00", time(22), time(7), "2026-03-03T07:00:00"),
        (LONDON, "2026-03-03T12:00:00", time(22), time(7), "2026-03-03T12:00:00"),
        # Within one day.
        (LONDON, "2026-03-03T13:15:00", time(13), time(14), "2026-03-03T14:00:00"),
        # 23:00 EST on 7 March is held until 07:00 EDT on 8 March, which is 11:00 UTC, not 12:00.
        (NEW_YORK, "2026-03-08T04:00:00", time(22), time(7), "2026-03-08T11:00:00"),
        # London falls back on 25 October: 07:00 GMT is 07:00 UTC.
        (LONDON, "2026-10-24T22:30:00", time(22), time(7), "2026-10-25T07:00:00"),
    ],
)
def test_quiet_hours_hold_what_falls_inside_them_until_they_end_in_local_time(
    zone: ZoneInfo, due: str, start: time, end: time, expected: str
) -> None:
    assert after_quiet_hours(utc(due), zone, start, end) == utc(expected)


def test_without_quiet_hours_nothing_moves() -> None:
    assert after_quiet_hours(utc("2026-03-03T03:00:00"), LONDON, None, None) == utc("2026-03-03T03:00:00")


async def test_a_reminder_inside_quiet_hours_is_queued_for_when_they_end(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    ada = await callers.participant(time_zone="Europe/London")
    response = await ada.patch("/api/v1/account", json={"quietHoursStart": "22:00", "quietHoursEnd": "07:00"})
    assert response.status_code == 200, response.text
    await add_channel(database, ada, http_receiver)
    await create_action(ada, schedule=once("2026-03-03T06:30:00"))

    clock.set(utc("2026-03-03T06:00:00"))
    await worker.detect()
    [row] = await deliveries_of(database, ada)
    assert row.due_at == utc("2026-03-03T07:00:00")

    clock.set(utc("2026-03-03T06:45:00"))
    await worker.dispatch()
    assert http_receiver.requests == []
    clock.set(utc("2026-03-03T07:00:00"))
    await worker.dispatch()
    await http_receiver.wait_for(1)


# --------------------------------------------------------------------------------------------------
# The end-of-day nudge


async def test_the_nudge_comes_at_20_00_local_for_what_is_still_unlogged(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    ada = await callers.participant(time_zone="America/New_York")
    response = await ada.patch("/api/v1/account", json={"nudgeEnabled": True})
    assert response.status_code == 200, response.text
    assert response.json()["nudgeEnabled"] is True
    await add_channel(database, ada, http_receiver)
    open_one = await create_action(
        ada, schedule=once("2026-03-02T10:00:00"), reminderOffsets=[], title="Open"
    )
    logged = await create_action(
        ada, schedule=once("2026-03-02T11:00:00"), reminderOffsets=[], title="Logged"
    )
    await check_in(ada, logged, "2026-03-02T16:00:00Z")
    await create_action(ada, schedule=once("2026-03-02T21:00:00"), reminderOffsets=[], title="Late")

    clock.set(utc("2026-03-03T00:30:00"))  # 19:30 in New York
    await worker.detect()

    [row] = await deliveries_of(database, ada)
    assert row.due_at == utc("2026-03-03T01:00:00")  # 20:00 EST
    assert row.payload["nudge"] is True
    assert row.payload["keyActionId"] == open_one["id"]
    assert row.subject_key.endswith(":nudge")


async def test_no_nudge_unless_the_participant_turned_it_on(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    ada = await callers.participant(time_zone="Europe/London")
    await add_channel(database, ada, http_receiver)
    await create_action(ada, schedule=once("2026-03-02T10:00:00"), reminderOffsets=[])

    clock.set(utc("2026-03-02T19:30:00"))
    await worker.detect()

    assert await deliveries_of(database, ada) == []


async def test_the_nudge_setting_is_refused_when_not_a_boolean(callers: Callers) -> None:
    ada = await callers.participant()
    response = await ada.patch("/api/v1/account", json={"nudgeEnabled": "often"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "nudgeEnabled"


# --------------------------------------------------------------------------------------------------
# The weekly review


@pytest.mark.parametrize(
    ("zone", "now", "expected"),
    [
        # Sunday 18:00 local, the default review time.
        ("Europe/London", "2026-03-08T17:30:00", "2026-03-08T18:00:00"),
        # New York changed to EDT that morning: 18:00 EDT is 22:00 UTC.
        ("America/New_York", "2026-03-08T21:30:00", "2026-03-08T22:00:00"),
    ],
)
async def test_the_weekly_review_prompt_comes_at_the_local_review_time(
    callers: Callers,
    database: Database,
    worker: Worker,
    http_receiver: HttpReceiver,
    clock: FrozenClock,
    zone: str,
    now: str,
    expected: str,
) -> None:
    person = await callers.participant(time_zone=zone)
    await add_channel(database, person, http_receiver, events=["review.weekly"])
    await create_action(person, schedule=once("2026-03-04T10:00:00"), reminderOffsets=[])

    clock.set(utc(now))
    await worker.detect()
    await worker.detect()

    [row] = await deliveries_of(database, person)
    assert row.event == Event.REVIEW_WEEKLY
    assert row.due_at == utc(expected)
    assert row.payload == {"weekStart": "2026-03-02", "openOccurrences": 1, "timeZone": zone}


async def test_the_review_prompt_follows_the_chosen_weekday_and_time(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    ada = await callers.participant(time_zone="Europe/London")
    response = await ada.patch("/api/v1/account", json={"reviewWeekday": 4, "reviewTime": "16:30"})
    assert response.status_code == 200, response.text
    await add_channel(database, ada, http_receiver, events=["review.weekly"])

    clock.set(utc("2026-03-08T17:30:00"))  # the default Sunday: nothing
    await worker.detect()
    assert await deliveries_of(database, ada) == []

    clock.set(utc("2026-03-13T16:00:00"))  # Friday
    await worker.detect()
    assert [row.due_at for row in await deliveries_of(database, ada)] == [utc("2026-03-13T16:30:00")]
