"""What the engine asks of each event type: is a delivery still wanted, and what does it say.

The engine knows no event's rules. Composition hands the worker a mapping {Event: EventRule}; an event not in
it follows `StandardRule` (always wanted, worded by `notifications.render`, or sent as its webhook). Each
question is asked once per batch with all of that event's deliveries, so a rule loads what it needs in one
query however large the batch.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.deliveries.models import Delivery
from followthrough.enums import ChannelKind, Event
from followthrough.notifications import Channel, Envelope, Message, render
from followthrough.settings import Settings

# Keys of the text messages' payloads that are placeholders for links, not data.
INTERNAL_KEYS = frozenset({"oneTapLinks", "actTokens"})

Extras = Callable[
    [AsyncSession, Sequence[Delivery], Settings, datetime], Awaitable[Mapping[UUID, dict[str, Any]]]
]
"""For deliveries about to be sent, what to add to each one's payload when its message is written (never
stored): e.g. act links, whose rows are stored at this point, before anything is sent."""


class EventRule(Protocol):
    async def skip_reasons(
        self, session: AsyncSession, deliveries: Sequence[Delivery], settings: Settings
    ) -> Mapping[UUID, StrEnum]:
        """Still wanted? The deliveries that are not, each with why (stored as its `last_error`)."""
        ...

    async def extras(
        self, session: AsyncSession, deliveries: Sequence[Delivery], settings: Settings, now: datetime
    ) -> Mapping[UUID, dict[str, Any]]:
        """For the wanted ones, about to be sent: what each message adds to its payload."""
        ...

    def message(
        self, delivery: Delivery, channel: Channel, extras: Mapping[str, Any], settings: Settings
    ) -> Message | Envelope:
        """What to send to this channel."""
        ...


class StandardRule:
    """Always wanted; worded from its payload, or, to a webhook, its payload as data. Events with rules of
    their own subclass it; `extras` is passed in by composition (act links live above the rules)."""

    def __init__(self, extras: Extras | None = None) -> None:
        self._extras = extras

    async def skip_reasons(
        self, session: AsyncSession, deliveries: Sequence[Delivery], settings: Settings
    ) -> Mapping[UUID, StrEnum]:
        return {}

    async def extras(
        self, session: AsyncSession, deliveries: Sequence[Delivery], settings: Settings, now: datetime
    ) -> Mapping[UUID, dict[str, Any]]:
        if self._extras is None or not deliveries:
            return {}
        return await self._extras(session, deliveries, settings, now)

    def message(
        self, delivery: Delivery, channel: Channel, extras: Mapping[str, Any], settings: Settings
    ) -> Message | Envelope:
        if channel.kind is ChannelKind.WEBHOOK:
            return envelope_for(delivery)
        return render(delivery.event, {**(delivery.payload or {}), **extras}, settings)


def envelope_for(delivery: Delivery) -> Envelope:
    """The webhook for a queued delivery: its id is the delivery's, so every attempt carries the same one;
    its timestamp is when the event happened (before quiet hours held it)."""
    payload = {key: value for key, value in (delivery.payload or {}).items() if key not in INTERNAL_KEYS}
    return Envelope(
        message_id=f"msg_{delivery.id.hex}",
        type=Event(delivery.event).value,
        timestamp=delivery.planned_at or delivery.due_at,
        data=payload,
    )
