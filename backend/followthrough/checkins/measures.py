"""Outcome measures over time, and the narrowing every progress query shares.

A key action with a measure (a unit and an optional weekly target) sums its check-ins' measure values: in
total, and per local week for the last 12 weeks (the same weeks as the completion rates).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from followthrough.actions import KeyAction, Occurrence
from followthrough.checkins import schemas
from followthrough.checkins.models import CheckIn
from followthrough.checkins.ranges import recent_week_starts

Query = TypeVar("Query", bound=Select[Any])


def of_actions(
    query: Query,
    action_id: InstrumentedAttribute[UUID],
    key_action_id: UUID | None,
    only: Collection[UUID] | None,
) -> Query:
    """`query` narrowed to one key action and/or to the key actions in `only`, matched on `action_id`."""
    if key_action_id is not None:
        query = query.where(action_id == key_action_id)
    if only is not None:
        query = query.where(action_id.in_(only))
    return query


async def measure_progress(
    session: AsyncSession,
    participant_id: UUID,
    today: date,
    key_action_id: UUID | None,
    only: Collection[UUID] | None = None,
) -> list[schemas.MeasureProgress]:
    """Per key action with a measure: the all-time total and the totals of the 12 weeks, in one query
    grouped by (action, week), where weeks before the window fold into one row."""
    week_starts = recent_week_starts(today)
    values = (
        select(
            KeyAction.id.label("key_action_id"),
            KeyAction.title,
            KeyAction.measure_unit,
            KeyAction.measure_target,
            KeyAction.created_at,
            case((Occurrence.week_start >= week_starts[0], Occurrence.week_start), else_=None).label("week"),
            CheckIn.measure_value,
        )
        .select_from(KeyAction)
        .outerjoin(
            CheckIn,
            and_(
                CheckIn.key_action_id == KeyAction.id,
                CheckIn.participant_id == participant_id,
                CheckIn.measure_value.is_not(None),
            ),
        )
        .outerjoin(Occurrence, Occurrence.id == CheckIn.occurrence_id)
        .where(KeyAction.participant_id == participant_id, KeyAction.measure_unit.is_not(None))
    )
    inner = of_actions(values, KeyAction.id, key_action_id, only).subquery()
    group = (
        inner.c.key_action_id,
        inner.c.title,
        inner.c.measure_unit,
        inner.c.measure_target,
        inner.c.created_at,
        inner.c.week,
    )
    rows = await session.execute(
        select(*group, func.sum(inner.c.measure_value))
        .group_by(*group)
        .order_by(inner.c.created_at, inner.c.key_action_id)
    )
    heads: dict[UUID, tuple[str, str, float | None]] = {}
    totals: dict[UUID, float] = defaultdict(float)
    weekly: dict[UUID, dict[date, float]] = defaultdict(dict)
    for action_id, title, unit, target, _, week, value in rows.tuples():
        heads.setdefault(action_id, (title, unit, target))
        totals[action_id] += value or 0.0
        if week is not None:
            weekly[action_id][week] = value or 0.0
    return [
        schemas.MeasureProgress(
            key_action_id=action_id,
            title=title,
            unit=unit,
            target=target,
            total=totals[action_id],
            weeks=[
                schemas.MeasureWeek(week_start=week, total=weekly[action_id].get(week, 0.0))
                for week in week_starts
            ],
        )
        for action_id, (title, unit, target) in heads.items()
    ]
