"""Dispatch: what is due is sent once through real Apprise to a real local receiver; failures are retried
with backoff, then give up; a failing channel is switched off and its owner told; stale work is missed."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from uuid import UUID

import pytest
from sqlalchemy import select, update

from followthrough.actions.models import KeyAction
from followthrough.clock import FrozenClock
from followthrough.deliveries import claims, dispatch
from followthrough.deliveries.models import Delivery
from followthrough.deliveries.worker import Worker
from followthrough.enums import ActionStatus, DeliveryStatus, Event
from followthrough.notifications.models import Channel
from followthrough.settings import Settings
from tests.conftest import Callers, Database
from tests.support.pipeline import (
    NOW,
    add_channel,
    app,
    check_in,
    create_action,
    deliveries_of,
    once,
    pipeline_settings,
    queue_message,
    utc,
    worker,
)
from tests.support.receivers import HttpReceiver, http_receiver

# Claims, leases and retries: SKIP LOCKED and conditional UPDATEs differ by dialect.
pytestmark = pytest.mark.dialect

__all__ = ["app", "http_receiver", "pipeline_settings", "worker"]


async def channel_row(database: Database, channel_id: UUID) -> Channel:
    async with database() as db:
        channel = await db.get(Channel, channel_id, populate_existing=True)
        assert channel is not None
        return channel


async def test_a_due_delivery_is_sent_once_and_recorded(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver
) -> None:
    ada = await callers.participant()
    channel_id = await add_channel(database, ada, http_receiver)
    assert await queue_message(database, ada, "Keep going") == 1
    assert await queue_message(database, ada, "Keep going") == 0  # the same message is queued once

    assert await worker.dispatch() >= 1
    assert await worker.dispatch() == 0

    [received] = await http_receiver.wait_for(1)
    assert received.json()["title"] == "Grace is cheering you on"
    assert "Keep going" in received.json()["message"]
    [row] = await deliveries_of(database, ada)
    assert (row.status, row.attempts, row.sent_at, row.lease_owner) == (DeliveryStatus.SENT, 1, NOW, None)
    assert (await channel_row(database, channel_id)).last_success_at == NOW
    assert len(http_receiver.requests) == 1


async def test_a_delivery_not_yet_due_waits(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    ada = await callers.participant()
    await add_channel(database, ada, http_receiver)
    await queue_message(database, ada, "Later", due_at=NOW + timedelta(minutes=10))

    await worker.dispatch()
    assert http_receiver.requests == []

    clock.advance(timedelta(minutes=10))
    await worker.dispatch()
    await http_receiver.wait_for(1)


async def test_a_reminder_for_an_occurrence_checked_in_meanwhile_is_skipped(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    ada = await callers.participant()
    await add_channel(database, ada, http_receiver)
    action = await create_action(ada, schedule=once("2026-03-02T09:30:00"))
    await worker.detect()
    await check_in(ada, action, "2026-03-02T09:30:00Z")

    clock.set(utc("2026-03-02T09:30:00"))
    await worker.dispatch()

    [row] = await deliveries_of(database, ada)
    assert (row.status, row.attempts, row.last_error) == (DeliveryStatus.SKIPPED, 0, "already checked in")
    assert http_receiver.requests == []


async def test_pausing_an_action_removes_its_waiting_reminders(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    ada = await callers.participant()
    await add_channel(database, ada, http_receiver)
    paused = await create_action(ada, schedule=once("2026-03-02T09:30:00"), title="Paused")
    await worker.detect()
    assert len(await deliveries_of(database, ada)) == 1
    response = await ada.post(
        f"/api/v1/key-actions/{paused['id']}/status", json={"status": "paused", "reason": "On leave"}
    )
    assert response.status_code == 200, response.text

    clock.set(utc("2026-03-02T09:30:00"))
    await worker.dispatch()

    assert await deliveries_of(database, ada) == []  # its future occurrences went, and their reminders
    assert http_receiver.requests == []


async def test_a_reminder_whose_action_stopped_or_whose_channel_was_switched_off_is_skipped(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    ada = await callers.participant()
    await add_channel(database, ada, http_receiver)
    action = await create_action(ada, schedule=once("2026-03-02T09:30:00"), title="Dropped")
    await worker.detect()
    async with database() as db:  # the action changed while the reminder was being claimed
        await db.execute(
            update(KeyAction).where(KeyAction.id == UUID(action["id"])).values(status=ActionStatus.DROPPED)
        )
    grace = await callers.participant(name="Grace")
    grace_channel = await add_channel(database, grace, http_receiver)
    await queue_message(database, grace, "Switched off", due_at=utc("2026-03-02T09:30:00"))
    async with database() as db:
        await db.execute(update(Channel).where(Channel.id == grace_channel).values(enabled=False))

    clock.set(utc("2026-03-02T09:30:00"))
    await worker.dispatch()

    [reminder] = await deliveries_of(database, ada)
    assert (reminder.status, reminder.last_error) == (DeliveryStatus.SKIPPED, "the key action is dropped")
    [message] = await deliveries_of(database, grace)
    assert (message.status, message.last_error) == (DeliveryStatus.SKIPPED, "the channel is disabled")
    assert http_receiver.requests == []


async def test_it_retries_after_a_500_with_exponential_backoff(
    callers: Callers,
    database: Database,
    worker: Worker,
    http_receiver: HttpReceiver,
    clock: FrozenClock,
    pipeline_settings: Settings,
) -> None:
    ada = await callers.participant()
    await add_channel(database, ada, http_receiver)
    await queue_message(database, ada, "Retry me")
    http_receiver.fail_next(2, status=500)

    await worker.dispatch()
    [row] = await deliveries_of(database, ada)
    assert (row.status, row.attempts) == (DeliveryStatus.RETRYING, 1)
    assert "500" in (row.last_error or "")
    base = timedelta(seconds=pipeline_settings.delivery_retry_base_seconds)
    assert NOW + base <= row.next_attempt_at <= NOW + base * 1.25

    clock.set(row.next_attempt_at - timedelta(seconds=1))
    await worker.dispatch()
    assert len(http_receiver.requests) == 1  # not before its time

    clock.set(row.next_attempt_at)
    await worker.dispatch()
    [row] = await deliveries_of(database, ada)
    assert (row.status, row.attempts) == (DeliveryStatus.RETRYING, 2)
    assert clock.now() + base * 2 <= row.next_attempt_at <= clock.now() + base * 2.5

    clock.set(row.next_attempt_at)
    await worker.dispatch()
    [row] = await deliveries_of(database, ada)
    assert (row.status, row.attempts, row.sent_at) == (DeliveryStatus.SENT, 3, clock.now())
    assert [request.status for request in await http_receiver.wait_for(3)] == [500, 500, 200]


async def test_it_retries_after_a_timeout(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    ada = await callers.participant()
    await add_channel(database, ada, http_receiver)
    await queue_message(database, ada, "Slow")
    http_receiver.hang_next(1, seconds=10)  # far past send_timeout_seconds (3 s)

    await worker.dispatch()
    [row] = await deliveries_of(database, ada)
    assert (row.status, row.attempts) == (DeliveryStatus.RETRYING, 1)
    assert row.last_error is not None

    clock.set(row.next_attempt_at)
    await worker.dispatch()
    [row] = await deliveries_of(database, ada)
    assert row.status == DeliveryStatus.SENT
    assert [request.status for request in http_receiver.requests] == [-1, 200]


async def test_it_gives_up_after_the_last_attempt(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    ada = await callers.participant()
    await add_channel(database, ada, http_receiver)
    await queue_message(database, ada, "Never")
    http_receiver.fail_next(100, status=503)

    for _ in range(3):
        await worker.dispatch()
        [row] = await deliveries_of(database, ada)
        clock.set(row.next_attempt_at)
    await worker.dispatch()

    [row] = await deliveries_of(database, ada)
    assert (row.status, row.attempts) == (DeliveryStatus.FAILED, 3)
    assert len(http_receiver.requests) == 3


async def test_a_permanent_error_fails_at_once_and_disables_the_channel(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver
) -> None:
    ada = await callers.participant()
    channel_id = await add_channel(database, ada, http_receiver)
    async with database() as db:  # a destination the SSRF rules refuse: the metadata service
        channel = await db.get(Channel, channel_id)
        assert channel is not None
        channel.url = "json://169.254.169.254/latest"
    await queue_message(database, ada, "Nowhere")

    await worker.dispatch()

    [row] = await deliveries_of(database, ada)
    assert (row.status, row.attempts) == (DeliveryStatus.FAILED, 1)
    assert row.last_error
    assert "169.254.169.254/latest" not in row.last_error
    assert (await channel_row(database, channel_id)).enabled is False


async def test_a_channel_that_keeps_failing_is_disabled_and_its_owner_told_elsewhere(
    callers: Callers, database: Database, worker: Worker, clock: FrozenClock
) -> None:
    broken, working = HttpReceiver().start(), HttpReceiver().start()
    try:
        ada = await callers.participant()
        broken_id = await add_channel(database, ada, broken, label="Team chat")
        await add_channel(database, ada, working, events=["channel.disabled"], label="Email")
        broken.fail_next(100, status=500)
        for number in range(3):  # channel_failure_limit
            await queue_message(database, ada, f"Message {number}")

        await worker.dispatch()

        channel = await channel_row(database, broken_id)
        assert (channel.enabled, channel.consecutive_failures) == (False, 3)
        assert "3 failed sends" in (channel.disabled_reason or "")
        notices = [row for row in await deliveries_of(database, ada) if row.event == Event.CHANNEL_DISABLED]
        assert [notice.payload["channelLabel"] for notice in notices] == ["Team chat"]

        await worker.dispatch()
        [received] = await working.wait_for(1)
        assert received.json()["title"] == "Notifications to “Team chat” are off"

        # What was still waiting for the broken channel is skipped, not sent.
        clock.advance(timedelta(hours=1))
        await worker.dispatch()
        statuses = {row.status for row in await deliveries_of(database, ada) if row.channel_id == broken_id}
        assert statuses == {DeliveryStatus.SKIPPED}
        assert len(broken.requests) == 3
    finally:
        broken.close()
        working.close()


async def test_what_waited_longer_than_the_grace_window_is_missed_and_the_rest_sent(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver
) -> None:
    ada = await callers.participant()
    await add_channel(database, ada, http_receiver)
    await queue_message(database, ada, "Still useful", due_at=NOW - timedelta(minutes=59))
    await queue_message(database, ada, "Too late", due_at=NOW - timedelta(minutes=61))

    await worker.dispatch()

    by_text = {row.payload["message"]: row for row in await deliveries_of(database, ada)}
    assert by_text["Still useful"].status == DeliveryStatus.SENT
    assert (by_text["Too late"].status, by_text["Too late"].attempts) == (DeliveryStatus.MISSED, 0)
    [received] = await http_receiver.wait_for(1)
    assert "Still useful" in received.json()["message"]


async def test_an_expired_lease_of_a_crashed_worker_is_claimed_again(
    callers: Callers,
    database: Database,
    worker: Worker,
    http_receiver: HttpReceiver,
    clock: FrozenClock,
    pipeline_settings: Settings,
) -> None:
    ada = await callers.participant()
    await add_channel(database, ada, http_receiver)
    await queue_message(database, ada, "Orphaned")
    async with database() as db:  # a worker claims it and dies before sending
        claimed = await claims.claim(db, NOW, pipeline_settings, "crashed-worker")
    [row] = [row for row in await deliveries_of(database, ada)]
    assert row.id in claimed
    assert (row.status, row.lease_owner) == (DeliveryStatus.SENDING, "crashed-worker")

    clock.advance(timedelta(seconds=pipeline_settings.delivery_lease_seconds - 1))
    await worker.dispatch()
    assert http_receiver.requests == []  # the lease still holds

    clock.advance(timedelta(seconds=1))
    await worker.dispatch()
    [row] = await deliveries_of(database, ada)
    assert (row.status, row.attempts, row.lease_owner) == (DeliveryStatus.SENT, 2, None)
    await http_receiver.wait_for(1)


async def test_a_worker_whose_lease_was_taken_over_cannot_overwrite_the_outcome(
    callers: Callers, database: Database, http_receiver: HttpReceiver, pipeline_settings: Settings
) -> None:
    ada = await callers.participant()
    await add_channel(database, ada, http_receiver)
    await queue_message(database, ada, "Contested")
    async with database() as db:
        await claims.claim(db, NOW, pipeline_settings, "slow")
    [row] = await deliveries_of(database, ada)
    first = row.id
    later = NOW + timedelta(seconds=pipeline_settings.delivery_lease_seconds)
    async with database() as db:
        assert first in await claims.claim(db, later, pipeline_settings, "fast")
    async with database() as db:
        jobs = await dispatch.load_jobs(db, [first], pipeline_settings)
    jobs[0].skip = "already checked in"
    async with database() as db:
        await dispatch.record_outcomes(db, jobs, later, pipeline_settings, "slow")

    [row] = await deliveries_of(database, ada)
    assert (row.status, row.lease_owner) == (DeliveryStatus.SENDING, "fast")


async def test_backoff_doubles_from_the_base_with_bounded_jitter(pipeline_settings: Settings) -> None:
    base = pipeline_settings.delivery_retry_base_seconds
    for attempts in range(1, 6):
        delay = dispatch.backoff(pipeline_settings, attempts).total_seconds()
        assert base * 2 ** (attempts - 1) <= delay <= base * 2 ** (attempts - 1) * 1.25


async def test_claimed_rows_read_sending_before_anything_is_sent(
    callers: Callers, database: Database, pipeline_settings: Settings, http_receiver: HttpReceiver
) -> None:
    ada = await callers.participant()
    await add_channel(database, ada, http_receiver)
    await queue_message(database, ada, "Logged first")
    async with database() as db:
        claimed = await claims.claim(db, NOW, pipeline_settings, "w")
    async with database() as db:
        statuses = (await db.scalars(select(Delivery.status).where(Delivery.id.in_(claimed)))).all()
    assert statuses
    assert set(statuses) == {DeliveryStatus.SENDING}
    assert http_receiver.requests == []


async def test_a_claim_takes_at_most_one_batch(
    callers: Callers,
    database: Database,
    worker: Worker,
    http_receiver: HttpReceiver,
    pipeline_settings: Settings,
) -> None:
    ada = await callers.participant()
    await add_channel(database, ada, http_receiver)
    for number in range(5):
        await queue_message(database, ada, f"Batch {number}")
    small = replace(pipeline_settings, worker_batch_size=2)

    async with database() as db:
        first = await claims.claim(db, NOW, small, "a")
    async with database() as db:
        second = await claims.claim(db, NOW, small, "b")

    assert len(first) == len(second) == 2
    assert not set(first) & set(second)


async def test_a_nudge_is_skipped_when_the_participant_turned_nudges_off_meanwhile(
    callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver, clock: FrozenClock
) -> None:
    ada = await callers.participant()
    assert (await ada.patch("/api/v1/account", json={"nudgeEnabled": True})).status_code == 200
    await add_channel(database, ada, http_receiver)
    await create_action(ada, schedule=once("2026-03-02T10:00:00"), reminderOffsets=[])
    clock.set(utc("2026-03-02T19:30:00"))
    await worker.detect()
    assert (await ada.patch("/api/v1/account", json={"nudgeEnabled": False})).status_code == 200

    clock.set(utc("2026-03-02T20:00:00"))
    await worker.dispatch()

    [row] = await deliveries_of(database, ada)
    assert (row.status, row.last_error) == (DeliveryStatus.SKIPPED, "the end-of-day nudge was turned off")
    assert http_receiver.requests == []


async def test_a_stopping_worker_hands_back_what_it_has_not_started_sending(
    callers: Callers, database: Database, http_receiver: HttpReceiver, pipeline_settings: Settings
) -> None:
    ada = await callers.participant()
    await add_channel(database, ada, http_receiver)
    await queue_message(database, ada, "Not yet")
    async with database() as db:
        await claims.claim(db, NOW, pipeline_settings, "stopping")
    [row] = await deliveries_of(database, ada)
    async with database() as db:
        jobs = await dispatch.load_jobs(db, [row.id], pipeline_settings)
    await dispatch.send_all(jobs, pipeline_settings, stopping=lambda: True)
    async with database() as db:
        await dispatch.record_outcomes(db, jobs, NOW, pipeline_settings, "stopping")

    [row] = await deliveries_of(database, ada)
    assert (row.status, row.attempts, row.lease_owner, row.next_attempt_at) == (
        DeliveryStatus.PENDING,
        0,
        None,
        NOW,
    )
    assert http_receiver.requests == []
