"""The check-in events only webhooks receive (`notifications.WEBHOOK_ONLY_EVENTS`), and their payloads.

Queued through `deliveries.Enqueuer` when the thing happens, so fan-out to the person's subscribed
channels, idempotency and quiet hours are decided as for every other event:

- `checkin.recorded`: when a check-in is first stored (alone, in a batch or in a weekly review). A replay
  of the same check-in id queues nothing (same subject key). Editing or undoing one sends nothing.
- `review.submitted`: when a weekly review is first stored.
- `occurrence.missed`: a detection step, like `partner.missed`: an occurrence of an active key action
  whose grace period (`partner_missed_grace_minutes`) ended within the delivery grace window with no
  check-in. Private key actions count too: these go to the person's own automations.

Each payload is written when the event is queued, so a retry sends the same data. The fields are
documented in docs/webhooks.md; the webhook body around them is written by the delivery engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Exists, and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.actions import KeyAction, Occurrence
from followthrough.checkins.models import CheckIn, WeeklyReview
from followthrough.deliveries import Enqueuer
from followthrough.enums import ActionStatus, ChannelKind, Event
from followthrough.identity import Participant
from followthrough.notifications import Channel, utc_text
from followthrough.settings import Settings


def _local(instant: datetime, time_zone: str) -> str:
    return instant.astimezone(ZoneInfo(time_zone)).replace(microsecond=0).isoformat()


def _occurrence_fields(occurrence: Occurrence, action: KeyAction, time_zone: str) -> dict[str, Any]:
    return {
        "keyActionId": str(action.id),
        "keyActionTitle": action.title,
        "occurrenceId": str(occurrence.id),
        "occurrenceAt": utc_text(occurrence.due_at),
        "occurrenceLocal": _local(occurrence.due_at, time_zone),
        "timeZone": time_zone,
    }


def _webhook_channels(participant_id: UUID | ColumnElement[UUID]) -> list[ColumnElement[bool]]:
    return [
        Channel.participant_id == participant_id,
        Channel.kind == ChannelKind.WEBHOOK,
        Channel.enabled.is_(True),
    ]


def has_webhooks(participant_id: UUID | ColumnElement[UUID]) -> Exists:
    """Whether the person has a webhook channel, for a read that asks it alongside what else it reads."""
    return exists().where(*_webhook_channels(participant_id))


async def _has_webhooks(session: AsyncSession, participant_id: UUID) -> bool:
    """Cheap check first: most people have no webhook channel, and they pay one query per write."""
    found = await session.scalar(select(Channel.id).where(*_webhook_channels(participant_id)).limit(1))
    return found is not None


async def check_ins_recorded(
    session: AsyncSession,
    participant: Participant,
    recorded: Sequence[tuple[CheckIn, Occurrence]],
    now: datetime,
    webhooks: bool | None = None,
) -> int:
    """Queue `checkin.recorded` for check-ins just stored; returns the deliveries made. `webhooks` is
    whether the person has a webhook channel, when the caller read it already (None: read it here)."""
    if webhooks is None:
        webhooks = bool(recorded) and await _has_webhooks(session, participant.id)
    if not recorded or not webhooks:
        return 0
    action_ids = {check_in.key_action_id for check_in, _ in recorded}
    actions = {
        action.id: action
        for action in await session.scalars(select(KeyAction).where(KeyAction.id.in_(action_ids)))
    }
    enqueuer = Enqueuer(session, now)
    made = 0
    for check_in, occurrence in recorded:
        action = actions[check_in.key_action_id]
        measure = None
        if check_in.measure_value is not None:
            measure = {"value": check_in.measure_value, "unit": action.measure_unit}
        made += await enqueuer.add(
            recipient_id=participant.id,
            event=Event.CHECKIN_RECORDED,
            subject_key=f"checkin:{check_in.id}",
            occurrence_id=occurrence.id,
            payload={
                "checkInId": str(check_in.id),
                **_occurrence_fields(occurrence, action, participant.time_zone),
                "result": check_in.result.value,
                "note": check_in.note,
                "measure": measure,
                "checkedInAt": utc_text(check_in.checked_in_at),
                "weeklyReviewId": None
                if check_in.weekly_review_id is None
                else str(check_in.weekly_review_id),
            },
            due_at=now,
        )
    return made


async def review_submitted(
    session: AsyncSession, participant: Participant, review: WeeklyReview, check_in_ids: Sequence[UUID]
) -> int:
    """Queue `review.submitted` for a review just stored; returns the deliveries made."""
    if not await _has_webhooks(session, participant.id):
        return 0
    return await Enqueuer(session, review.submitted_at).add(
        recipient_id=participant.id,
        event=Event.REVIEW_SUBMITTED,
        subject_key=f"review:{review.id}",
        payload={
            "weeklyReviewId": str(review.id),
            "weekStart": review.week_start.isoformat(),
            "moved": review.moved,
            "inTheWay": review.in_the_way,
            "nextStep": review.next_step,
            "confidence": review.confidence,
            "checkInIds": [str(check_in_id) for check_in_id in check_in_ids],
            "submittedAt": utc_text(review.submitted_at),
            "timeZone": participant.time_zone,
        },
        due_at=review.submitted_at,
    )


async def missed_step(session: AsyncSession, now: datetime, settings: Settings) -> int:
    """Queue `occurrence.missed` for occurrences whose grace period ended within the window without a
    check-in, for people with a webhook channel; returns the deliveries made."""
    grace = timedelta(minutes=settings.partner_missed_grace_minutes)
    window = timedelta(minutes=settings.delivery_grace_minutes)
    with_webhook = exists().where(
        and_(
            Channel.participant_id == Occurrence.participant_id,
            Channel.kind == ChannelKind.WEBHOOK,
            Channel.enabled.is_(True),
        )
    )
    rows = await session.execute(
        select(Occurrence, KeyAction, Participant.time_zone)
        .join(KeyAction, KeyAction.id == Occurrence.key_action_id)
        .join(Participant, Participant.id == Occurrence.participant_id)
        .where(
            with_webhook,
            ~exists().where(CheckIn.occurrence_id == Occurrence.id),
            Occurrence.due_at <= now - grace,
            Occurrence.due_at > now - grace - window,
            KeyAction.status == ActionStatus.ACTIVE,
        )
        .order_by(Occurrence.due_at, Occurrence.id)
    )
    enqueuer = Enqueuer(session, now)
    made = 0
    for occurrence, action, time_zone in rows.tuples():
        made += await enqueuer.add(
            recipient_id=occurrence.participant_id,
            event=Event.OCCURRENCE_MISSED,
            subject_key=f"missed:{occurrence.id}:self",
            occurrence_id=occurrence.id,
            payload={
                **_occurrence_fields(occurrence, action, time_zone),
                "graceMinutes": settings.partner_missed_grace_minutes,
            },
            due_at=occurrence.due_at + grace,
        )
    return made
