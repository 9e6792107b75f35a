"""Check-ins and weekly reviews.

A check-in reports on one materialised occurrence, named by (key action, due instant). Its id is made by the
client: the same request sent twice stores one row and answers the same result, while the same id with another
body is a conflict, and the id of a check-in that was undone is gone for good (410), so that a stale retry
cannot bring back what the participant took back. A weekly review stores its reflections and the week's
check-ins in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import partial
from uuid import UUID

from msgspec import UNSET
from sqlalchemy import ColumnElement, delete, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from followthrough.actions import KeyAction, Occurrence, OccurrenceService
from followthrough.checkins import recording, schemas, webhook_events
from followthrough.checkins.models import CheckIn, UndoneCheckIn
from followthrough.checkins.ranges import checked_span
from followthrough.context import ContextBound, RequestContext
from followthrough.deliveries import cancel_reminders
from followthrough.errors import Conflict, Gone, InvalidInput, NotFound
from followthrough.identity import Participant
from followthrough.localtime import local_today

UNDO_WINDOW = timedelta(days=1)

Recorded = tuple[CheckIn, Occurrence, bool]
"""A check-in, its occurrence, and whether this request created it (False for a replay)."""


def check_in_out(check_in: CheckIn, occurrence: Occurrence) -> schemas.CheckInOut:
    return schemas.CheckInOut(
        id=check_in.id,
        key_action_id=check_in.key_action_id,
        occurrence_at=occurrence.due_at,
        local_date=occurrence.local_date,
        result=check_in.result,
        note=check_in.note,
        measure_value=check_in.measure_value,
        checked_in_at=check_in.checked_in_at,
        updated_at=check_in.updated_at,
        weekly_review_id=check_in.weekly_review_id,
    )


def has_check_in(occurrence_id: InstrumentedAttribute[UUID]) -> ColumnElement[bool]:
    """Whether the occurrence has a check-in: such an occurrence stays when its key action's schedule, zone or
    status changes (`actions.KeptOccurrences`)."""
    return exists().where(CheckIn.occurrence_id == occurrence_id)


def writers_serialised(session: AsyncSession) -> bool:
    """Whether `hold_write_lock` makes a request the only writer: on SQLite nothing another request commits
    comes between what this one reads and what it writes; on PostgreSQL it may."""
    return session.get_bind().dialect.name == "sqlite"


async def hold_write_lock(session: AsyncSession) -> None:
    """Make the request's transaction real before reading what it will write.

    PostgreSQL needs nothing: its unique constraints settle races and a SAVEPOINT lets us recover. Python's
    sqlite3 driver only opens a transaction at the first INSERT/UPDATE/DELETE, so a SAVEPOINT issued before
    one becomes the outermost transaction and its RELEASE commits for good, even if the request later fails.
    Taking SQLite's write lock up front (BEGIN IMMEDIATE) keeps the request atomic and serialises the
    check-then-insert against other writers.
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    if not raw.driver_connection.in_transaction:  # type: ignore[union-attr]
        await connection.exec_driver_sql("BEGIN IMMEDIATE")


def undone_check_in(field: str, check_in_id: UUID) -> Gone:
    """The answer to a check-in id that was undone: final, so that an outbox drops it rather than retry."""
    return Gone(f"check-in {check_in_id} was undone; it is not stored again", field=field)


async def undone_among(session: AsyncSession, ids: Sequence[UUID]) -> set[UUID]:
    """Which of these check-in ids were undone, whoever owned them (a client id is unique across everyone)."""
    return set(await session.scalars(select(UndoneCheckIn.id).where(UndoneCheckIn.id.in_(ids))))


async def forget_check_in(session: AsyncSession, check_in: CheckIn, now: datetime) -> None:
    """Delete a check-in and keep its id as undone, in the same transaction: a request that no longer finds
    the check-in finds the id among the undone ones."""
    session.add(
        UndoneCheckIn(
            id=check_in.id,
            participant_id=check_in.participant_id,
            key_action_id=check_in.key_action_id,
            undone_at=now,
            created_at=now,
            updated_at=now,
        )
    )
    await session.delete(check_in)
    await session.flush()


def same_check_in(check_in: CheckIn, occurrence: Occurrence, data: schemas.CheckInCreate) -> bool:
    return (
        check_in.key_action_id == data.key_action_id
        and occurrence.due_at == data.occurrence_at
        and check_in.result == data.result
        and check_in.note == data.note
        and check_in.measure_value == data.measure_value
    )


class CheckInService(ContextBound):
    def __init__(self, context: RequestContext, occurrences: OccurrenceService) -> None:
        super().__init__(context)
        self.occurrences = occurrences

    async def record(
        self, participant: Participant, data: schemas.CheckInCreate, weekly_review_id: UUID | None = None
    ) -> tuple[CheckIn, bool]:
        """Store one check-in, or recognise a replay of one already stored."""
        [(check_in, _, created)] = await self.record_many(participant, [data], weekly_review_id)
        return check_in, created

    async def record_many(
        self,
        participant: Participant,
        items: Sequence[schemas.CheckInCreate],
        weekly_review_id: UUID | None = None,
        week: date | None = None,
    ) -> list[Recorded]:
        """Store several check-ins at once (all or none), each on an occurrence of `week` when it is given.

        With `week` (a weekly review), errors name `checkIns[i].field`; without it, a key action that is not
        the caller's is a 404.
        """
        if not items:
            return []
        await hold_write_lock(self.session)
        ensured = False
        for _ in range(2):
            findings = await self._find(participant, items)
            if findings.stale and not ensured:
                # Some key action's occurrences end before the horizon (days without a request): extend them,
                # then read again, as the requested occurrence may be among the new rows.
                await self.occurrences.ensure_for_participant(participant)
                ensured = True
                findings = await self._find(participant, items)
            planned = self._plan(participant, items, findings, weekly_review_id, week)
            new = [check_in for check_in, _, created in planned if created]
            if not new:
                return planned
            try:
                stored_ids = await recording.insert(self.session, new)
            except IntegrityError:
                # A key action or occurrence was deleted meanwhile (PostgreSQL only: SQLite's write lock
                # keeps deletions out), and the transaction is lost with it; sent again, it is answered.
                raise _stored_meanwhile(week) from None
            if len(stored_ids) < len(new):
                # Another request stored one of them (or one on the same occurrence) meanwhile: take back
                # what this one stored, and plan again against what that request stored.
                if stored_ids:
                    await self.session.execute(
                        delete(CheckIn)
                        .where(CheckIn.id.in_(stored_ids))
                        .execution_options(synchronize_session=False)
                    )
                continue
            if not writers_serialised(self.session):
                # An undo that committed after the read is seen now that these rows are written: it deleted
                # the row this insert would otherwise have collided with.
                await self._refuse_undone(new, items, week)
            await self._answered(participant, findings, planned)
            return planned
        raise _stored_meanwhile(week)

    async def _find(
        self, participant: Participant, items: Sequence[schemas.CheckInCreate]
    ) -> recording.Findings:
        return await recording.find(self.session, participant.id, items, self.occurrences.until)

    async def _answered(
        self, participant: Participant, findings: recording.Findings, planned: Sequence[Recorded]
    ) -> None:
        """What follows a check-in stored: nothing more is sent about its occurrence (reminders, snoozes,
        nudges), and webhooks hear of it. Each costs a statement only when there is something to do."""
        stored = [(check_in, occurrence) for check_in, occurrence, created in planned if created]
        waiting = {
            found.occurrence.id
            for found in findings.items
            if found.reminders_waiting and found.occurrence is not None
        }
        answered = {occurrence.id for _, occurrence in stored} & waiting
        await cancel_reminders(self.session, answered, self.now)
        await webhook_events.check_ins_recorded(
            self.session, participant, stored, self.now, findings.has_webhooks
        )

    async def _refuse_undone(
        self, new: Sequence[CheckIn], items: Sequence[schemas.CheckInCreate], week: date | None
    ) -> None:
        undone = await undone_among(self.session, [check_in.id for check_in in new])
        for index, item in enumerate(items):
            if item.id in undone:
                raise undone_check_in(_field(week, index, "id"), item.id)

    def _plan(
        self,
        participant: Participant,
        items: Sequence[schemas.CheckInCreate],
        findings: recording.Findings,
        weekly_review_id: UUID | None,
        week: date | None,
    ) -> list[Recorded]:
        today = local_today(participant.time_zone, self.now)
        seen_ids: set[UUID] = set()
        seen_occurrences: set[UUID] = set()
        planned: list[Recorded] = []
        for index, (item, found) in enumerate(zip(items, findings.items, strict=True)):
            field = partial(_field, week, index)
            if item.id in seen_ids:
                raise InvalidInput(field("id"), "appears twice in this request")
            seen_ids.add(item.id)
            if found.undone and found.stored is None:
                raise undone_check_in(field("id"), item.id)
            if found.stored is not None:
                check_in, occurrence = found.stored
                if check_in.participant_id != participant.id or not same_check_in(check_in, occurrence, item):
                    raise Conflict(field("id"), "a different check-in was already stored with this id")
                if week is not None and occurrence.week_start != week:
                    raise InvalidInput(field("occurrenceAt"), f"is not in the week starting {week}")
                seen_occurrences.add(occurrence.id)
                planned.append((check_in, occurrence, False))
                continue
            if not found.action_found:
                if week is None:
                    raise NotFound("key action")
                raise InvalidInput(field("keyActionId"), "no such key action")
            if found.occurrence is None:
                raise InvalidInput(field("occurrenceAt"), "not an occurrence of this key action")
            occurrence = found.occurrence
            if week is not None and occurrence.week_start != week:
                raise InvalidInput(field("occurrenceAt"), f"is not in the week starting {week}")
            if occurrence.local_date > today:
                raise InvalidInput(
                    field("occurrenceAt"), "is due on a later day; check in once its day has come"
                )
            if item.measure_value is not None and found.measure_unit is None:
                raise InvalidInput(field("measureValue"), "this key action has no measure")
            if found.taken or occurrence.id in seen_occurrences:
                raise Conflict(field("occurrenceAt"), "this occurrence already has a check-in; edit that one")
            seen_occurrences.add(occurrence.id)
            check_in = CheckIn(
                id=item.id,
                participant_id=participant.id,
                key_action_id=item.key_action_id,
                occurrence_id=occurrence.id,
                result=item.result,
                note=item.note,
                measure_value=item.measure_value,
                checked_in_at=self.now,
                weekly_review_id=weekly_review_id,
                created_at=self.now,
                updated_at=self.now,
            )
            planned.append((check_in, occurrence, True))
        return planned

    async def by_id(self, ids: Sequence[UUID]) -> dict[UUID, tuple[CheckIn, Occurrence]]:
        """Stored check-ins with these ids, whoever owns them: a client id is unique across everyone."""
        rows = await self.session.execute(
            select(CheckIn, Occurrence)
            .join(Occurrence, Occurrence.id == CheckIn.occurrence_id)
            .where(CheckIn.id.in_(ids))
            .execution_options(populate_existing=True)
        )
        return {check_in.id: (check_in, occurrence) for check_in, occurrence in rows.tuples()}

    async def get(self, participant: Participant, check_in_id: UUID) -> tuple[CheckIn, Occurrence]:
        row = (
            await self.session.execute(
                select(CheckIn, Occurrence)
                .join(Occurrence, Occurrence.id == CheckIn.occurrence_id)
                .where(CheckIn.id == check_in_id, CheckIn.participant_id == participant.id)
            )
        ).first()
        if row is None:
            raise NotFound("check-in")
        return row[0], row[1]

    async def page(
        self,
        participant: Participant,
        key_action_id: UUID | None = None,
        since: date | None = None,
        until: date | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[tuple[CheckIn, Occurrence]], int]:
        """Newest occurrence first, optionally of one key action and between two local dates (inclusive)."""
        checked_span(since, until, None)
        conditions = [CheckIn.participant_id == participant.id]
        if key_action_id is not None:
            conditions.append(CheckIn.key_action_id == key_action_id)
        if since is not None:
            conditions.append(Occurrence.local_date >= since)
        if until is not None:
            conditions.append(Occurrence.local_date <= until)
        base = (
            select(CheckIn, Occurrence)
            .join(Occurrence, Occurrence.id == CheckIn.occurrence_id)
            .where(*conditions)
        )
        total = await self.session.scalar(select(func.count()).select_from(base.subquery()))
        rows = await self.session.execute(
            base.order_by(Occurrence.due_at.desc(), CheckIn.id.desc()).limit(limit).offset(offset)
        )
        return [(check_in, occurrence) for check_in, occurrence in rows.tuples()], total or 0

    async def update(
        self, participant: Participant, check_in_id: UUID, data: schemas.CheckInUpdate
    ) -> tuple[CheckIn, Occurrence]:
        check_in, occurrence = await self.get(participant, check_in_id)
        if data.measure_value is not UNSET:
            if data.measure_value is not None:
                unit = await self.session.scalar(
                    select(KeyAction.measure_unit).where(
                        KeyAction.id == check_in.key_action_id, KeyAction.participant_id == participant.id
                    )
                )
                if unit is None:
                    raise InvalidInput("measureValue", "this key action has no measure")
            check_in.measure_value = data.measure_value
        if data.result is not UNSET:
            check_in.result = data.result
        if data.note is not UNSET:
            check_in.note = data.note
        check_in.updated_at = self.now
        await self.session.flush()
        return check_in, occurrence

    async def undo(self, participant: Participant, check_in_id: UUID) -> None:
        """Remove a check-in made within the last day; older ones stay and may only be edited. Its id is kept
        as undone: undoing it again changes nothing, and recording it again is a 410."""
        await hold_write_lock(self.session)
        # Locked, so that a second undo at the same moment waits for this one, then finds the id undone.
        found = await self.session.scalar(
            select(CheckIn)
            .where(CheckIn.id == check_in_id, CheckIn.participant_id == participant.id)
            .with_for_update()
        )
        if found is None:
            undone = await self.session.get(UndoneCheckIn, check_in_id)
            if undone is not None and undone.participant_id == participant.id:
                return  # a replay of the undo
            raise NotFound("check-in")
        if self.now - found.checked_in_at > UNDO_WINDOW:
            raise Conflict(
                "checkedInAt", "undo is possible within a day of checking in; edit the check-in instead"
            )
        await forget_check_in(self.session, found, self.now)


def _field(week: date | None, index: int, name: str) -> str:
    return name if week is None else f"checkIns[{index}].{name}"


def _stored_meanwhile(week: date | None) -> Conflict:
    return Conflict(
        _field(week, 0, "id"), "was being stored by another request at the same time; send it again"
    )
