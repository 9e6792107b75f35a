"""Answering a message where it arrives: show what a link is about (changing nothing), act once, undo.

The token is the permission; no sign-in. Every answer is idempotent: the same POST again answers the same,
and a check-in is made through the check-in service with a client id, so a replay stores one. A check-in
cancels the occurrence's waiting reminders (the check-in service does that); a snooze replaces earlier ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from followthrough.actions import KeyAction, Occurrence
from followthrough.actlinks import schemas
from followthrough.actlinks.models import ActLink, ActPurpose
from followthrough.actlinks.schemas import RESULTS, SNOOZES, ActChoice
from followthrough.actlinks.tokens import token_hash, well_formed
from followthrough.checkins import CheckIn, CheckInCreate, CheckInService, forget_check_in, hold_write_lock
from followthrough.context import ContextBound, RequestContext
from followthrough.deliveries import WAITING, Delivery, restore_reminders
from followthrough.enums import DeliveryStatus, Event
from followthrough.errors import Conflict, DomainError, Gone, InvalidInput, NotFound
from followthrough.identity import Participant
from followthrough.localtime import local_today
from followthrough.partners import ONE_TAP_MESSAGES, Encouragement, EncouragementService, Partnership
from followthrough.reminders import SnoozeService

UNDO_WINDOW = timedelta(minutes=10)
CHOICE_WORDS = {
    ActChoice.DONE: "Done",
    ActChoice.PARTLY: "Partly",
    ActChoice.NOT_DONE: "Not done",
    ActChoice.SKIPPED: "Skipped",
    ActChoice.SNOOZE_15M: "Snooze 15 min",
    ActChoice.SNOOZE_1H: "Snooze 1 h",
    ActChoice.SNOOZE_TONIGHT: "Snooze until tonight",
    ActChoice.ENCOURAGE: "Encourage",
}
REMINDER_CHOICES = [*RESULTS, *SNOOZES]


class LinkNotValid(NotFound):
    """Unknown, tampered, malformed, or about something deleted since: all answer alike."""

    def __init__(self) -> None:
        # A sentence of its own, shown on the page the link opens, rather than NotFound's "link not found".
        DomainError.__init__(self, "This link is not valid.")


class LinkGone(Gone):
    def __init__(self, message: str = "This link has expired.") -> None:
        super().__init__(message)


@dataclass
class Acted:
    """An answer's view, and whose remembered reads (Today) it made stale."""

    view: schemas.ActLinkOut
    touched: set[UUID]


class ActLinkService(ContextBound):
    def __init__(
        self,
        context: RequestContext,
        check_ins: CheckInService,
        snoozes: SnoozeService,
        encouragements: EncouragementService,
    ) -> None:
        super().__init__(context)
        self.check_ins = check_ins
        self.snoozes = snoozes
        self.encouragements = encouragements

    # --- reading

    async def find(self, token: str, *, for_update: bool = False) -> ActLink:
        if not well_formed(token):
            raise LinkNotValid
        query = select(ActLink).where(ActLink.token_hash == token_hash(token))
        if for_update:
            # PostgreSQL: one answer per link at a time (SQLite: the write lock already serialises).
            query = query.with_for_update()
        link = await self.session.scalar(query.execution_options(populate_existing=True))
        if link is None:
            raise LinkNotValid
        return link

    async def show(self, token: str) -> schemas.ActLinkOut:
        """What the link is about and whether it was answered. Changes nothing."""
        link = await self.find(token)
        view = await self._view(link)
        if view.state is schemas.ActState.OPEN and self.now >= link.expires_at:
            raise LinkGone
        return view

    async def _view(self, link: ActLink) -> schemas.ActLinkOut:
        if link.purpose is ActPurpose.ENCOURAGE:
            return await self._encourage_view(link)
        return await self._reminder_view(link)

    async def _reminder_subject(self, link: ActLink) -> tuple[Occurrence, KeyAction, Participant]:
        row = (
            await self.session.execute(
                select(Occurrence, KeyAction, Participant)
                .join(KeyAction, KeyAction.id == Occurrence.key_action_id)
                .join(Participant, Participant.id == Occurrence.participant_id)
                .where(Occurrence.id == link.occurrence_id)
            )
        ).first()
        if row is None:  # the foreign keys delete the link with its occurrence; kept for safety
            raise LinkNotValid
        return row._tuple()

    async def _reminder_view(self, link: ActLink) -> schemas.ActLinkOut:
        occurrence, action, person = await self._reminder_subject(link)
        check_in = await self.session.scalar(
            select(CheckIn)
            .where(CheckIn.occurrence_id == occurrence.id)
            .execution_options(populate_existing=True)
        )
        answer: schemas.ActAnswerOut | None = None
        if check_in is not None:
            ours = check_in.id == link.check_in_id and link.answered_at is not None
            answer = schemas.ActAnswerOut(
                choice=check_in.result.value,
                at=link.answered_at if ours and link.answered_at else check_in.checked_in_at,
                undo_until=self._undo_until(link) if ours else None,
                snoozed_until=None,
                # A note written in the app stays there: a forwarded link must not show it.
                note=check_in.note if ours else None,
            )
        elif link.choice in SNOOZES and link.answered_at is not None:
            answer = schemas.ActAnswerOut(
                choice=str(link.choice),
                at=link.answered_at,
                undo_until=self._undo_until(link),
                snoozed_until=link.snoozed_until,
                note=None,
            )
        on_later_day = occurrence.local_date > local_today(person.time_zone, self.now)
        return schemas.ActLinkOut(
            purpose=ActPurpose.REMINDER,
            key_action_title=action.title,
            cue=action.cue,
            due_at=occurrence.due_at,
            time_zone=person.time_zone,
            person_name=None,
            choices=[] if check_in else [c for c in REMINDER_CHOICES if not (on_later_day and c in RESULTS)],
            state=schemas.ActState.OPEN if answer is None else schemas.ActState.ANSWERED,
            answer=answer,
        )

    async def _encourage_subject(self, link: ActLink) -> tuple[Partnership, Participant, Delivery]:
        row = (
            await self.session.execute(
                select(Partnership, Participant, Delivery)
                .join(Participant, Participant.id == Partnership.participant_id)
                .join(Delivery, Delivery.id == link.delivery_id)
                .where(Partnership.id == link.partnership_id)
            )
        ).first()
        if row is None:  # the partnership ended (its links go with it); kept for safety
            raise LinkNotValid
        return row._tuple()

    async def _encourage_view(self, link: ActLink) -> schemas.ActLinkOut:
        _, person, delivery = await self._encourage_subject(link)
        partner = await self.session.get_one(Participant, link.participant_id)
        answer: schemas.ActAnswerOut | None = None
        if link.encouragement_id is not None and link.answered_at is not None:
            item = await self.session.get(Encouragement, link.encouragement_id)
            answer = schemas.ActAnswerOut(
                choice=ActChoice.ENCOURAGE.value,
                at=link.answered_at,
                undo_until=self._undo_until(link),
                snoozed_until=None,
                note=None if item is None else item.message,
            )
        return schemas.ActLinkOut(
            purpose=ActPurpose.ENCOURAGE,
            key_action_title=ONE_TAP_MESSAGES[0],
            cue=None,
            due_at=delivery.due_at,
            time_zone=partner.time_zone,
            person_name=person.display_name,
            choices=[] if answer else [ActChoice.ENCOURAGE],
            state=schemas.ActState.OPEN if answer is None else schemas.ActState.ANSWERED,
            answer=answer,
        )

    def _undo_until(self, link: ActLink) -> datetime | None:
        if link.answered_at is None:
            return None
        until = link.answered_at + UNDO_WINDOW
        return until if until > self.now else None

    # --- acting

    async def answer(self, token: str, data: schemas.ActAnswerIn) -> Acted:
        """Act once: a replay answers the same; another answer after a check-in is a 409 on `choice`."""
        await hold_write_lock(self.session)
        link = await self.find(token, for_update=True)
        if link.purpose is ActPurpose.ENCOURAGE:
            touched = await self._encourage(link, data)
        else:
            touched = await self._answer_reminder(link, data)
        await self.session.flush()
        return Acted(await self._view(link), touched)

    def _still_open(self, link: ActLink) -> None:
        if self.now >= link.expires_at:
            raise LinkGone

    async def _answer_reminder(self, link: ActLink, data: schemas.ActAnswerIn) -> set[UUID]:
        occurrence, action, person = await self._reminder_subject(link)
        if data.choice not in RESULTS and data.choice not in SNOOZES:
            raise InvalidInput("choice", "this link answers a reminder: a check-in result or a snooze")
        if data.message is not None:
            raise InvalidInput("message", "only for encourage links")
        existing = await self.session.scalar(select(CheckIn).where(CheckIn.occurrence_id == occurrence.id))
        if existing is not None:
            # Answered already, here or in the app: nothing more to do, but another result is a conflict.
            if existing.id == link.check_in_id and data.choice in RESULTS and link.choice != data.choice:
                said = CHOICE_WORDS[ActChoice(str(link.choice))]
                raise Conflict("choice", f"already answered: {said}; undo it first")
            return set()
        self._still_open(link)
        if data.choice in RESULTS:
            if occurrence.local_date > local_today(person.time_zone, self.now):
                raise InvalidInput(
                    "choice", "the key action is due on a later day; check in once its day has come"
                )
            check_in, _ = await self.check_ins.record(
                person,
                CheckInCreate(
                    id=data.id or uuid4(),
                    key_action_id=action.id,
                    occurrence_at=occurrence.due_at,
                    result=RESULTS[data.choice],
                    note=data.note,
                    measure_value=data.measure_value,
                ),
            )
            self._record(link, data.choice)
            link.check_in_id = check_in.id
            return {person.id}
        if data.note is not None or data.measure_value is not None:
            field = "note" if data.note is not None else "measureValue"
            raise InvalidInput(field, "only with a check-in result, not with a snooze")
        if link.choice == data.choice.value and link.snoozed_until is not None:
            return set()  # the same snooze again
        deliveries = self.snoozes
        tapped = await self.session.get_one(Delivery, link.delivery_id)
        first_due = (tapped.payload or {}).get("snoozedFrom") or tapped.due_at.isoformat()
        until = await deliveries.snooze_occurrence(
            occurrence,
            action,
            person,
            SNOOZES[data.choice],
            key_suffix=f"{self._snooze_prefix(link)}{data.choice.value}:{self.now:%Y%m%dT%H%M%S}",
            snoozed_from=str(first_due),
        )
        self._record(link, data.choice)
        link.snoozed_until = until or deliveries.snooze_until(
            SNOOZES[data.choice], ZoneInfo(person.time_zone)
        )
        return {person.id}

    @staticmethod
    def _snooze_prefix(link: ActLink) -> str:
        return f"snooze:{link.id.hex[:12]}:"

    def _record(self, link: ActLink, choice: ActChoice) -> None:
        link.choice = choice.value
        link.answered_at = self.now
        link.check_in_id = None
        link.snoozed_until = None
        link.updated_at = self.now

    async def _encourage(self, link: ActLink, data: schemas.ActAnswerIn) -> set[UUID]:
        if data.choice is not ActChoice.ENCOURAGE:
            raise InvalidInput("choice", "this link sends encouragement: choose encourage")
        for field, value in (("note", data.note), ("measureValue", data.measure_value), ("id", data.id)):
            if value is not None:
                raise InvalidInput(field, "only for reminder links")
        if link.encouragement_id is not None:
            return set()  # posted already: a replay
        self._still_open(link)
        partnership, person, _ = await self._encourage_subject(link)
        message = (data.message or ONE_TAP_MESSAGES[0]).strip()
        item = await self.encouragements.post_once(partnership, message, nonce=link.id.hex)
        if item is None:  # posted meanwhile through this link (its nonce): read what it posted
            item = await self.session.scalar(
                select(Encouragement).where(Encouragement.link_nonce == link.id.hex)
            )
        self._record(link, ActChoice.ENCOURAGE)
        link.encouragement_id = None if item is None else item.id
        return {person.id, link.participant_id}

    async def undo(self, token: str) -> Acted:
        """Take the answer back within 10 minutes: the check-in is removed (and the reminders it cancelled
        that are still ahead wait again), the snooze is not sent, the encouragement is withdrawn."""
        await hold_write_lock(self.session)
        link = await self.find(token, for_update=True)
        if link.answered_at is None:
            return Acted(await self._view(link), set())  # nothing to undo (or undone already)
        if self.now >= link.answered_at + UNDO_WINDOW:
            raise LinkGone("Undo is possible for 10 minutes after answering; that time has passed.")
        touched = {link.participant_id}
        if link.check_in_id is not None and link.occurrence_id is not None:
            check_in = await self.session.get(CheckIn, link.check_in_id)
            if check_in is not None:
                # Undone here as in the app: the id is kept, so a stale retry cannot bring it back.
                await forget_check_in(self.session, check_in, self.now)
            await restore_reminders(self.session, link.occurrence_id, self.now)
        if link.snoozed_until is not None and link.occurrence_id is not None:
            await self.snoozes.drop_snoozes(link.occurrence_id, self._snooze_prefix(link))
        if link.encouragement_id is not None:
            item = await self.session.get(Encouragement, link.encouragement_id)
            if item is not None:
                touched.add(item.participant_id)
                await self._withdraw(item)
        link.choice = None
        link.answered_at = None
        link.check_in_id = None
        link.snoozed_until = None
        link.encouragement_id = None
        link.updated_at = self.now
        await self.session.flush()
        return Acted(await self._view(link), touched)

    async def _withdraw(self, item: Encouragement) -> None:
        await self.session.execute(
            update(Delivery)
            .where(
                Delivery.event == Event.ENCOURAGEMENT_RECEIVED,
                Delivery.subject_key == f"encouragement:{item.id}",
                Delivery.status.in_(WAITING),
            )
            .values(status=DeliveryStatus.SKIPPED, last_error="withdrawn", updated_at=self.now)
            .execution_options(synchronize_session=False)
        )
        await self.session.delete(item)
        await self.session.flush()
