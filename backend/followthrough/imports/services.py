"""Importing: a plan read from a file (`own_export`, `loop`) written in one transaction, or not at all.

Everything is checked before anything is written, and the write happens inside a savepoint: a file refused
halfway, or a dry run, leaves the account exactly as it was. What the first import of a file made is found
again on the next (`ImportRecord` for what the person edits afterwards; one check-in per occurrence and one
review per week for the rest), so importing the same file twice changes nothing.

Rows are made as the API makes them: a key action with its history and, while active, its occurrences from
now to the horizon; a check-in on its occurrence, stored first when the schedule did not store it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, cast
from uuid import UUID
from zoneinfo import ZoneInfo

import uuid_utils
from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError

from followthrough.actions import KeyAction, KeyActionStatusChange, Occurrence, OccurrenceService
from followthrough.barriers import Barrier, BarrierStatusChange
from followthrough.checkins import CheckIn, WeeklyReview, hold_write_lock
from followthrough.context import ContextBound, RequestContext
from followthrough.enums import ActionStatus
from followthrough.errors import Conflict, InvalidInput
from followthrough.identity import Participant
from followthrough.imports import schemas
from followthrough.imports.loop import read_loop_export
from followthrough.imports.models import ImportRecord
from followthrough.imports.own_export import read_account_export
from followthrough.imports.plan import (
    ImportFileError,
    ImportPlan,
    PlannedAction,
    PlannedBarrier,
    PlannedCheckIn,
    Stamps,
    StatusStep,
)
from followthrough.localtime import local_today, week_start_of
from followthrough.reflections import Reflection

OCCURRENCES = cast("Table", Occurrence.__table__)
CHECK_INS = cast("Table", CheckIn.__table__)
# Rows per INSERT: far below either database's limit on bound parameters.
BATCH = 2000


class ImportRefused(InvalidInput):
    """A file that cannot be imported; `field` says where (file, line and column, or the JSON path)."""

    def __init__(self, error: ImportFileError) -> None:
        super().__init__(error.where, error.message)


@dataclass
class _Counts:
    created: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, created: bool) -> None:
        counts = self.created if created else self.unchanged
        counts[kind] = counts.get(kind, 0) + 1

    def summary(self, settings_changed: bool, dry_run: bool) -> schemas.ImportSummary:
        return schemas.ImportSummary(
            created=schemas.ImportCounts(**self.created),
            unchanged=schemas.ImportCounts(**self.unchanged),
            settings_changed=settings_changed,
            dry_run=dry_run,
        )


def _new_id() -> UUID:
    return UUID(bytes=uuid_utils.uuid7().bytes)


class ImportService(ContextBound):
    def __init__(self, context: RequestContext, occurrences: OccurrenceService) -> None:
        super().__init__(context)
        self.occurrences = occurrences

    async def import_account_export(
        self, participant: Participant, document: schemas.AccountDocument, dry_run: bool = False
    ) -> schemas.ImportSummary:
        try:
            plan = read_account_export(document, local_today(participant.time_zone, self.now))
        except ImportFileError as error:
            raise ImportRefused(error) from None
        return await self.apply(participant, plan, dry_run)

    async def import_loop_export(
        self, participant: Participant, files: Mapping[str, str], dry_run: bool = False
    ) -> schemas.ImportSummary:
        try:
            plan = read_loop_export(files, local_today(participant.time_zone, self.now))
        except ImportFileError as error:
            raise ImportRefused(error) from None
        return await self.apply(participant, plan, dry_run)

    async def apply(self, participant: Participant, plan: ImportPlan, dry_run: bool) -> schemas.ImportSummary:
        await hold_write_lock(self.session)
        try:
            async with self.session.begin_nested() as savepoint:
                writer = _Writer(self, participant, plan)
                summary = await writer.write(dry_run)
                if dry_run:
                    await savepoint.rollback()
        except IntegrityError:
            # Only another import of the same file at the same moment collides with what this one writes.
            raise Conflict(
                "body", "another import for this account ran at the same time; import again"
            ) from None
        return summary


class _Writer:
    def __init__(self, service: ImportService, participant: Participant, plan: ImportPlan) -> None:
        self.session = service.session
        self.now = service.now
        self.occurrences = service.occurrences
        self.participant = participant
        self.zone = ZoneInfo(participant.time_zone)
        today = local_today(participant.time_zone, self.now)
        self.start_of_today = min(datetime.combine(today, time(0), self.zone).astimezone(UTC), self.now)
        self.plan = plan
        self.counts = _Counts()
        self.records: dict[str, ImportRecord] = {}
        self.alive: set[UUID] = set()
        self.made: dict[str, UUID] = {}

    async def write(self, dry_run: bool) -> schemas.ImportSummary:
        await self._load_records()
        settings_changed = self._preferences()
        # A flush after each kind: without ORM relationships, only the order of flushes orders the inserts
        # that refer to each other (a barrier to its reflection, a key action to its barrier).
        for stage in (self._reflections, self._barriers, self._reviews):
            await stage()
            await self.session.flush()
        new_active = await self._actions()
        await self.session.flush()
        for action in self.plan.actions:
            await self._check_ins(action)
        if new_active:
            await self.occurrences.materialise(new_active, self.zone, self.occurrences.until)
        await self.session.flush()
        return self.counts.summary(settings_changed, dry_run)

    async def _load_records(self) -> None:
        records = await self.session.scalars(
            select(ImportRecord).where(
                ImportRecord.participant_id == self.participant.id, ImportRecord.source == self.plan.source
            )
        )
        self.records = {record.external_key: record for record in records}
        for model in (Reflection, Barrier, KeyAction):
            ids = [
                record.entity_id for record in self.records.values() if record.entity == model.__tablename__
            ]
            for start in range(0, len(ids), BATCH):
                self.alive |= set(
                    await self.session.scalars(
                        select(model.id).where(
                            model.participant_id == self.participant.id,
                            model.id.in_(ids[start : start + BATCH]),
                        )
                    )
                )

    def _found(self, key: str) -> UUID | None:
        """What an earlier import made of `key`, if it is still there; a deleted one is made again."""
        record = self.records.get(key)
        if record is not None and record.entity_id in self.alive:
            self.made[key] = record.entity_id
            return record.entity_id
        return None

    def _remember(self, key: str, entity: str, entity_id: UUID) -> None:
        self.made[key] = entity_id
        record = self.records.get(key)
        if record is not None:
            record.entity, record.entity_id, record.updated_at = entity, entity_id, self.now
            return
        self.session.add(
            ImportRecord(
                participant_id=self.participant.id,
                source=self.plan.source,
                external_key=key,
                entity=entity,
                entity_id=entity_id,
                created_at=self.now,
                updated_at=self.now,
            )
        )

    def _stamps(self, stamps: Stamps) -> dict[str, datetime]:
        created = stamps.created_at or self.now
        return {"created_at": created, "updated_at": stamps.updated_at or created}

    def _preferences(self) -> bool:
        wanted = self.plan.preferences
        if wanted is None:
            return False
        participant = self.participant
        current = (
            participant.review_weekday,
            participant.review_time,
            participant.quiet_hours_start,
            participant.quiet_hours_end,
            participant.nudge_enabled,
        )
        new = (
            participant.review_weekday if wanted.review_weekday is None else wanted.review_weekday,
            participant.review_time if wanted.review_time is None else wanted.review_time,
            wanted.quiet_hours_start,
            wanted.quiet_hours_end,
            participant.nudge_enabled if wanted.nudge_enabled is None else wanted.nudge_enabled,
        )
        if current == new:
            return False
        (
            participant.review_weekday,
            participant.review_time,
            participant.quiet_hours_start,
            participant.quiet_hours_end,
            participant.nudge_enabled,
        ) = new
        return True

    async def _reflections(self) -> None:
        for planned in self.plan.reflections:
            if self._found(planned.key) is not None:
                self.counts.add("reflections", False)
                continue
            reflection = Reflection(
                id=_new_id(),
                participant_id=self.participant.id,
                reflected_on=planned.reflected_on,
                **planned.answers,
                **self._stamps(planned.stamps),
            )
            self.session.add(reflection)
            self._remember(planned.key, Reflection.__tablename__, reflection.id)
            self.counts.add("reflections", True)

    async def _barriers(self) -> None:
        for planned in self.plan.barriers:
            if self._found(planned.key) is not None:
                self.counts.add("barriers", False)
                continue
            stamps = self._stamps(planned.stamps)
            barrier = Barrier(
                id=_new_id(),
                participant_id=self.participant.id,
                title=planned.title,
                detail=planned.detail,
                level=planned.level,
                key_holder=planned.key_holder,
                key_holder_name=planned.key_holder_name,
                status=planned.status,
                status_changed_at=planned.status_changed_at or stamps["created_at"],
                resolved_at=planned.resolved_at,
                reflection_id=self.made.get(planned.reflection_key or ""),
                **stamps,
            )
            self.session.add(barrier)
            self._add_history(BarrierStatusChange, {"barrier_id": barrier.id}, planned, stamps["created_at"])
            self._remember(planned.key, Barrier.__tablename__, barrier.id)
            self.counts.add("barriers", True)

    def _add_history(
        self,
        model: type[BarrierStatusChange] | type[KeyActionStatusChange],
        owner: dict[str, UUID],
        planned: PlannedBarrier | PlannedAction,
        created_at: datetime,
    ) -> None:
        """A barrier's or key action's status changes as the file has them (or its first status)."""
        for step in planned.history or [_first_step(planned.status)]:
            changed_at = step.changed_at or created_at
            self.session.add(
                model(
                    participant_id=self.participant.id,
                    **owner,
                    from_status=step.from_status,
                    to_status=step.to_status,
                    reason=step.reason,
                    changed_at=changed_at,
                    **self._stamps(_or(step.stamps, changed_at)),
                )
            )

    async def _reviews(self) -> None:
        if not self.plan.reviews:
            return
        stored = {
            review.week_start: review.id
            for review in await self.session.scalars(
                select(WeeklyReview).where(WeeklyReview.participant_id == self.participant.id)
            )
        }
        for planned in self.plan.reviews:
            # One review per week: a week already reviewed here keeps its review, imported or typed in.
            existing = stored.get(planned.week_start)
            if existing is not None:
                self.made[planned.key] = existing
                self.counts.add("weekly_reviews", False)
                continue
            review = WeeklyReview(
                id=_new_id(),
                participant_id=self.participant.id,
                week_start=planned.week_start,
                moved=planned.moved,
                in_the_way=planned.in_the_way,
                next_step=planned.next_step,
                confidence=planned.confidence,
                submitted_at=planned.submitted_at,
                **self._stamps(planned.stamps),
            )
            self.session.add(review)
            self.made[planned.key] = review.id
            self.counts.add("weekly_reviews", True)

    async def _actions(self) -> list[KeyAction]:
        new_active: list[KeyAction] = []
        for planned in self.plan.actions:
            if self._found(planned.key) is not None:
                self.counts.add("key_actions", False)
                continue
            stamps = self._stamps(planned.stamps)
            action = KeyAction(
                id=_new_id(),
                participant_id=self.participant.id,
                barrier_id=self.made.get(planned.barrier_key or ""),
                title=planned.title,
                cue=planned.cue,
                key_holder=planned.key_holder,
                key_holder_name=planned.key_holder_name,
                own_part=planned.own_part,
                schedule_kind=planned.schedule_kind,
                starts_at=planned.starts_at,
                rrule=planned.rrule,
                reminder_offsets=planned.reminder_offsets,
                status=planned.status,
                status_reason=planned.status_reason,
                status_changed_at=planned.status_changed_at or stamps["created_at"],
                visibility=planned.visibility,
                measure_unit=planned.measure_unit,
                measure_target=planned.measure_target,
                # The past is what the file says; the schedule is stored from the start of the person's
                # today, so a habit due earlier today is on Today at once, as it would be if typed in.
                occurrences_until=self.start_of_today,
                **stamps,
            )
            self.session.add(action)
            owner = {"key_action_id": action.id}
            self._add_history(KeyActionStatusChange, owner, planned, stamps["created_at"])
            self._remember(planned.key, KeyAction.__tablename__, action.id)
            self.counts.add("key_actions", True)
            if planned.status is ActionStatus.ACTIVE:
                new_active.append(action)
        return new_active

    async def _check_ins(self, planned: PlannedAction) -> None:
        action_id = self.made[planned.key]
        stored: dict[datetime, tuple[UUID, bool]] = {}
        rows = await self.session.execute(
            select(Occurrence.id, Occurrence.due_at, CheckIn.id)
            .outerjoin(CheckIn, CheckIn.occurrence_id == Occurrence.id)
            .where(Occurrence.participant_id == self.participant.id, Occurrence.key_action_id == action_id)
        )
        for occurrence_id, due_at, check_in_id in rows.tuples():
            stored[due_at] = (occurrence_id, check_in_id is not None)
        occurrences: list[dict[str, Any]] = []
        check_ins: list[dict[str, Any]] = []
        for check_in in planned.check_ins:
            due_at, local_date = self._due(check_in, planned.day_time)
            found = stored.get(due_at)
            if found is not None and found[1]:
                self.counts.add("check_ins", False)
                continue
            if found is None:
                occurrence_id = _new_id()
                occurrences.append(
                    {
                        "id": occurrence_id,
                        "participant_id": self.participant.id,
                        "key_action_id": action_id,
                        "due_at": due_at,
                        "local_date": local_date,
                        "week_start": week_start_of(local_date),
                        "time_zone": self.zone.key,
                        "created_at": self.now,
                        "updated_at": self.now,
                    }
                )
                stored[due_at] = (occurrence_id, True)
            else:
                occurrence_id = found[0]
            stamps = self._stamps(check_in.stamps)
            check_ins.append(
                {
                    "id": _new_id(),
                    "participant_id": self.participant.id,
                    "key_action_id": action_id,
                    "occurrence_id": occurrence_id,
                    "result": check_in.result,
                    "note": check_in.note,
                    "measure_value": check_in.measure_value,
                    "checked_in_at": check_in.checked_in_at or min(due_at, self.now),
                    "weekly_review_id": self.made.get(check_in.review_key or ""),
                    **stamps,
                }
            )
            self.counts.add("check_ins", True)
        for table, values in ((OCCURRENCES, occurrences), (CHECK_INS, check_ins)):
            for start in range(0, len(values), BATCH):
                await self.session.execute(insert(table), values[start : start + BATCH])

    def _due(self, check_in: PlannedCheckIn, day_time: time | None) -> tuple[datetime, date]:
        if check_in.due_at is not None:
            return check_in.due_at, check_in.local_date
        wall = datetime.combine(check_in.local_date, day_time or time(12, 0))
        # fold=0 as the schedule does: a wall time in a spring-forward gap moves on by the gap's length.
        due_at = wall.replace(tzinfo=self.zone, fold=0).astimezone(UTC)
        return due_at, check_in.local_date


def _first_step(status: str) -> StatusStep:
    """A row made without a history gets the one creation gives it."""
    return StatusStep(None, status, None, None)


def _or(stamps: Stamps, at: datetime) -> Stamps:
    return Stamps(created_at=stamps.created_at or at, updated_at=stamps.updated_at or stamps.created_at or at)
