"""Quiet hours for what is already queued: deliveries follow a change to them, and nothing leaves inside them.

Queueing holds a delivery past the recipient's quiet hours (`queue.after_quiet_hours`) and keeps the moment
it was meant for in `planned_at`. When the recipient changes their quiet hours (or their time zone, which
moves them), `follow_quiet_hours` moves every delivery not yet sent: into the new quiet hours' end, earlier
when they shrink (never before its planned moment), back to its planned moment when they are removed. The
worker checks again when it prepares a delivery (`hold_times`), and a change made while a worker holds one
for its moment takes it back from that worker, which confirms its claim at the moment.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, time
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.deliveries.models import Delivery
from followthrough.deliveries.queue import after_quiet_hours
from followthrough.enums import DeliveryStatus
from followthrough.identity import Participant


@dataclass(frozen=True, slots=True)
class QuietHours:
    zone: ZoneInfo
    start: time | None
    end: time | None

    @classmethod
    def of(cls, person: Participant) -> QuietHours:
        return cls(ZoneInfo(person.time_zone), person.quiet_hours_start, person.quiet_hours_end)

    def release(self, instant: datetime) -> datetime:
        """`instant`, or the end of the quiet hours it falls in."""
        return after_quiet_hours(instant, self.zone, self.start, self.end)


def moved(quiet: QuietHours, planned: datetime, due: datetime, now: datetime) -> datetime | None:
    """Where a delivery planned for `planned` and now due at `due` belongs under `quiet`, or None if it stays.

    Held to the end of quiet hours that cover its planned moment (or cover now, once that has passed), and
    never earlier than the planned moment nor in the past. One already due and not inside quiet hours stays
    as it is: the worker is about to send it."""
    wanted = max(planned, now)
    target = quiet.release(wanted)
    if target == wanted and due <= now:
        return None
    return None if target == due else target


async def follow_quiet_hours(session: AsyncSession, person: Participant, now: datetime) -> int:
    """Move the deliveries queued for `person` to fit their current quiet hours; returns how many moved.

    Pending ones move in place. One a worker claimed ahead of its moment (first attempt, moment still
    ahead) goes back to the queue: the worker finds it no longer holds it when the moment comes. Retries
    keep their backoff; the worker holds them past quiet hours when it prepares them."""
    quiet = QuietHours.of(person)
    claimed_ahead = and_(
        Delivery.status == DeliveryStatus.SENDING, Delivery.attempts == 1, Delivery.due_at > now
    )
    rows = await session.execute(
        select(Delivery.id, Delivery.due_at, Delivery.planned_at).where(
            Delivery.participant_id == person.id,
            or_(Delivery.status == DeliveryStatus.PENDING, claimed_ahead),
        )
    )
    count = 0
    for delivery_id, due_at, planned_at in rows.tuples():
        planned = planned_at or due_at
        target = moved(quiet, planned, due_at, now)
        if target is None:
            continue
        result = await session.execute(
            update(Delivery)
            # The conditions again: a worker may have claimed or sent it since.
            .where(Delivery.id == delivery_id, or_(Delivery.status == DeliveryStatus.PENDING, claimed_ahead))
            .values(
                due_at=target,
                next_attempt_at=target,
                planned_at=planned,
                attempts=case((Delivery.status == DeliveryStatus.SENDING, 0), else_=Delivery.attempts),
                status=DeliveryStatus.PENDING,
                lease_owner=None,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        count += int(getattr(result, "rowcount", 0) or 0)
    return count


async def quiet_hours_of(session: AsyncSession, people: Collection[UUID]) -> dict[UUID, QuietHours]:
    if not people:
        return {}
    found = await session.scalars(select(Participant).where(Participant.id.in_(list(people))))
    return {person.id: QuietHours.of(person) for person in found}


def hold_time(quiet: QuietHours | None, moment: datetime | None, now: datetime) -> datetime | None:
    """When a delivery prepared now for `moment` must wait until instead, because it would leave inside
    the recipient's quiet hours; None when it may leave."""
    if quiet is None:
        return None
    leaves = max(moment or now, now)
    held = quiet.release(leaves)
    return held if held > leaves else None
