"""The participant's view of their deliveries, and snoozing a reminder from a signed link."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.accounts.models import Participant
from followthrough.actions.models import KeyAction, Occurrence
from followthrough.actlinks.models import ActLink
from followthrough.checkins.models import CheckIn
from followthrough.enums import DeliveryStatus, Event
from followthrough.errors import InvalidInput, NotFound
from followthrough.notifications.models import Channel
from followthrough.reminders import schemas
from followthrough.reminders.cancel import WAITING
from followthrough.reminders.models import Delivery
from followthrough.reminders.queue import Enqueuer, local_instant
from followthrough.reminders.scheduler import NUDGE_TIME, occurrence_key, reminder_payload, token_digest
from followthrough.settings import Settings
from followthrough.signing import BadSignature, verify

SETTLED = {DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED, DeliveryStatus.MISSED}
SNOOZE_KEYS = occurrence_key("%", "snooze:%")
"""A LIKE pattern matching the subject key of every snoozed reminder."""
REPLACED = "replaced by a later snooze"
UNDONE = "the snooze was undone"
TONIGHT = NUDGE_TIME
NEXT_MORNING = time(8, 0)


def delivery_out(delivery: Delivery, channel_label: str, tap: ActLink | None = None) -> schemas.DeliveryOut:
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
    ) -> tuple[Sequence[tuple[Delivery, str, ActLink | None]], int]:
        """One page of the participant's own deliveries, newest due time first, with channel labels and the
        latest answer given through each one's link."""
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
        page = list(rows.tuples())
        taps: dict[UUID, ActLink] = {}
        if page:
            for link in await self.session.scalars(
                select(ActLink)
                .where(
                    ActLink.delivery_id.in_([delivery.id for delivery, _ in page]),
                    ActLink.answered_at.is_not(None),
                )
                .order_by(ActLink.answered_at)
            ):
                taps[link.delivery_id] = link  # the latest wins
        return [(delivery, label, taps.get(delivery.id)) for delivery, label in page], total or 0

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

    async def would_snooze(self, token: str, choice: schemas.SnoozeChoice | None) -> schemas.SnoozeOut:
        """What `snooze` would do, changing nothing: a GET of an old snooze link (scanners open links)."""
        occurrence, action, person, checked_in = await self._snooze_subject(token, choice)
        if choice is None:
            raise InvalidInput("for", "choose 15m, 1h or tonight", status_code=400)
        return schemas.SnoozeOut(
            occurrence_id=occurrence.id,
            key_action_title=action.title,
            choice=choice,
            remind_at=None if checked_in else self.snooze_until(choice, ZoneInfo(person.time_zone)),
            time_zone=person.time_zone,
            already_checked_in=checked_in,
        )

    async def snooze(self, token: str, choice: schemas.SnoozeChoice | None) -> schemas.SnoozeOut:
        """Queue the reminder again (to the channels that take reminders), once per link and choice."""
        occurrence, action, person, checked_in = await self._snooze_subject(token, choice)
        if choice is None:
            raise InvalidInput("for", "choose 15m, 1h or tonight", status_code=400)
        out = schemas.SnoozeOut(
            occurrence_id=occurrence.id,
            key_action_title=action.title,
            choice=choice,
            remind_at=None,
            time_zone=person.time_zone,
            already_checked_in=checked_in,
        )
        if checked_in:
            return out
        out.remind_at = await self.snooze_occurrence(
            occurrence,
            action,
            person,
            choice,
            key_suffix=f"snooze:{token_digest(token)}:{choice.value}",
            snoozed_from=occurrence.due_at.isoformat(),
        )
        return out

    async def _snooze_subject(
        self, token: str, choice: schemas.SnoozeChoice | None
    ) -> tuple[Occurrence, KeyAction, Participant, bool]:
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
        return occurrence, action, person, bool(checked_in)

    async def snooze_occurrence(
        self,
        occurrence: Occurrence,
        action: KeyAction,
        person: Participant,
        choice: schemas.SnoozeChoice,
        *,
        key_suffix: str,
        snoozed_from: str,
    ) -> datetime | None:
        """Queue the occurrence's reminder again for later, under `occurrence:<id>:<key_suffix>` (once per
        key), replacing what was waiting: earlier snoozes, and reminders due before the new time. Returns
        when it comes (after quiet hours), or None when no channel takes reminders."""
        until = self.snooze_until(choice, ZoneInfo(person.time_zone))
        key = occurrence_key(occurrence.id, key_suffix)
        await self.session.execute(
            update(Delivery)
            .where(
                Delivery.occurrence_id == occurrence.id,
                Delivery.event == Event.REMINDER_DUE,
                Delivery.status.in_(WAITING),
                Delivery.subject_key != key,
                or_(Delivery.subject_key.like(SNOOZE_KEYS), Delivery.next_attempt_at <= until),
            )
            .values(status=DeliveryStatus.SKIPPED, last_error=REPLACED, lease_owner=None, updated_at=self.now)
            .execution_options(synchronize_session=False)
        )
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
                source=key_suffix.replace(":", "-")[:60],
                snoozed_from=snoozed_from,
            ),
            due_at=until,
            occurrence_id=occurrence.id,
        )
        comes: datetime | None = await self.session.scalar(
            select(func.min(Delivery.due_at)).where(
                Delivery.event == Event.REMINDER_DUE, Delivery.subject_key == key
            )
        )
        return comes

    async def drop_snoozes(self, occurrence_id: UUID, key_prefix: str) -> int:
        """Undoing a snooze: its reminders, still waiting, are not sent."""
        result = await self.session.execute(
            update(Delivery)
            .where(
                Delivery.occurrence_id == occurrence_id,
                Delivery.event == Event.REMINDER_DUE,
                Delivery.status.in_(WAITING),
                Delivery.subject_key.like(occurrence_key(occurrence_id, f"{key_prefix}%")),
            )
            .values(status=DeliveryStatus.SKIPPED, last_error=UNDONE, lease_owner=None, updated_at=self.now)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)
