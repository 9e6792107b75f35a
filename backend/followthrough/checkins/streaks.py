"""Streaks, counted in the database in steps (local days for the account, a key action's occurrences), with a
checkpoint so that a request reads only the last weeks whatever the length of the history.

A streak is a question about all time (the best run may be years old), but old days seldom change. So the
steps before a date weeks back are *settled*: their best run and the run they end on are stored once in a
`StreakCheckpoint`, and each request counts the steps since that date and joins the two:

- no step since: the streak is the settled one;
- every step since kept: the settled run goes on through them;
- otherwise the current run is the recent one, and the best is the longest of the settled best, the settled
  run carried into the first recent steps, and the recent best.

The checkpoint is read inside the same query, and only while its date lies between SETTLE_AFTER and
SETTLED_FOR before today: otherwise (none yet, too old, or cleared) the query counts all history, as it did
before checkpoints, and the request stores a new checkpoint. Triggers clear a checkpoint whenever an
occurrence or a check-in on a settled day is written or removed (a back-dated check-in, an import, a deleted
key action), so a stored checkpoint always agrees with the rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import CTE, Select

from followthrough.actions import Occurrence
from followthrough.checkins import schemas
from followthrough.checkins.measures import of_actions
from followthrough.checkins.models import CheckIn, StreakCheckpoint
from followthrough.dialect import upserting
from followthrough.enums import CheckInResult

KEPT = (CheckInResult.DONE, CheckInResult.PARTLY)
EARLIEST_DATE = date(1900, 1, 1)
EARLIEST_INSTANT = datetime(1900, 1, 1, tzinfo=UTC)
"""Before any step: where a count with no checkpoint begins."""
SETTLE_AFTER = timedelta(days=28)
"""A new checkpoint settles the steps before this many days ago."""
SETTLED_FOR = timedelta(days=56)
"""A checkpoint serves until its date is this old; then a newer one is made."""
OLDEST_WINDOW = timedelta(days=2)
"""A checkpoint never reaches closer to today than this (a change of time zone can move "today" back a day):
today's and yesterday's occurrences are counted by each request, with the rules that depend on today."""


@dataclass(frozen=True)
class _Bound:
    """Where settled steps end: before a local date (account) or an instant (a key action's occurrences)."""

    local_date: date
    instant: datetime


def _scope(key_action_id: UUID | None, only: Collection[UUID] | None) -> str:
    if key_action_id is not None:
        return f"action:{key_action_id}"
    if only is None:
        return "account"
    digest = hashlib.sha256(",".join(sorted(str(action_id) for action_id in only)).encode()).hexdigest()
    return f"account:{digest[:32]}"


def _counted(
    participant_id: UUID,
    today: date,
    key_action_id: UUID | None,
    only: Collection[UUID] | None,
    since: ColumnElement[Any] | None,
    before: _Bound | None,
) -> CTE:
    """Occurrences that count and are not skipped, each with kept = 1 or 0; only those from `since` (a local
    date for the account, an instant for a key action) and before `before`, when given."""
    step_column = Occurrence.local_date if key_action_id is None else Occurrence.due_at
    query = (
        select(
            Occurrence.participant_id,
            Occurrence.key_action_id,
            Occurrence.local_date,
            Occurrence.due_at,
            case((CheckIn.result.in_(KEPT), 1), else_=0).label("kept"),
        )
        .select_from(Occurrence)
        .outerjoin(
            CheckIn,
            and_(CheckIn.occurrence_id == Occurrence.id, CheckIn.participant_id == participant_id),
        )
        .where(
            Occurrence.participant_id == participant_id,
            Occurrence.local_date <= today,
            or_(CheckIn.id.is_not(None), Occurrence.local_date < today),
            or_(CheckIn.result.is_(None), CheckIn.result != CheckInResult.SKIPPED),
        )
    )
    if since is not None:
        # Without a checkpoint `since` is null: every step counts.
        floor = EARLIEST_DATE if key_action_id is None else EARLIEST_INSTANT
        query = query.where(step_column >= func.coalesce(since, literal(floor, step_column.type)))
    if before is not None:
        query = query.where(step_column < (before.local_date if key_action_id is None else before.instant))
    return of_actions(query, Occurrence.key_action_id, key_action_id, only).cte("counted")


def _steps(counted: CTE, key_action_id: UUID | None) -> CTE:
    """A key action's steps are its occurrences in time order; the account's are local days, kept when
    every counted occurrence of the day was kept."""
    if key_action_id is not None:
        return select(counted.c.due_at.label("step"), counted.c.kept).cte("steps")
    return (
        select(counted.c.local_date.label("step"), func.min(counted.c.kept).label("kept"))
        .group_by(counted.c.local_date)
        .cte("steps")
    )


def _runs(steps: CTE) -> Select[Any]:
    """Gaps and islands over (step, kept): consecutive steps of equal `kept` share position - kept_position,
    so each run of kept steps is one group. One row whatever the steps: the current run (the kept run that
    ends at the last step), the best run, the leading run (the kept run that begins at the first step) and
    the number of steps; null without steps."""
    numbered = select(
        steps.c.kept,
        func.row_number().over(order_by=steps.c.step).label("position"),
        func.row_number().over(partition_by=steps.c.kept, order_by=steps.c.step).label("kept_position"),
    ).cte("numbered")
    runs = (
        select(
            numbered.c.kept,
            func.count().label("length"),
            func.min(numbered.c.position).label("first"),
            func.max(numbered.c.position).label("last"),
            func.max(func.max(numbered.c.position)).over().label("steps"),
        )
        .group_by(numbered.c.kept, numbered.c.position - numbered.c.kept_position)
        .cte("runs")
    )
    kept_run = runs.c.kept == 1
    return select(
        func.max(case((and_(kept_run, runs.c.last == runs.c.steps), runs.c.length), else_=0)),
        func.max(case((kept_run, runs.c.length), else_=0)),
        func.max(case((and_(kept_run, runs.c.first == 1), runs.c.length), else_=0)),
        func.max(runs.c.steps),
    )


def _joined(settled_best: int, settled_trailing: int, row: Any) -> schemas.Streak:
    """The settled streak followed by the recent steps' (current, best, leading, steps)."""
    current, best, leading, steps = (int(value or 0) for value in row)
    if steps == 0:
        return schemas.Streak(current=settled_trailing, best=settled_best)
    if leading == steps:
        carried = settled_trailing + steps
        return schemas.Streak(current=carried, best=max(settled_best, carried))
    return schemas.Streak(current=current, best=max(settled_best, settled_trailing + leading, best))


async def streak(
    session: AsyncSession,
    participant_id: UUID,
    time_zone: str,
    today: date,
    key_action_id: UUID | None = None,
    only: Collection[UUID] | None = None,
) -> schemas.Streak:
    """The account's streak (or, with `key_action_id`, that action's; with `only`, over those actions): one
    query, and two more when the checkpoint is (re)made."""
    scope = _scope(key_action_id, only)
    usable = select(StreakCheckpoint).where(
        StreakCheckpoint.participant_id == participant_id,
        StreakCheckpoint.scope == scope,
        StreakCheckpoint.settled_before.between(today - SETTLED_FOR, today - OLDEST_WINDOW),
    )
    checkpoint = usable.subquery("checkpoint")
    bound = checkpoint.c.settled_before if key_action_id is None else checkpoint.c.settled_before_at
    since = select(bound).scalar_subquery()
    recent = _runs(_steps(_counted(participant_id, today, key_action_id, only, since, None), key_action_id))
    settled = [
        select(column).scalar_subquery() for column in (bound, checkpoint.c.best, checkpoint.c.trailing)
    ]
    row = (await session.execute(recent.add_columns(*settled))).one()
    settled_before, settled_best, settled_trailing = row[4:]
    if settled_before is not None:
        return _joined(settled_best, settled_trailing, row[:4])
    # No usable checkpoint: `since` was null, so the query counted every step. Settle the older ones.
    result = _joined(0, 0, row[:4])
    await _settle(session, participant_id, time_zone, today, key_action_id, only, scope)
    return result


async def _settle(
    session: AsyncSession,
    participant_id: UUID,
    time_zone: str,
    today: date,
    key_action_id: UUID | None,
    only: Collection[UUID] | None,
    scope: str,
) -> None:
    """Store the streak of the steps before SETTLE_AFTER ago, counted and written by one statement, so that it
    reads the rows as they are when it is written (a trigger clears what a later change makes untrue)."""
    settled_before = today - SETTLE_AFTER
    instant = datetime.combine(settled_before, time(0), ZoneInfo(time_zone))
    bound = _Bound(settled_before, instant)
    counted = _counted(participant_id, today, key_action_id, only, None, bound)
    runs = _runs(_steps(counted, key_action_id)).subquery("settled")
    current, best = runs.c[0], runs.c[1]
    # SQLite reads `ON CONFLICT` after a bare SELECT as part of a join: the SELECT needs a WHERE.
    values = select(
        literal(participant_id, StreakCheckpoint.participant_id.type),
        literal(scope, StreakCheckpoint.scope.type),
        literal(settled_before, StreakCheckpoint.settled_before.type),
        literal(instant, StreakCheckpoint.settled_before_at.type),
        func.coalesce(best, 0),
        func.coalesce(current, 0),
    ).where(true())
    columns = ["participant_id", "scope", "settled_before", "settled_before_at", "best", "trailing"]
    await session.execute(upserting(session, StreakCheckpoint, columns, values, ["participant_id", "scope"]))
