"""The participant's view of their deliveries, and snoozing a reminder from a signed link."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.accounts.models import Participant
from followthrough.actions.models import KeyAction, Occurrence
from followthrough.checkins.models import CheckIn
from followthrough.enums import DeliveryStatus, Event
from followthrough.errors import InvalidInput, NotFound
from followthrough.notifications.models import Channel
from followthrough.reminders import schemas
from followthrough.reminders.models import Delivery
from followthrough.reminders.queue import Enqueuer, local_instant
from followthrough.reminders.scheduler import NUDGE_TIME, occurrence_key, reminder_payload, token_digest
from followthrough.settings import Settings
from followthrough.signing import BadSignature, verify

SETTLED = {DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED, DeliveryStatus.MISSED}
TONIGHT = NUDGE_TIME
NEXT_MORNING = time(8, 0)


def delivery_out(delivery: Delivery, channel_label: str) -> schemas.DeliveryOut:
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
    )


class DeliveryService:
    def __init__(self, session: AsyncSession, now: datetime, settings: Settings) -> None:
        self.session = session
        self.now = now
        self.settings = settings

    async def page(
        self,
        participant: Participant,
        status: DeliveryStatus | None = None,
        event: Event | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[Sequence[tuple[Delivery, str]], int]:
        """One page of the participant's own deliveries, newest due time first, with channel labels."""
        conditions = [Delivery.participant_id == participant.id]
        if status is not None:
            conditions.append(Delivery.status == status)
        if event is not None:
            conditions.append(Delivery.event == event)
        total = await self.session.scalar(select(func.count()).select_from(Delivery).where(*conditions))
        rows = await self.session.execute(
            select(Delivery, Channel.label)
            .join(Channel, Channel.id == Delivery.channel_id)
            .where(*conditions)
            .order_by(Delivery.due_at.desc(), Delivery.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return list(rows.tuples()), total or 0

    def snooze_until(self, choice: schemas.SnoozeChoice, zone: ZoneInfo) -> datetime:
        if choice is schemas.SnoozeChoice.FIFTEEN_MINUTES:
            return self.now + timedelta(minutes=15)
        if choice is schemas.SnoozeChoice.ONE_HOUR:
            return self.now + timedelta(hours=1)
        today = self.now.astimezone(zone).date()
        tonight = local_instant(today, TONIGHT, zone)
        if self.now < tonight:
            return tonight
        return local_instant(today + timedelta(days=1), NEXT_MORNING, zone)

    async def snooze(self, token: str, choice: schemas.SnoozeChoice | None) -> schemas.SnoozeOut:
        """Queue the reminder again (to the channels that take reminders), once per link and choice."""
        if choice is None:
            raise InvalidInput("for", "choose 15m, 1h or tonight", status_code=400)
        try:
            claims = verify(self.settings.resolved_secret_key, "snooze", token, self.now)
        except BadSignature as error:
            raise InvalidInput("token", str(error)) from None
        try:
            occurrence_id = UUID(str(claims.get("o")))
        except ValueError:
            raise InvalidInput("token", "the link is not valid") from None
        row = (
            await self.session.execute(
                select(
                    Occurrence, KeyAction, Participant, exists().where(CheckIn.occurrence_id == Occurrence.id)
                )
                .join(KeyAction, KeyAction.id == Occurrence.key_action_id)
                .join(Participant, Participant.id == Occurrence.participant_id)
                .where(Occurrence.id == occurrence_id)
            )
        ).first()
        if row is None:
            raise NotFound("occurrence")
        occurrence, action, person, checked_in = row._tuple()
        zone = ZoneInfo(person.time_zone)
        out = schemas.SnoozeOut(
            occurrence_id=occurrence.id,
            key_action_title=action.title,
            choice=choice,
            remind_at=None,
            time_zone=person.time_zone,
            already_checked_in=bool(checked_in),
        )
        if checked_in:
            return out
        digest = token_digest(token)
        key = occurrence_key(occurrence.id, f"snooze:{digest}:{choice.value}")
        await Enqueuer(self.session, self.now).add(
            recipient_id=person.id,
            event=Event.REMINDER_DUE,
            subject_key=key,
            payload=reminder_payload(
                self.settings,
                action,
                occurrence,
                person.time_zone,
                minutes_before=0,
                nudge=False,
                source=f"snooze-{digest}",
            ),
            due_at=self.snooze_until(choice, zone),
            occurrence_id=occurrence.id,
        )
        out.remind_at = await self.session.scalar(
            select(func.min(Delivery.due_at)).where(
                Delivery.event == Event.REMINDER_DUE, Delivery.subject_key == key
            )
        )
        return out
