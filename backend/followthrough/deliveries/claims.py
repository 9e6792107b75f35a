"""Claiming deliveries under a lease, renewing it, and checking at a job's moment that it is still held.

The claim is one conditional UPDATE that marks rows "sending" with this worker as lease owner and the
lease's end as `next_attempt_at`, committed before anything is sent (on PostgreSQL the rows are picked with
FOR UPDATE SKIP LOCKED, so workers never wait for one another; SQLite has a single writer). A row being
sent is claimed again only once its lease has ended or once its owner's heartbeat is stale
(`heartbeat.py`), so a worker that dies mid-batch has its rows taken over within seconds. Never within the
preparation window: the lease's end is not a moment to send at, and a worker renewing its lease would
otherwise claim its own rows again and send them twice.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.deliveries.cancel import WAITING
from followthrough.deliveries.heartbeat import dead_workers, stale_after
from followthrough.deliveries.models import CLAIMABLE, Delivery, WorkerHeartbeat, status_among
from followthrough.enums import DeliveryStatus
from followthrough.settings import Settings


async def mark_missed(session: AsyncSession, now: datetime, settings: Settings) -> int:
    """Whatever waited longer than the grace window past its time (every worker was down) is missed."""
    cutoff = now - timedelta(minutes=settings.delivery_grace_minutes)
    result = await session.execute(
        update(Delivery)
        .where(status_among(Delivery.status, CLAIMABLE), Delivery.next_attempt_at < cutoff)
        .values(status=DeliveryStatus.MISSED, lease_owner=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _due(now: datetime, until: datetime) -> Any:
    """Waiting and due by `until`, or being sent under a lease that ended. Stated as a range over
    `ix_delivery_claimable` (its own condition, then `next_attempt_at`), so the planner walks that index in
    claiming order and stops at the batch, however long the backlog behind it."""
    return and_(
        status_among(Delivery.status, CLAIMABLE),
        Delivery.next_attempt_at <= until,
        or_(Delivery.status.in_(WAITING), Delivery.next_attempt_at <= now),
    )


def _held_by(workers: Sequence[str]) -> Any:
    """Being sent by one of these (dead) workers, whatever its lease says."""
    return and_(Delivery.status == DeliveryStatus.SENDING, Delivery.lease_owner.in_(workers))


async def _pick(session: AsyncSession, condition: Any, limit: int) -> dict[UUID, datetime]:
    """Up to `limit` rows meeting `condition`, earliest first, each with the moment it may leave."""
    due = (
        select(Delivery.id, Delivery.status, Delivery.next_attempt_at, Delivery.due_at)
        .where(condition)
        .order_by(Delivery.next_attempt_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Locked until the claim commits; other workers skip these rows rather than wait for them.
        due = due.with_for_update(skip_locked=True)
    return {
        # A row taken over leaves at its own moment; its `next_attempt_at` was the lease's end.
        delivery_id: due_at if status == DeliveryStatus.SENDING else next_attempt_at
        for delivery_id, status, next_attempt_at, due_at in (await session.execute(due)).tuples()
    }


async def claim(
    session: AsyncSession,
    now: datetime,
    settings: Settings,
    owner: str,
    holding: Collection[UUID] = (),
) -> dict[UUID, datetime]:
    """Take up to a batch of deliveries due by `now` plus the preparation window (and those of leases that
    ended or of dead workers) for `owner`, each with the moment it may leave; the caller commits at once.
    Rows in `holding` (jobs the worker still has in hand) are never claimed twice.

    Rows of dead workers whose lease ends past `now` are read apart, since that end may lie past any bound on
    the due rows' range; they fill what the due rows leave of the batch, as they came after them in claiming
    order. So a full batch, the case of a backlog, costs one read."""
    until = now + timedelta(seconds=settings.delivery_prepare_seconds)
    batch = settings.worker_batch_size
    due = claimable = _due(now, until)
    picked = await _pick(session, due, batch)
    if len(picked) < batch and (dead := await dead_workers(session, now, settings)):
        claimable = or_(due, _held_by(dead))
        taken_over = and_(_held_by(dead), Delivery.id.not_in(picked)) if picked else _held_by(dead)
        picked.update(await _pick(session, taken_over, batch - len(picked)))
    moments = {delivery_id: moment for delivery_id, moment in picked.items() if delivery_id not in holding}
    if not moments:
        return {}
    result = await session.execute(
        update(Delivery)
        # The conditions again: on SQLite nothing locked the rows between the two statements.
        .where(Delivery.id.in_(moments), claimable)
        .values(
            status=DeliveryStatus.SENDING,
            lease_owner=owner,
            next_attempt_at=until + timedelta(seconds=settings.delivery_lease_seconds),
            attempts=Delivery.attempts + 1,
            updated_at=now,
        )
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    )
    return {delivery_id: moments[delivery_id] for delivery_id in result.scalars().all()}


async def next_claim_at(session: AsyncSession, settings: Settings, owner: str) -> datetime | None:
    """When a claim will next find something (None: nothing is waiting): the earliest waiting row's moment
    less the preparation window, another worker's earliest lease end, or when a silent worker holding rows
    is taken for dead. The worker sleeps until then."""
    waiting = await session.scalar(
        select(Delivery.next_attempt_at)
        # The first row of `ix_delivery_claimable` that is waiting (the index is in this order).
        .where(status_among(Delivery.status, CLAIMABLE), Delivery.status.in_(WAITING))
        .order_by(Delivery.next_attempt_at)
        .limit(1)
    )
    others = (Delivery.status == DeliveryStatus.SENDING, Delivery.lease_owner != owner)  # its own are in hand
    lease_end = await session.scalar(select(func.min(Delivery.next_attempt_at)).where(*others))
    holders = select(Delivery.lease_owner).where(*others)
    silent_since = await session.scalar(
        select(func.min(WorkerHeartbeat.last_seen)).where(WorkerHeartbeat.name.in_(holders))
    )
    ahead = timedelta(seconds=settings.delivery_prepare_seconds)
    upcoming = [
        instant
        for instant in (
            None if waiting is None else waiting - ahead,
            lease_end,
            None if silent_since is None else silent_since + stale_after(settings),
        )
        if instant is not None
    ]
    return min(upcoming, default=None)


async def renew_lease(
    session: AsyncSession, ids: Sequence[UUID], now: datetime, settings: Settings, owner: str
) -> int:
    """Extend the lease on rows this worker is still sending, so a slow batch is not taken over."""
    result = await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids), Delivery.lease_owner == owner, Delivery.status == DeliveryStatus.SENDING)
        .values(next_attempt_at=now + timedelta(seconds=settings.delivery_lease_seconds))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def still_held(session: AsyncSession, ids: Collection[UUID], owner: str) -> set[UUID]:
    """Which of these rows this worker still holds ("sending" under its lease): the check at a job's
    moment, since quiet hours may have moved it or a worker may have taken it over since the claim."""
    held: set[UUID] = set()
    listed = list(ids)
    for offset in range(0, len(listed), 500):
        held.update(
            await session.scalars(
                select(Delivery.id).where(
                    Delivery.id.in_(listed[offset : offset + 500]),
                    Delivery.lease_owner == owner,
                    Delivery.status == DeliveryStatus.SENDING,
                )
            )
        )
    return held
