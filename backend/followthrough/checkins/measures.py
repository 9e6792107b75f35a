"""Outcome measures over time, and the narrowing every progress query shares.

A key action with a measure (a unit and an optional weekly target) sums its check-ins' measure values: in
total, and per local week for the last 12 weeks (the same weeks as the completion rates).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import Select, and_, cast, func, null, select, union_all
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
    """Per key action with a measure: the all-time total and the totals of the 12 weeks, in one query. The
    totals read only the check-ins' index on (key action, participant, measure); the weeks join only the
    occurrences of those 12 weeks, so neither reads more than it must as history grows."""
    week_starts = recent_week_starts(today)
    measured = of_actions(
        select(
            KeyAction.id,
            KeyAction.title,
            KeyAction.measure_unit,
            KeyAction.measure_target,
            KeyAction.created_at,
        ).where(KeyAction.participant_id == participant_id, KeyAction.measure_unit.is_not(None)),
        KeyAction.id,
        key_action_id,
        only,
    ).cte("measured")
    totals = (
        select(
            measured.c.id,
            measured.c.title,
            measured.c.measure_unit,
            measured.c.measure_target,
            measured.c.created_at,
            # Typed, so that the union reads the weeks below as dates on SQLite too.
            cast(null(), Occurrence.week_start.type).label("week"),
            func.sum(CheckIn.measure_value).label("total"),
        )
        .select_from(measured)
        .outerjoin(
            CheckIn, and_(CheckIn.key_action_id == measured.c.id, CheckIn.participant_id == participant_id)
        )
        .group_by(*measured.c)
    )
    weekly = (
        select(
            measured.c.id,
            null(),
            null(),
            null(),
            null(),
            Occurrence.week_start,
            func.sum(CheckIn.measure_value),
        )
        .select_from(Occurrence)
        .join(CheckIn, and_(CheckIn.occurrence_id == Occurrence.id, CheckIn.participant_id == participant_id))
        .join(measured, measured.c.id == CheckIn.key_action_id)
        .where(
            Occurrence.participant_id == participant_id,
            Occurrence.local_date >= week_starts[0],
            CheckIn.measure_value.is_not(None),
        )
        .group_by(measured.c.id, Occurrence.week_start)
    )
    heads: dict[UUID, tuple[str, str, float | None, datetime, float]] = {}
    weekly_totals: dict[UUID, dict[date, float]] = defaultdict(dict)
    for action_id, title, unit, target, created_at, week, value in (
        await session.execute(union_all(totals, weekly))
    ).tuples():
        if week is None:
            heads[action_id] = (title, unit, target, created_at, value or 0.0)
        else:
            weekly_totals[action_id][week] = value or 0.0
    ordered = sorted(heads.items(), key=lambda item: (item[1][3], item[0]))
    return [
        schemas.MeasureProgress(
            key_action_id=action_id,
            title=title,
            unit=unit,
            target=target,
            total=total,
            weeks=[
                schemas.MeasureWeek(week_start=week, total=weekly_totals[action_id].get(week, 0.0))
                for week in week_starts
            ],
        )
        for action_id, (title, unit, target, _, total) in ordered
    ]
