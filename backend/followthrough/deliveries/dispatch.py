"""Delivery: decide whether each claimed delivery is still wanted, send it at its moment, record the outcome.

The engine's own checks (channel disabled, out of attempts, quiet hours) are here; whether an event is still
wanted and what it says are asked of its rule (`rules.py`), which composition maps to each event.

Claiming (under a lease, committed before anything is sent) is in `claims.py`. Outcomes are written only
while the lease is still this worker's, so a late, slow worker cannot overwrite the result of the one that
took over. The price of never losing a delivery is that a worker killed after a send and before recording
it causes that one message to be sent again.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from itertools import groupby
from typing import Any
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.deliveries.models import Delivery
from followthrough.deliveries.queue import Enqueuer
from followthrough.deliveries.quiet import hold_time, quiet_hours_of
from followthrough.deliveries.rules import EventRule, StandardRule
from followthrough.enums import ChannelKind, DeliveryStatus, Event
from followthrough.notifications import (
    WEBHOOK_ONLY_EVENTS,
    Channel,
    Envelope,
    Message,
    TransportError,
    record_send_outcome,
    send,
    send_webhook,
)
from followthrough.settings import SEND_GUARD_SECONDS, Settings

logger = logging.getLogger(__name__)


class Skip(StrEnum):
    """Why the engine itself does not send a job (an event's own reasons come from its rule). The value of
    one that is recorded is the delivery's `last_error`."""

    CHANNEL_DISABLED = "the channel is disabled"
    WEBHOOKS_ONLY = "only webhooks receive this event"
    OUT_OF_ATTEMPTS = "out of attempts"
    """Claimed again after its last attempt (the worker stopped while sending it): given up."""
    RELEASED = "released: the worker stopped"
    """Given back unsent because the worker is stopping."""
    WITHDRAWN = "withdrawn: no longer this worker's"
    """No longer held at its moment (quiet hours moved it, or another worker took it over): neither sent
    nor recorded by this worker."""
    HELD = "held: inside quiet hours"
    """It would leave inside the recipient's quiet hours: back to the queue, due when they end."""


Rules = Mapping[Event, EventRule]
DEFAULT_RULE = StandardRule()


def backoff(settings: Settings, attempts: int) -> timedelta:
    """The delay before attempt `attempts + 1`: the base, doubling per attempt, plus up to a quarter more
    at random so that deliveries that failed together do not all retry in the same second."""
    delay = settings.delivery_retry_base_seconds * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=delay + random.uniform(0, delay / 4))


@dataclass
class Job:
    delivery: Delivery
    channel: Channel
    skip: StrEnum | None = None
    """Why it is not sent: one of `Skip`, or its event's rule's reason."""
    error: TransportError | None = None
    leaves_at: datetime | None = None
    """Not sent before this moment (a delivery claimed within the preparation window)."""
    held_until: datetime | None = None
    """When it may leave instead, if it would otherwise leave inside the recipient's quiet hours."""
    rule: EventRule = DEFAULT_RULE
    rendering: dict[str, Any] = field(default_factory=dict)
    """Added to the payload when the message is written, never stored: its rule's extras (act links)."""


class Released(Exception):
    """The worker is stopping: the job goes back to the queue unsent."""


class Withdrawn(Exception):
    """The job is no longer this worker's at its moment: it is neither sent nor recorded."""


Gate = Callable[[Job], Awaitable[None]]


async def load_jobs(
    session: AsyncSession,
    ids: Sequence[UUID] | Mapping[UUID, datetime],
    settings: Settings,
    now: datetime | None = None,
    rules: Rules | None = None,
) -> list[Job]:
    """The claimed rows with their channels, each marked with a reason to skip it if it is not wanted (its
    event's rule is asked once for all of that event's rows). Given the claim's moments, each job gets its
    moment, and one that would leave inside its recipient's current quiet hours is held (given back, due
    when they end) rather than sent."""
    now = now or datetime.now(UTC)
    rules = rules or {}
    rows = (
        await session.execute(
            select(Delivery, Channel)
            .join(Channel, Channel.id == Delivery.channel_id)
            .where(Delivery.id.in_(ids))
        )
    ).tuples()
    moments = ids if isinstance(ids, Mapping) else {}
    jobs = [
        Job(
            delivery,
            channel,
            leaves_at=moments.get(delivery.id),
            rule=rules.get(delivery.event, DEFAULT_RULE),
        )
        for delivery, channel in rows
    ]
    for job in jobs:
        job.skip = _engine_skip(job, settings)
    by_event = sorted((job for job in jobs if job.skip is None), key=lambda job: job.delivery.event.value)
    for _, grouped in groupby(by_event, key=lambda job: job.delivery.event):
        batch = list(grouped)
        reasons = await batch[0].rule.skip_reasons(session, [job.delivery for job in batch], settings)
        for job in batch:
            job.skip = reasons.get(job.delivery.id)
    quiet = await quiet_hours_of(session, {job.delivery.participant_id for job in jobs})
    for job in jobs:
        if job.skip is None:
            job.held_until = hold_time(quiet.get(job.delivery.participant_id), job.leaves_at, now)
            job.skip = Skip.HELD if job.held_until is not None else None
    # Extras (act links' rows) are stored now, committed before anything is sent.
    wanted = sorted((job for job in jobs if job.skip is None), key=lambda job: job.delivery.event.value)
    for _, grouped in groupby(wanted, key=lambda job: job.delivery.event):
        batch = list(grouped)
        extras = await batch[0].rule.extras(session, [job.delivery for job in batch], settings, now)
        for job in batch:
            job.rendering = extras.get(job.delivery.id, {})
    return jobs


def _engine_skip(job: Job, settings: Settings) -> Skip | None:
    if not job.channel.enabled:
        return Skip.CHANNEL_DISABLED
    if job.channel.kind is not ChannelKind.WEBHOOK and job.delivery.event in WEBHOOK_ONLY_EVENTS:
        return Skip.WEBHOOKS_ONLY
    if job.delivery.attempts > settings.delivery_max_attempts:
        return Skip.OUT_OF_ATTEMPTS
    return None


async def send_all(
    jobs: Sequence[Job],
    settings: Settings,
    stopping: Callable[[], bool] = bool,
    finished: Callable[[Job], None] | None = None,
    gate: Gate | None = None,
    slots: asyncio.Semaphore | None = None,
) -> None:
    """Send every job that is still wanted, concurrently; failures land in `job.error`.

    `gate(job)`, when given, returns at the job's moment (or raises Released). Then the job waits for one
    of `slots` (a worker shares them between its batches; `worker_send_concurrency` when not given), so
    that however many jobs wait for one moment, only that many sends are in flight. The transport itself
    holds sends through Apprise's threads to that pool's size. Once `stopping()` is true, jobs not yet
    under way are released rather than sent, so a stop waits only for the sends already going out.
    `finished(job)` is called as each job is done with."""
    slots = slots or asyncio.Semaphore(settings.worker_send_concurrency)

    async def gated(job: Job) -> None:
        # Written before the moment, so that at the moment only the send is left.
        message = _written(job, settings)
        try:
            if message is not None:
                if gate is not None:
                    await gate(job)
                async with slots:
                    if stopping():
                        raise Released
                    await _send_one(job, message, settings)
        except Released:
            job.skip = Skip.RELEASED
        except Withdrawn:
            job.skip = Skip.WITHDRAWN
        # Not on cancellation: a job cut off mid-send stays "sending" until its lease ends.
        if finished is not None:
            finished(job)

    await asyncio.gather(*(gated(job) for job in jobs if job.skip is None))


def _written(job: Job, settings: Settings) -> Message | Envelope | None:
    """The job's message (a webhook's JSON), written before its moment; None (with the error on the job) if
    it cannot be."""
    try:
        return job.rule.message(job.delivery, job.channel, job.rendering, settings)
    except Exception as error:  # a payload the wording cannot use will not improve with retries
        job.error = TransportError(f"the message could not be written ({type(error).__name__})", True)
        return None


async def _send_one(job: Job, message: Message | Envelope, settings: Settings) -> None:
    try:
        async with asyncio.timeout(settings.send_timeout_seconds + SEND_GUARD_SECONDS):
            if isinstance(message, Envelope):
                await send_webhook(job.channel.url, message, settings)
            else:
                await send(job.channel, message, settings)
    except TransportError as error:
        job.error = error
    except TimeoutError:
        job.error = TransportError(f"no answer within {settings.send_timeout_seconds} s", False)
    except Exception as error:
        # Never log the exception text: it may carry the channel's URL, which is a secret.
        logger.error("sending delivery %s failed unexpectedly: %s", job.delivery.id, type(error).__name__)
        job.error = TransportError(f"unexpected error ({type(error).__name__})", False)


async def record_outcomes(
    session: AsyncSession, jobs: Sequence[Job], now: datetime, settings: Settings, owner: str
) -> None:
    """Write each job's result while the lease is still ours, update channel health, and tell owners
    about channels that just got disabled. A withdrawn job is no longer ours to write."""
    jobs = [job for job in jobs if job.skip is not Skip.WITHDRAWN]
    channels = {
        channel.id: channel
        for channel in (
            await session.scalars(select(Channel).where(Channel.id.in_({job.channel.id for job in jobs})))
        ).all()
    }
    held = (Delivery.lease_owner == owner, Delivery.status == DeliveryStatus.SENDING)
    sent = [job.delivery.id for job in jobs if job.skip is None and job.error is None]
    # The common outcome in one statement; the rest row by row.
    for offset in range(0, len(sent), 500):
        await session.execute(
            update(Delivery)
            .where(Delivery.id.in_(sent[offset : offset + 500]), *held)
            .values(
                status=DeliveryStatus.SENT, sent_at=now, last_error=None, lease_owner=None, updated_at=now
            )
            .execution_options(synchronize_session=False)
        )
    for job in jobs:
        if job.skip is not None or job.error is not None:
            result = await session.execute(
                update(Delivery)
                .where(Delivery.id == job.delivery.id, *held)
                .values(**_outcome(job, now, settings), lease_owner=None, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if not getattr(result, "rowcount", 1):
                logger.warning("delivery %s: lease lost before its outcome was written", job.delivery.id)
    disabled: list[Channel] = []
    succeeded_last: set[UUID] = set()
    for job in jobs:
        channel = channels.get(job.channel.id)
        if job.skip is not None or channel is None or not channel.enabled:
            continue
        if job.error is None:
            if channel.id in succeeded_last:
                continue  # a run of successes to one channel is one health update
            succeeded_last.add(channel.id)
        else:
            succeeded_last.discard(channel.id)
        if await record_send_outcome(session, channel, job.error, now, settings):
            disabled.append(channel)
    for channel in disabled:
        await notify_disabled(session, channel, now)


def _outcome(job: Job, now: datetime, settings: Settings) -> dict[str, Any]:
    attempts = job.delivery.attempts
    if job.skip is Skip.OUT_OF_ATTEMPTS:
        return {"status": DeliveryStatus.FAILED, "last_error": "gave up: the worker stopped while sending"}
    if job.skip is Skip.HELD and job.held_until is not None:
        # Not an attempt: back in the queue, due when the quiet hours end.
        held: dict[str, Any] = {
            "status": DeliveryStatus.RETRYING if attempts > 1 else DeliveryStatus.PENDING,
            "attempts": attempts - 1,
            "next_attempt_at": job.held_until,
        }
        if attempts == 1:
            # The moment it was meant for stays known, so that it can follow a later change to quiet hours.
            held["planned_at"] = func.coalesce(Delivery.planned_at, Delivery.due_at)
            held["due_at"] = job.held_until
        return held
    if job.skip is Skip.RELEASED:
        # Back in the queue, due at its moment (at once if that has passed), for whichever worker runs next.
        status = DeliveryStatus.RETRYING if attempts > 1 else DeliveryStatus.PENDING
        moment = max(now, job.leaves_at) if job.leaves_at is not None else now
        return {"status": status, "attempts": attempts - 1, "next_attempt_at": moment}
    if job.skip is not None:
        # Not an attempt: nothing was sent.
        return {"status": DeliveryStatus.SKIPPED, "attempts": attempts - 1, "last_error": str(job.skip)}
    if job.error is None:
        return {"status": DeliveryStatus.SENT, "sent_at": now, "last_error": None}
    error = job.error.message[:500]
    if job.error.permanent or attempts >= settings.delivery_max_attempts:
        return {"status": DeliveryStatus.FAILED, "last_error": error}
    return {
        "status": DeliveryStatus.RETRYING,
        "last_error": error,
        "next_attempt_at": now + backoff(settings, attempts),
    }


async def notify_disabled(session: AsyncSession, channel: Channel, now: datetime) -> int:
    """Tell the owner on their other enabled channels that this one was switched off."""
    return await Enqueuer(session, now).add(
        recipient_id=channel.participant_id,
        event=Event.CHANNEL_DISABLED,
        subject_key=f"channel:{channel.id}:disabled:{now.strftime('%Y%m%dT%H%M%S')}",
        payload={"channelLabel": channel.label, "lastError": channel.last_error or ""},
        due_at=now,
    )
