"""Materialising occurrences: the rows that agendas, check-ins, progress and reminders are built on.

Occurrences are derived from each active key action's schedule in the participant's current zone and
kept up to a horizon ahead of now. Rows in the past, and rows that already carry a check-in, are never
rewritten: a change of time zone or schedule moves only the future.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol, cast, runtime_checkable
from uuid import UUID
from zoneinfo import ZoneInfo

import uuid_utils
from sqlalchemy import ColumnElement, Table, bindparam, delete, inspect, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.orm.attributes import set_committed_value

from followthrough.actions import schedule as schedules
from followthrough.actions.models import KeyAction, Occurrence
from followthrough.actions.schedule import Schedule, latest_occurrences_before, occurrences_between
from followthrough.context import ContextBound, RequestContext
from followthrough.dialect import insert_ignoring_conflicts
from followthrough.enums import ActionStatus
from followthrough.errors import InvalidInput
from followthrough.identity import Participant

# How far back a new action with a past start is filled in: enough for a year of history, bounded for
# hostile starts such as an hourly rule beginning decades ago.
BACKFILL_LIMIT = timedelta(days=400)
# ... and at most this many past occurrences (a year of a daily action), fewer when the future part of the
# pass leaves less room under PASS_OCCURRENCES.
BACKFILL_OCCURRENCES = 400
# The most future occurrences one pass stores for an action: ten days of an hourly rule, the whole horizon
# of anything due at most six times a day. Where storage stopped is recorded in `occurrences_until`, and the
# next pass (the next request, or the worker, which wants eight days ahead for reminders) carries on there.
FUTURE_OCCURRENCES = 240
# The most one pass stores for an action, past and future together: what it costs is a number of rows, and
# this many keep a request well inside its time whatever the rule (docs/performance.md, issue 11).
PASS_OCCURRENCES = 480
# The most occurrences a listing returns, stored and projected together (a year of a daily action).
MAX_LISTED = 400
# A stale action is extended this far past what was asked for. "Now" moves on with every request; without
# the slack every request would find every action a few seconds short and write to it.
REFRESH_SLACK = timedelta(days=7)


OCCURRENCE_TABLE = cast("Table", Occurrence.__table__)
_COLUMNS = ("id", "participant_id", "key_action_id", "due_at", "local_date", "week_start", "time_zone")
_STAMPS = ("created_at", "updated_at")
# One statement sent with many parameter sets: compiling a multi-row VALUES list costs far more than the
# insert itself. The parameters are renamed because SQLAlchemy keeps column names for its own.
_INSERT_VALUES = [
    {name: bindparam(f"v_{name}", type_=OCCURRENCE_TABLE.c[name].type) for name in _COLUMNS + _STAMPS}
]


@runtime_checkable  # Litestar checks what a dependency provides against its type
class KeptOccurrences(Protocol):
    """Which future occurrences outlive a change of schedule, zone or status: those something was recorded on
    (a check-in). What refers to an occurrence lives in layers above this one, so they say it, as a condition
    on the occurrence's id (`checkins.has_check_in`, which composition hands to the key-action endpoints)."""

    def __call__(self, occurrence_id: InstrumentedAttribute[UUID], /) -> ColumnElement[bool]: ...


def schedule_of(action: KeyAction) -> Schedule:
    return Schedule(kind=action.schedule_kind.value, starts_at=action.starts_at, rrule=action.rrule)


def stale_actions(
    participant_id: UUID | ColumnElement[UUID], until: datetime | ColumnElement[datetime]
) -> list[ColumnElement[bool]]:
    """The key actions `ensure_for_participant` extends: active ones not materialised to `until`. A request
    that reads much else anyway can ask whether any exist in the same statement, and call it only then."""
    return [
        KeyAction.participant_id == participant_id,
        KeyAction.status == ActionStatus.ACTIVE,
        or_(KeyAction.occurrences_until.is_(None), KeyAction.occurrences_until < until),
    ]


def start_of_local_day(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone).astimezone(UTC)


class OccurrenceService(ContextBound):
    def __init__(self, context: RequestContext) -> None:
        super().__init__(context)
        self.horizon = timedelta(days=context.settings.occurrence_horizon_days)

    @property
    def until(self) -> datetime:
        return self.now + self.horizon

    async def ensure_for_participant(self, participant: Participant, until: datetime | None = None) -> None:
        """Extend every active action of one participant to at least `until` (default: the horizon); one
        query when nothing is stale, which is the common case: a stale action is extended a week further
        than asked, so the next week of requests finds nothing to do."""
        until = until or self.until
        stale = (
            await self.session.scalars(
                select(KeyAction)
                .where(*stale_actions(participant.id, until))
                # Bulk updates elsewhere bypass the identity map; read what the database holds.
                .execution_options(populate_existing=True)
            )
        ).all()
        await self.materialise(stale, ZoneInfo(participant.time_zone), until + REFRESH_SLACK)

    async def materialise(self, actions: Sequence[KeyAction], zone: ZoneInfo, until: datetime) -> None:
        """Store each action's occurrences from where it was materialised to (or from the backfill floor)
        towards `until`: at most FUTURE_OCCURRENCES from now on, and PASS_OCCURRENCES in all. An action cut
        short is marked as materialised to just after its last stored occurrence, so the next pass goes on
        from there without a gap."""
        rows: list[dict[str, object]] = []
        reached: dict[KeyAction, datetime] = {}
        for action in actions:
            floor = self.now - BACKFILL_LIMIT
            start = max(action.occurrences_until or floor, floor)
            schedule = schedule_of(action)
            future = occurrences_between(schedule, zone, max(start, self.now), until, FUTURE_OCCURRENCES)
            past = []
            if start < self.now:
                room = min(BACKFILL_OCCURRENCES, PASS_OCCURRENCES - len(future))
                past = latest_occurrences_before(schedule, zone, start, self.now, room)
            for occurrence in past + future:
                rows.append(
                    {
                        "v_id": _new_id(),
                        "v_participant_id": action.participant_id,
                        "v_key_action_id": action.id,
                        "v_due_at": occurrence.due_at,
                        "v_local_date": occurrence.local_date,
                        "v_week_start": occurrence.week_start,
                        "v_time_zone": zone.key,
                        "v_created_at": self.now,
                        "v_updated_at": self.now,
                    }
                )
            stopped = until
            if len(future) == FUTURE_OCCURRENCES:
                stopped = future[-1].due_at + timedelta(microseconds=1)
            # Never backwards: rows already stored past `until` stay, and a later pass starts after them.
            if action.occurrences_until is None or action.occurrences_until < stopped:
                reached[action] = stopped
        if rows:
            statement = insert_ignoring_conflicts(self.session, OCCURRENCE_TABLE, _INSERT_VALUES)
            await self.session.execute(statement, rows)
        for stopped in set(reached.values()):
            await self._mark_materialised(
                [action for action in reached if reached[action] == stopped], stopped
            )

    def projected(
        self, action: KeyAction, zone: ZoneInfo, since: date, until: date
    ) -> list[schedules.Occurrence]:
        """The occurrences between two local dates (inclusive) that are not stored yet: those due from
        where the action is materialised to. More than MAX_LISTED is a 422 on `to`."""
        stored_until = action.occurrences_until
        if stored_until is None:
            return []
        # A day of slack on either side covers midnights that do not exist in the zone.
        start = max(stored_until, start_of_local_day(since, zone) - timedelta(days=1))
        end = start_of_local_day(until + timedelta(days=2), zone)
        if start >= end:
            return []
        window = occurrences_between(schedule_of(action), zone, start, end, MAX_LISTED + 1)
        found = [item for item in window if since <= item.local_date <= until]
        if len(found) > MAX_LISTED or (len(window) > MAX_LISTED and window[-1].local_date <= until):
            raise too_many_listed()
        return found

    async def _mark_materialised(self, actions: Sequence[KeyAction], until: datetime) -> None:
        """Record how far the actions are materialised. This is bookkeeping, not an edit by the participant:
        `updated_at` keeps its value (an ORM flush would set it to the wall clock)."""
        stored = [action for action in actions if inspect(action).persistent]
        for action in actions:
            if action not in stored:
                action.occurrences_until = until
        if stored:
            await self.session.execute(
                update(KeyAction)
                .where(KeyAction.id.in_([action.id for action in stored]))
                .values(occurrences_until=until, updated_at=KeyAction.updated_at)
                .execution_options(synchronize_session=False)
            )
            for action in stored:
                set_committed_value(action, "occurrences_until", until)
        if len(stored) < len(actions):
            await self.session.flush()

    async def drop_future(
        self, participant_id: UUID, kept: KeptOccurrences, action_ids: Sequence[UUID] | None = None
    ) -> None:
        """Remove future occurrences that are not `kept` (nobody checked in on them), and mark their actions
        for re-materialising from now."""
        statement = delete(Occurrence).where(
            Occurrence.participant_id == participant_id, Occurrence.due_at > self.now, ~kept(Occurrence.id)
        )
        reset = update(KeyAction).where(KeyAction.participant_id == participant_id)
        if action_ids is not None:
            statement = statement.where(Occurrence.key_action_id.in_(action_ids))
            reset = reset.where(KeyAction.id.in_(action_ids))
        await self.session.execute(statement.execution_options(synchronize_session=False))
        await self.session.execute(
            reset.values(occurrences_until=self.now, updated_at=KeyAction.updated_at).execution_options(
                synchronize_session=False
            )
        )

    async def reschedule(
        self, participant: Participant, kept: KeptOccurrences, action_ids: Sequence[UUID] | None = None
    ) -> None:
        """After a change of zone or schedule: the future follows the new rules, the past (and what is
        `kept`) stays."""
        await self.drop_future(participant.id, kept, action_ids)
        await self.ensure_for_participant(participant)


def too_many_listed() -> InvalidInput:
    return InvalidInput("to", f"the range holds more than {MAX_LISTED} occurrences; ask for a shorter one")


def _new_id() -> UUID:
    return UUID(bytes=uuid_utils.uuid7().bytes)
