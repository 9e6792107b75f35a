"""Quiet hours changed after a reminder is queued: what is queued follows them both ways, and the worker
never sends inside the participant's current quiet hours, even when the change races it (issue 11, #13)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

import pytest
from litestar import Litestar
from sqlalchemy import update

from followthrough.clock import FrozenClock
from followthrough.deliveries.worker import Worker
from followthrough.enums import DeliveryStatus
from followthrough.identity.models import Participant
from followthrough.settings import Settings
from followthrough.worker_setup import build_worker
from tests.conftest import Caller, Callers, Database
from tests.support.pipeline import (
    add_channel,
    app,
    create_action,
    deliveries_of,
    once,
    pipeline_settings,
    queue_message,
    utc,
    worker,
)
from tests.support.receivers import HttpReceiver, http_receiver

# The worker racing a quiet-hours change: claims and locks differ by dialect.
pytestmark = pytest.mark.dialect

__all__ = ["app", "http_receiver", "pipeline_settings", "worker"]


async def set_quiet_hours(caller: Caller, start: str | None, end: str | None) -> None:
    response = await caller.patch("/api/v1/account", json={"quietHoursStart": start, "quietHoursEnd": end})
    assert response.status_code == 200, response.text


async def queued_reminder(
    callers: Callers, database: Database, worker: Worker, receiver: HttpReceiver, local_due: str
) -> Caller:
    """Ada (London) with a once action due at `local_due`, its reminder already pending."""
    ada = await callers.participant(time_zone="Europe/London")
    await add_channel(database, ada, receiver)
    await create_action(ada, schedule=once(local_due))
    assert await worker.detect() >= 1
    return ada


async def moments(database: Database, caller: Caller) -> list[tuple[DeliveryStatus, datetime, datetime]]:
    return [(row.status, row.due_at, row.next_attempt_at) for row in await deliveries_of(database, caller)]


async def test_quiet_hours_set_after_queueing_hold_the_reminder_then_shrink_and_go(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    clock.set(utc("2026-03-02T21:30:00"))
    ada = await queued_reminder(callers, database, worker, http_receiver, "2026-03-02T22:20:00")
    assert await moments(database, ada) == [(DeliveryStatus.PENDING,) + (utc("2026-03-02T22:20:00"),) * 2]

    await set_quiet_hours(ada, "22:00", "07:00")  # the night: held to the morning
    morning = utc("2026-03-03T07:00:00")
    assert await moments(database, ada) == [(DeliveryStatus.PENDING, morning, morning)]

    await set_quiet_hours(ada, "22:00", "23:00")  # shortened: earlier, not before its own moment
    assert await moments(database, ada) == [(DeliveryStatus.PENDING,) + (utc("2026-03-02T23:00:00"),) * 2]

    await set_quiet_hours(ada, "21:00", "22:10")  # no longer covers it: back to its own moment
    assert await moments(database, ada) == [(DeliveryStatus.PENDING,) + (utc("2026-03-02T22:20:00"),) * 2]

    await set_quiet_hours(ada, "22:00", "07:00")
    await set_quiet_hours(ada, None, None)  # removed: back to its own moment
    assert await moments(database, ada) == [(DeliveryStatus.PENDING,) + (utc("2026-03-02T22:20:00"),) * 2]

    clock.set(utc("2026-03-02T22:20:00"))
    assert await worker.dispatch() == 1
    [arrived] = await http_receiver.wait_for(1)
    assert "Due Mon 2 Mar, 22:20." in arrived.json()["message"]


async def test_it_is_not_sent_at_its_old_moment_once_quiet_hours_cover_it(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    clock.set(utc("2026-03-02T21:30:00"))
    ada = await queued_reminder(callers, database, worker, http_receiver, "2026-03-02T22:20:00")
    await set_quiet_hours(ada, "22:00", "07:00")

    clock.set(utc("2026-03-02T22:20:00"))
    assert await worker.dispatch() == 0
    clock.set(utc("2026-03-03T07:00:00"))
    assert await worker.dispatch() == 1
    await http_receiver.wait_for(1)
    [row] = await deliveries_of(database, ada)
    assert (row.status, row.sent_at) == (DeliveryStatus.SENT, utc("2026-03-03T07:00:00"))


async def test_removing_quiet_hours_after_the_planned_moment_sends_it_at_once(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    clock.set(utc("2026-03-02T21:30:00"))
    ada = await queued_reminder(callers, database, worker, http_receiver, "2026-03-02T22:20:00")
    await set_quiet_hours(ada, "22:00", "07:00")

    clock.set(utc("2026-03-03T01:00:00"))  # past its planned moment, inside the quiet hours
    await set_quiet_hours(ada, None, None)
    assert await moments(database, ada) == [(DeliveryStatus.PENDING,) + (utc("2026-03-03T01:00:00"),) * 2]


async def test_on_the_spring_forward_night_the_hold_follows_the_local_clock(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    # Europe/London, 2026-03-29: 01:00 GMT becomes 02:00 BST.
    clock.set(utc("2026-03-28T23:40:00"))
    ada = await queued_reminder(callers, database, worker, http_receiver, "2026-03-29T00:30:00")
    planned = utc("2026-03-29T00:30:00")

    await set_quiet_hours(ada, "00:00", "07:00")
    assert await moments(database, ada) == [(DeliveryStatus.PENDING,) + (utc("2026-03-29T06:00:00"),) * 2]

    await set_quiet_hours(ada, "00:00", "03:00")  # 03:00 BST, an hour after the change
    assert await moments(database, ada) == [(DeliveryStatus.PENDING,) + (utc("2026-03-29T02:00:00"),) * 2]

    await set_quiet_hours(ada, None, None)
    assert await moments(database, ada) == [(DeliveryStatus.PENDING, planned, planned)]


async def test_changing_the_time_zone_moves_the_hold_with_the_quiet_hours(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    ada = await callers.participant(time_zone="Europe/London")
    await add_channel(database, ada, http_receiver)
    await set_quiet_hours(ada, "22:00", "07:00")
    clock.set(utc("2026-03-02T21:30:00"))
    await queue_message(database, ada, "From Grace", due_at=utc("2026-03-02T22:20:00"))
    assert await moments(database, ada) == [(DeliveryStatus.PENDING,) + (utc("2026-03-03T07:00:00"),) * 2]

    response = await ada.patch("/api/v1/account", json={"timeZone": "Europe/Berlin"})  # 23:20 there
    assert response.status_code == 200, response.text
    assert await moments(database, ada) == [(DeliveryStatus.PENDING,) + (utc("2026-03-03T06:00:00"),) * 2]


# --------------------------------------------------------------------------------------------------
# The worker's own checks


async def set_quiet_hours_directly(database: Database, caller: Caller, start: str, end: str) -> None:
    """Quiet hours written without going through the account (as a change racing the claim would be)."""
    async with database() as db:
        await db.execute(
            update(Participant)
            .where(Participant.id == UUID(caller.id))
            .values(
                quiet_hours_start=datetime.strptime(start, "%H:%M").time(),
                quiet_hours_end=datetime.strptime(end, "%H:%M").time(),
            )
        )


async def test_the_worker_holds_what_would_leave_inside_current_quiet_hours(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    ada = await callers.participant(time_zone="Europe/London")
    await add_channel(database, ada, http_receiver)
    clock.set(utc("2026-03-02T22:30:00"))
    await queue_message(database, ada, "Late at night", due_at=utc("2026-03-02T22:30:00"))
    await set_quiet_hours_directly(database, ada, "22:00", "07:00")

    assert await worker.dispatch() == 1  # claimed, then held rather than sent

    assert http_receiver.requests == []
    [row] = await deliveries_of(database, ada)
    morning = utc("2026-03-03T07:00:00")
    assert (row.status, row.attempts, row.lease_owner) == (DeliveryStatus.PENDING, 0, None)
    assert (row.due_at, row.next_attempt_at, row.planned_at) == (morning, morning, utc("2026-03-02T22:30:00"))

    await set_quiet_hours(ada, None, None)  # the hold the worker made follows the change too
    assert await moments(database, ada) == [(DeliveryStatus.PENDING,) + (utc("2026-03-02T22:30:00"),) * 2]


class ClockWithInterruption(FrozenClock):
    """A frozen clock that runs `interruption` once, while the worker waits for a moment: a change that
    arrives after the worker prepared a delivery and before the delivery leaves."""

    interruption: Callable[[], Awaitable[Any]] | None = None

    async def sleep_until(self, instant: datetime, wake: asyncio.Event) -> None:
        if self.interruption is not None:
            interruption, self.interruption = self.interruption, None
            await interruption()
        await super().sleep_until(instant, wake)


@pytest.fixture
async def preparing(app: Litestar, pipeline_settings: Settings, worker: Worker) -> AsyncIterator[Worker]:
    """A worker that prepares 30 s ahead on an interruptible clock (after `worker` settled leftovers)."""
    clock = ClockWithInterruption(utc("2026-03-02T22:19:40"))
    made = build_worker(
        replace(pipeline_settings, delivery_prepare_seconds=30), clock, alchemy=app.state.alchemy
    )
    yield made
    await made.close()


async def test_quiet_hours_set_while_a_worker_holds_the_reminder_for_its_moment_stop_it(
    callers: Callers,
    database: Database,
    worker: Worker,
    preparing: Worker,
    http_receiver: HttpReceiver,
    clock: FrozenClock,
) -> None:
    clock.set(utc("2026-03-02T21:30:00"))
    ada = await queued_reminder(callers, database, worker, http_receiver, "2026-03-02T22:20:00")
    clock.set(preparing.clock.now())
    assert isinstance(preparing.clock, ClockWithInterruption)
    preparing.clock.interruption = lambda: set_quiet_hours(ada, "22:00", "07:00")

    assert await preparing.dispatch() == 1  # claimed 20 s ahead; quiet hours set while it waited

    assert http_receiver.requests == []
    morning = utc("2026-03-03T07:00:00")
    [row] = await deliveries_of(database, ada)
    assert (row.status, row.attempts, row.lease_owner) == (DeliveryStatus.PENDING, 0, None)
    assert (row.due_at, row.next_attempt_at) == (morning, morning)
    assert row.planned_at == utc("2026-03-02T22:20:00")
