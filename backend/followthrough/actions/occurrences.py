"""Materialising occurrences: the rows that agendas, check-ins, progress and reminders are built on.

Occurrences are derived from each active key action's schedule in the participant's current zone and
kept up to a horizon ahead of now. Rows in the past, and rows that already carry a check-in, are never
rewritten: a change of time zone or schedule moves only the future.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import cast
from uuid import UUID
from zoneinfo import ZoneInfo

import uuid_utils
from sqlalchemy import Table, delete, exists, inspect, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from followthrough.accounts.models import Participant
from followthrough.actions.models import KeyAction, Occurrence
from followthrough.actions.schedule import Schedule, occurrences_between
from followthrough.checkins.models import CheckIn
from followthrough.dialect import insert_ignoring_conflicts
from followthrough.enums import ActionStatus

# How far back a new action with a past start is filled in: enough for a year of history, bounded for
# hostile starts such as an hourly rule beginning decades ago.
BACKFILL_LIMIT = timedelta(days=400)
# Keeps each INSERT under SQLite's bound-parameter limit.
INSERT_BATCH = 500
# A stale action is extended this far past what was asked for. "Now" moves on with every request; without
# the slack every request would find every action a few seconds short and write to it.
REFRESH_SLACK = timedelta(days=7)


OCCURRENCE_TABLE = cast("Table", Occurrence.__table__)


def schedule_of(action: KeyAction) -> Schedule:
    return Schedule(kind=action.schedule_kind.value, starts_at=action.starts_at, rrule=action.rrule)


class OccurrenceService:
    def __init__(self, session: AsyncSession, now: datetime, horizon: timedelta) -> None:
        self.session = session
        self.now = now
        self.horizon = horizon

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
                .where(
                    KeyAction.participant_id == participant.id,
                    KeyAction.status == ActionStatus.ACTIVE,
                    or_(KeyAction.occurrences_until.is_(None), KeyAction.occurrences_until < until),
                )
                # Bulk updates elsewhere bypass the identity map; read what the database holds.
                .execution_options(populate_existing=True)
            )
        ).all()
        await self.materialise(stale, ZoneInfo(participant.time_zone), until + REFRESH_SLACK)

    async def materialise(self, actions: Sequence[KeyAction], zone: ZoneInfo, until: datetime) -> None:
        rows: list[dict[str, object]] = []
        extended: list[KeyAction] = []
        for action in actions:
            floor = self.now - BACKFILL_LIMIT
            start = max(action.occurrences_until or floor, floor)
            for occurrence in occurrences_between(schedule_of(action), zone, start, until):
                rows.append(
                    {
                        "id": _new_id(),
                        "participant_id": action.participant_id,
                        "key_action_id": action.id,
                        "due_at": occurrence.due_at,
                        "local_date": occurrence.local_date,
                        "week_start": occurrence.week_start,
                        "time_zone": zone.key,
                        "created_at": self.now,
                        "updated_at": self.now,
                    }
                )
            # Never backwards: rows already stored past `until` stay, and a later pass starts after them.
            if action.occurrences_until is None or action.occurrences_until < until:
                extended.append(action)
        for offset in range(0, len(rows), INSERT_BATCH):
            batch = rows[offset : offset + INSERT_BATCH]
            await self.session.execute(insert_ignoring_conflicts(self.session, OCCURRENCE_TABLE, batch))
        await self._mark_materialised(extended, until)

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

    async def drop_future(self, participant_id: UUID, action_ids: Sequence[UUID] | None = None) -> None:
        """Remove future occurrences that nobody checked in on, and mark their actions for re-materialising
        from now."""
        checked_in = exists().where(CheckIn.occurrence_id == Occurrence.id)
        statement = delete(Occurrence).where(
            Occurrence.participant_id == participant_id, Occurrence.due_at > self.now, ~checked_in
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

    async def reschedule(self, participant: Participant, action_ids: Sequence[UUID] | None = None) -> None:
        """After a change of zone or schedule: the future follows the new rules, the past stays."""
        await self.drop_future(participant.id, action_ids)
        await self.ensure_for_participant(participant)


def _new_id() -> UUID:
    return UUID(bytes=uuid_utils.uuid7().bytes)
