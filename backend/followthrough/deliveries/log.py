"""The participant's delivery log: every message to their channels, with the answer given through its link.

Answers are the act links' (above this package), so composition passes in how to find them (`Answers`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.deliveries import schemas
from followthrough.deliveries.models import Delivery
from followthrough.deliveries.snoozes import SETTLED
from followthrough.enums import DeliveryStatus, Event
from followthrough.notifications import Channel


class Answer(Protocol):
    @property
    def choice(self) -> str | None: ...

    @property
    def answered_at(self) -> datetime | None: ...


Answers = Callable[[AsyncSession, Sequence[UUID]], Awaitable[Mapping[UUID, Answer]]]
"""The latest answer given through each of these deliveries' links."""


def delivery_out(delivery: Delivery, channel_label: str, tap: Answer | None = None) -> schemas.DeliveryOut:
    title = (delivery.payload or {}).get("keyActionTitle")
    return schemas.DeliveryOut(
        id=delivery.id,
        event=delivery.event,
        status=delivery.status,
        channel_id=delivery.channel_id,
        channel_label=channel_label,
        occurrence_id=delivery.occurrence_id,
        attempts=delivery.attempts,
        last_error=delivery.last_error,
        due_at=delivery.due_at,
        next_attempt_at=None if delivery.status in SETTLED else delivery.next_attempt_at,
        sent_at=delivery.sent_at,
        created_at=delivery.created_at,
        key_action_title=title if isinstance(title, str) else None,
        tap=None
        if tap is None or tap.choice is None or tap.answered_at is None
        else schemas.DeliveryTap(choice=tap.choice, at=tap.answered_at, channel_label=channel_label),
    )


async def log_page(
    session: AsyncSession,
    participant_id: UUID,
    answers: Answers,
    status: DeliveryStatus | None = None,
    event: Event | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[schemas.DeliveryOut], int]:
    """One page of the participant's own deliveries, newest due time first, with channel labels and the
    latest answer given through each one's link; and how many there are in all."""
    conditions = [Delivery.participant_id == participant_id]
    if status is not None:
        conditions.append(Delivery.status == status)
    if event is not None:
        conditions.append(Delivery.event == event)
    total = await session.scalar(select(func.count()).select_from(Delivery).where(*conditions))
    rows = await session.execute(
        select(Delivery, Channel.label)
        .join(Channel, Channel.id == Delivery.channel_id)
        .where(*conditions)
        .order_by(Delivery.due_at.desc(), Delivery.id.desc())
        .limit(limit)
        .offset(offset)
    )
    page = list(rows.tuples())
    taps = await answers(session, [delivery.id for delivery, _ in page]) if page else {}
    return [delivery_out(delivery, label, taps.get(delivery.id)) for delivery, label in page], total or 0
