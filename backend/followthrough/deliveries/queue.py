"""Queueing deliveries: one row per channel that wants the event, inserted once, held past quiet hours.

Every producer (the scheduler steps, snoozes, the partner features, a disabled channel's notice) goes
through `enqueue`, so fan-out, idempotency and quiet hours are decided in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any, NotRequired, TypedDict, Unpack, cast
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import uuid_utils
from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.deliveries.models import Delivery
from followthrough.dialect import insert_ignoring_conflicts
from followthrough.enums import DeliveryStatus, Event
from followthrough.identity import Participant
from followthrough.notifications import Channel

DELIVERY_TABLE = cast("Table", Delivery.__table__)


def local_instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The instant a local wall time happens. A time skipped by a spring-forward change maps to the same
    distance after the change (02:30 becomes 03:30); a repeated one to its first passage."""
    return datetime.combine(day, wall, tzinfo=zone)


def after_quiet_hours(due_at: datetime, zone: ZoneInfo, start: time | None, end: time | None) -> datetime:
    """`due_at`, or the end of the quiet hours it falls in. Quiet hours are local wall times and may span
    midnight (22:00-07:00); the comparison is made on the local clock, so it holds across DST changes."""
    if start is None or end is None or start == end:
        return due_at
    local = due_at.astimezone(zone)
    wall = local.time().replace(tzinfo=None)
    if start < end:
        if start <= wall < end:
            return max(due_at, local_instant(local.date(), end, zone))
        return due_at
    if wall >= start:
        return max(due_at, local_instant(local.date() + timedelta(days=1), end, zone))
    if wall < end:
        return max(due_at, local_instant(local.date(), end, zone))
    return due_at


def wants(channel: Channel, event: Event) -> bool:
    return channel.enabled and event.value in (channel.events or [])


class Enqueuer:
    """Fans deliveries out within one session, loading each recipient and their channels once."""

    def __init__(self, session: AsyncSession, now: datetime | None = None) -> None:
        self.session = session
        self.now = now
        self._recipients: dict[UUID, tuple[Participant | None, list[Channel]]] = {}

    async def preload(self, recipient_ids: set[UUID]) -> None:
        missing = recipient_ids - self._recipients.keys()
        if not missing:
            return
        people = (await self.session.scalars(select(Participant).where(Participant.id.in_(missing)))).all()
        channels = (
            await self.session.scalars(
                select(Channel).where(Channel.participant_id.in_(missing), Channel.enabled.is_(True))
            )
        ).all()
        for person_id in missing:
            self._recipients[person_id] = (None, [])
        for person in people:
            self._recipients[person.id] = (person, [])
        for channel in channels:
            self._recipients[channel.participant_id][1].append(channel)

    async def channels_for(self, recipient_id: UUID, event: Event) -> list[Channel]:
        await self.preload({recipient_id})
        return [channel for channel in self._recipients[recipient_id][1] if wants(channel, event)]

    async def add(
        self,
        *,
        recipient_id: UUID,
        event: Event,
        subject_key: str,
        payload: Mapping[str, Any],
        due_at: datetime,
        occurrence_id: UUID | None = None,
    ) -> int:
        await self.preload({recipient_id})
        recipient, _ = self._recipients[recipient_id]
        channels = await self.channels_for(recipient_id, event)
        if recipient is None or not channels:
            return 0
        planned_at = due_at
        due_at = after_quiet_hours(
            due_at, ZoneInfo(recipient.time_zone), recipient.quiet_hours_start, recipient.quiet_hours_end
        )
        rows = [
            {
                "id": UUID(bytes=uuid_utils.uuid7().bytes),
                "participant_id": recipient_id,
                "event": event,
                "subject_key": subject_key,
                "occurrence_id": occurrence_id,
                "channel_id": channel.id,
                "due_at": due_at,
                "planned_at": planned_at,
                "status": DeliveryStatus.PENDING,
                "next_attempt_at": due_at,
                "attempts": 0,
                "payload": dict(payload),
            }
            for channel in channels
        ]
        if self.now is not None:  # otherwise the audit columns' own defaults apply
            for row in rows:
                row["created_at"] = row["updated_at"] = self.now
        result = await self.session.execute(insert_ignoring_conflicts(self.session, DELIVERY_TABLE, rows))
        return max(int(getattr(result, "rowcount", 0) or 0), 0)


class _PlannedDelivery(TypedDict):
    """`Enqueuer.add`'s arguments, so `enqueue` passes them on without listing them again."""

    recipient_id: UUID
    event: Event
    subject_key: str
    payload: Mapping[str, Any]
    due_at: datetime
    occurrence_id: NotRequired[UUID | None]


async def enqueue(
    session: AsyncSession, *, now: datetime | None = None, **planned: Unpack[_PlannedDelivery]
) -> int:
    """Queue one delivery of `event` to each of the recipient's enabled channels that receive it; returns
    how many were new. Idempotent: the same (event, subject_key, channel) is stored once, however often
    or concurrently this runs. `due_at` inside the recipient's quiet hours moves to when they end."""
    return await Enqueuer(session, now).add(**planned)


def log_channel_test(session: AsyncSession, channel: Channel, error: str | None, now: datetime) -> None:
    """A "Send test" goes into the delivery log like any message: sent or failed (with the error, already
    masked), never retried, so it is written as it ended rather than queued."""
    session.add(
        Delivery(
            participant_id=channel.participant_id,
            event=Event.CHANNEL_TEST,
            subject_key=f"channel:{channel.id}:test:{uuid4().hex}",
            channel_id=channel.id,
            due_at=now,
            status=DeliveryStatus.SENT if error is None else DeliveryStatus.FAILED,
            next_attempt_at=now,
            attempts=1,
            last_error=None if error is None else error[:500],
            sent_at=now if error is None else None,
            payload={"channelLabel": channel.label},
            created_at=now,
            updated_at=now,
        )
    )
