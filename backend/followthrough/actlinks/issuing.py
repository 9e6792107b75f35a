"""Issuing act links as messages go out: the worker stores each link's row (once per delivery: a retry finds
it) and hands the tokens to the wording, which is the only place they appear."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.actlinks.models import ActLink, ActPurpose
from followthrough.actlinks.tokens import act_token, act_url, link_row, store_links
from followthrough.deliveries import Delivery
from followthrough.enums import Event
from followthrough.partners import Partnership
from followthrough.settings import Settings

# How long a reminder's act link keeps working after the message was due.
ACT_LINK_LIFETIME = timedelta(days=2)


async def reminder_links(
    session: AsyncSession, deliveries: Sequence[Delivery], settings: Settings, now: datetime
) -> dict[UUID, dict[str, Any]]:
    """For reminders about to be sent, `actToken` to add to each one's payload when its message is written.
    Stores the links' rows (the reminder rule's extras)."""
    secret = settings.resolved_secret_key
    rows: list[dict[str, Any]] = []
    rendering: dict[UUID, dict[str, Any]] = {}
    for delivery in deliveries:
        if delivery.event == Event.REMINDER_DUE and delivery.occurrence_id is not None:
            token = act_token(secret, delivery.id)
            rows.append(
                link_row(
                    token=token,
                    purpose=ActPurpose.REMINDER,
                    participant_id=delivery.participant_id,
                    delivery_id=delivery.id,
                    occurrence_id=delivery.occurrence_id,
                    expires_at=max(delivery.due_at, now) + ACT_LINK_LIFETIME,
                    now=now,
                )
            )
            rendering[delivery.id] = {"actToken": token}
    if rows:
        await store_links(session, rows)
    return rendering


async def digest_links(
    session: AsyncSession, deliveries: Sequence[Delivery], settings: Settings, now: datetime
) -> dict[UUID, dict[str, Any]]:
    """For digests about to be sent, each person's act link of purpose "encourage" (`actTokens` and
    `oneTapLinks`, keyed by the person's id). Stores the links' rows (the digest rule's extras)."""
    secret = settings.resolved_secret_key
    rows: list[dict[str, Any]] = []
    rendering: dict[UUID, dict[str, Any]] = {}
    digests = [delivery for delivery in deliveries if delivery.event == Event.PARTNER_DIGEST]
    partnerships = await _digest_partnerships(session, digests)
    for delivery in digests:
        links: dict[str, str] = {}
        tokens: dict[str, str] = {}
        expires_at = max(delivery.due_at, now) + timedelta(days=settings.one_tap_link_days)
        for person in (delivery.payload or {}).get("people") or []:
            person_id = str(person.get("participantId"))
            partnership_id = partnerships.get((delivery.participant_id, person_id))
            if partnership_id is None:  # the partnership ended since the digest was written
                continue
            token = act_token(secret, delivery.id, partnership_id)
            rows.append(
                link_row(
                    token=token,
                    purpose=ActPurpose.ENCOURAGE,
                    participant_id=delivery.participant_id,
                    delivery_id=delivery.id,
                    partnership_id=partnership_id,
                    expires_at=expires_at,
                    now=now,
                )
            )
            links[person_id] = act_url(settings.public_url, token)
            tokens[person_id] = token
        rendering[delivery.id] = {"oneTapLinks": links, "actTokens": tokens}
    if rows:
        await store_links(session, rows)
    return rendering


async def _digest_partnerships(
    session: AsyncSession, deliveries: Sequence[Delivery]
) -> dict[tuple[UUID, str], UUID]:
    """(partner, person) -> partnership, for the partners these digests go to."""
    partners = {delivery.participant_id for delivery in deliveries}
    if not partners:
        return {}
    rows = await session.execute(
        select(Partnership.partner_id, Partnership.participant_id, Partnership.id).where(
            Partnership.partner_id.in_(partners)
        )
    )
    return {(partner, str(person)): partnership for partner, person, partnership in rows.tuples()}


async def latest_answers(session: AsyncSession, delivery_ids: Sequence[UUID]) -> dict[UUID, ActLink]:
    """The latest answer given through each of these deliveries' links (the delivery log shows it)."""
    answers: dict[UUID, ActLink] = {}
    for link in await session.scalars(
        select(ActLink)
        .where(ActLink.delivery_id.in_(delivery_ids), ActLink.answered_at.is_not(None))
        .order_by(ActLink.answered_at)
    ):
        answers[link.delivery_id] = link  # the latest wins
    return answers
