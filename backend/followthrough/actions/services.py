"""Key actions: the commitments, their schedules, their status history and their occurrences.

Schedules are validated by `actions.schedule` and read in the participant's zone. Occurrences are materialised
by `OccurrenceService` in the same transaction as the change that causes them; past occurrences and those
with a check-in are never rewritten.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from msgspec import UNSET
from sqlalchemy import select

from followthrough.actions import schemas
from followthrough.actions.models import KeyAction, KeyActionStatusChange
from followthrough.actions.occurrences import KeptOccurrences, OccurrenceService, schedule_of
from followthrough.actions.schedule import (
    Schedule,
    ScheduleError,
    next_occurrence_after,
    validate_schedule,
)
from followthrough.barriers import Barrier, require_key_holder
from followthrough.context import ContextBound, RequestContext
from followthrough.enums import ActionStatus, KeyHolder, ScheduleKind, Visibility
from followthrough.errors import Conflict, InvalidInput
from followthrough.identity import Participant
from followthrough.ownership import delete_owned, get_owned, page_of
from followthrough.schemas import to_schema
from followthrough.text import stripped_or_none


def schedule_out(action: KeyAction) -> schemas.ScheduleIn:
    if action.schedule_kind is ScheduleKind.ONCE:
        return schemas.OnceSchedule(due_at=action.starts_at)
    return schemas.RecurringSchedule(starts_at=action.starts_at, rrule=action.rrule or "")


def measure_out(action: KeyAction) -> schemas.Measure | None:
    if action.measure_unit is None:
        return None
    return schemas.Measure(unit=action.measure_unit, target=action.measure_target)


def key_action_out(action: KeyAction, next_at: datetime | None = None) -> schemas.KeyActionOut:
    """The wire shape; `next_at` is its `nextOccurrenceAt`, from `next_due_at` (null if not given)."""
    return schemas.KeyActionOut(
        id=action.id,
        barrier_id=action.barrier_id,
        title=action.title,
        cue=action.cue,
        key_holder=action.key_holder,
        key_holder_name=action.key_holder_name,
        own_part=action.own_part,
        schedule=schedule_out(action),
        reminder_offsets=list(action.reminder_offsets),
        status=action.status,
        status_reason=action.status_reason,
        status_changed_at=action.status_changed_at,
        visibility=action.visibility,
        measure=measure_out(action),
        created_at=action.created_at,
        updated_at=action.updated_at,
        next_occurrence_at=next_at,
    )


def next_due_at(action: KeyAction, time_zone: str, now: datetime) -> datetime | None:
    """The first due instant after `now` while the action is active (its `nextOccurrenceAt`); else None."""
    if action.status is not ActionStatus.ACTIVE:
        return None
    upcoming = next_occurrence_after(schedule_of(action), ZoneInfo(time_zone), now)
    return None if upcoming is None else upcoming.due_at


def status_change_out(change: KeyActionStatusChange) -> schemas.KeyActionStatusChangeOut:
    return to_schema(change, schemas.KeyActionStatusChangeOut)


def _valid(data: schemas.ScheduleIn) -> Schedule:
    """The schedule, checked; a refusal names `schedule.<field>` and says why."""
    if isinstance(data, schemas.OnceSchedule):
        schedule = Schedule(kind="once", starts_at=data.due_at)
    else:
        schedule = Schedule(kind="recurring", starts_at=data.starts_at, rrule=data.rrule.strip())
    try:
        validate_schedule(schedule)
    except ScheduleError as error:
        raise InvalidInput(
            f"schedule.{error.field}", error.message.removeprefix(f"{error.field}: ")
        ) from error
    return schedule


def _reminders(offsets: Sequence[int]) -> list[int]:
    if len(set(offsets)) != len(offsets):
        raise InvalidInput("reminderOffsets", "lists the same offset twice")
    return sorted(offsets)


class KeyActionService(ContextBound):
    def __init__(
        self, context: RequestContext, occurrences: OccurrenceService, kept: KeptOccurrences
    ) -> None:
        super().__init__(context)
        self.occurrences = occurrences
        self.kept = kept
        """The future occurrences a change of schedule or status leaves in place."""

    async def create(self, participant: Participant, data: schemas.KeyActionCreate) -> KeyAction:
        """Store a key action, the first entry of its history and its occurrences up to the horizon."""
        zone = ZoneInfo(participant.time_zone)
        key_holder_name = stripped_or_none(data.key_holder_name)
        require_key_holder(data.key_holder, key_holder_name)
        reminders = _reminders(data.reminder_offsets)
        schedule = _valid(data.schedule)
        if data.barrier_id is not None:
            await self._require_barrier(participant, data.barrier_id)
        action = KeyAction(
            participant_id=participant.id,
            barrier_id=data.barrier_id,
            title=data.title.strip(),
            cue=stripped_or_none(data.cue),
            key_holder=data.key_holder,
            key_holder_name=key_holder_name,
            own_part=stripped_or_none(data.own_part),
            schedule_kind=ScheduleKind(schedule.kind),
            starts_at=schedule.starts_at,
            rrule=schedule.rrule,
            reminder_offsets=reminders,
            status=ActionStatus.ACTIVE,
            status_changed_at=self.now,
            visibility=data.visibility,
            measure_unit=None if data.measure is None else data.measure.unit.strip(),
            measure_target=None if data.measure is None else data.measure.target,
            created_at=self.now,
            updated_at=self.now,
        )
        self.session.add(action)
        await self.session.flush()
        self._record_status(action, None, ActionStatus.ACTIVE, None)
        await self.occurrences.materialise([action], zone, self.occurrences.until)
        return action

    async def _require_barrier(self, participant: Participant, barrier_id: UUID) -> None:
        # Someone else's barrier reads exactly like one that does not exist.
        found = await self.session.scalar(
            select(Barrier.id).where(Barrier.id == barrier_id, Barrier.participant_id == participant.id)
        )
        if found is None:
            raise InvalidInput("barrierId", "no such barrier")

    async def page(
        self,
        participant: Participant,
        status: ActionStatus | None = None,
        barrier_id: UUID | None = None,
        visibility: Visibility | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[Sequence[KeyAction], int]:
        """One page, newest first, and the number of key actions that match."""
        conditions = [KeyAction.participant_id == participant.id]
        if status is not None:
            conditions.append(KeyAction.status == status)
        if barrier_id is not None:
            conditions.append(KeyAction.barrier_id == barrier_id)
        if visibility is not None:
            conditions.append(KeyAction.visibility == visibility)
        newest_first = [KeyAction.created_at.desc(), KeyAction.id.desc()]
        return await page_of(self.session, KeyAction, conditions, newest_first, limit, offset)

    async def get(self, participant: Participant, key_action_id: UUID) -> KeyAction:
        return await get_owned(self.session, KeyAction, participant.id, key_action_id, "key action")

    def next_occurrence_at(self, participant: Participant, action: KeyAction) -> datetime | None:
        return next_due_at(action, participant.time_zone, self.now)

    def out(self, participant: Participant, action: KeyAction) -> schemas.KeyActionOut:
        return key_action_out(action, self.next_occurrence_at(participant, action))

    async def update(
        self, participant: Participant, key_action_id: UUID, data: schemas.KeyActionUpdate
    ) -> KeyAction:
        """Change any field but the status. A new schedule moves the future occurrences without a
        check-in; past ones and those with a check-in stay."""
        action = await self.get(participant, key_action_id)
        key_holder = action.key_holder if data.key_holder is UNSET else data.key_holder
        if data.key_holder_name is not UNSET:
            key_holder_name = stripped_or_none(data.key_holder_name)
        elif key_holder is KeyHolder.ME:
            key_holder_name = None
        else:
            key_holder_name = action.key_holder_name
        require_key_holder(key_holder, key_holder_name)
        reminders = None if data.reminder_offsets is UNSET else _reminders(data.reminder_offsets)
        schedule = None if data.schedule is UNSET else _valid(data.schedule)
        if data.barrier_id is not UNSET and data.barrier_id is not None:
            await self._require_barrier(participant, data.barrier_id)

        if data.title is not UNSET:
            action.title = data.title.strip()
        if data.barrier_id is not UNSET:
            action.barrier_id = data.barrier_id
        if data.cue is not UNSET:
            action.cue = stripped_or_none(data.cue)
        action.key_holder = key_holder
        action.key_holder_name = key_holder_name
        if data.own_part is not UNSET:
            action.own_part = stripped_or_none(data.own_part)
        if reminders is not None:
            action.reminder_offsets = reminders
        if data.visibility is not UNSET:
            action.visibility = data.visibility
        if data.measure is not UNSET:
            action.measure_unit = None if data.measure is None else data.measure.unit.strip()
            action.measure_target = None if data.measure is None else data.measure.target
        moved = schedule is not None and schedule != schedule_of(action)
        if schedule is not None and moved:
            action.schedule_kind = ScheduleKind(schedule.kind)
            action.starts_at = schedule.starts_at
            action.rrule = schedule.rrule
        action.updated_at = self.now
        await self.session.flush()
        if moved and action.status is ActionStatus.ACTIVE:
            await self.occurrences.reschedule(participant, self.kept, [action.id])
        return action

    async def delete(self, participant: Participant, key_action_id: UUID) -> None:
        """Its occurrences, check-ins and history go with it."""
        await delete_owned(self.session, KeyAction, participant.id, key_action_id, "key action")

    async def change_status(
        self, participant: Participant, key_action_id: UUID, data: schemas.StatusChange
    ) -> KeyAction:
        """Pause, finish, drop or resume, with the reason kept in the history. Leaving `active` removes
        the future occurrences nobody checked in on; resuming schedules them again from now."""
        action = await self.get(participant, key_action_id)
        if data.status == action.status:
            raise Conflict("status", f"the key action is already {action.status.value}")
        reason = stripped_or_none(data.reason)
        if data.status is not ActionStatus.ACTIVE and reason is None:
            raise InvalidInput("reason", f"say why the key action is {data.status.value}")
        self._record_status(action, action.status, data.status, reason)
        was_active = action.status is ActionStatus.ACTIVE
        action.status = data.status
        action.status_reason = reason
        action.status_changed_at = self.now
        action.updated_at = self.now
        await self.session.flush()
        if was_active:
            await self.occurrences.drop_future(participant.id, self.kept, [action.id])
        elif data.status is ActionStatus.ACTIVE:
            # Nothing is filled in for the time it was not active: materialising restarts from now.
            await self.occurrences.reschedule(participant, self.kept, [action.id])
        return action

    async def history(self, participant: Participant, key_action_id: UUID) -> list[KeyActionStatusChange]:
        """Status changes, oldest first, starting with the creation (from no status to active)."""
        await self.get(participant, key_action_id)
        return list(
            await self.session.scalars(
                select(KeyActionStatusChange)
                .where(
                    KeyActionStatusChange.participant_id == participant.id,
                    KeyActionStatusChange.key_action_id == key_action_id,
                )
                .order_by(KeyActionStatusChange.changed_at, KeyActionStatusChange.id)
            )
        )

    def _record_status(
        self, action: KeyAction, from_status: ActionStatus | None, to_status: ActionStatus, reason: str | None
    ) -> None:
        self.session.add(
            KeyActionStatusChange(
                participant_id=action.participant_id,
                key_action_id=action.id,
                from_status=from_status,
                to_status=to_status,
                reason=reason,
                changed_at=self.now,
                created_at=self.now,
                updated_at=self.now,
            )
        )
