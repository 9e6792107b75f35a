"""Snoozing a reminder from a signed link, and undoing a snooze."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, or_, select, update

from followthrough.actions import KeyAction, Occurrence
from followthrough.checkins import CheckIn
from followthrough.context import ContextBound
from followthrough.deliveries import (
    SNOOZE_KEYS,
    WAITING,
    Delivery,
    Enqueuer,
    local_instant,
    occurrence_key,
)
from followthrough.enums import DeliveryStatus, Event
from followthrough.errors import InvalidInput, MalformedInput, NotFound
from followthrough.identity import Participant
from followthrough.reminders import schemas
from followthrough.reminders.scheduler import NUDGE_TIME, reminder_payload, token_digest
from followthrough.signing import BadSignature, verify

REPLACED = "replaced by a later snooze"
UNDONE = "the snooze was undone"
TONIGHT = NUDGE_TIME
NEXT_MORNING = time(8, 0)


class SnoozeService(ContextBound):
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
            raise MalformedInput("for", "choose 15m, 1h or tonight")
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
            raise MalformedInput("for", "choose 15m, 1h or tonight")
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
            raise MalformedInput("for", "choose 15m, 1h or tonight")
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
