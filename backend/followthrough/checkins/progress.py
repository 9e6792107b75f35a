"""Progress: streaks, weekly completion rates, outcome measures and barrier history, computed in the database.

Definitions, in the participant's local time:

- An occurrence *counts* when it has a check-in, or when it was due before today without one (it is then
  *missed*). Today's occurrences without a check-in are not counted yet, nor are future ones.
- A counted occurrence is *kept* when its check-in is `done` or `partly`. `skipped` neither breaks nor
  extends a streak and leaves the completion rate's denominator; `not_done` and missed occurrences break
  streaks.
- Key action streak: consecutive kept occurrences of that action. Account streak: consecutive local days,
  among days with at least one counted non-skipped occurrence, on which every such occurrence was kept.
  `current` is the run that ends at the latest counted occurrence (or day), 0 when that one was not kept;
  `best` is the longest run.
- Weeks: the last 12 local weeks including the current one, oldest first. completionRate =
  (done + 0.5 * partly) / (due - skipped), null when that denominator is 0.

Every figure is one aggregate query (GROUP BY, and ROW_NUMBER gaps-and-islands for streaks), so a request
costs the same number of queries whatever the amount of history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import CTE

from followthrough.accounts.models import Participant
from followthrough.actions.models import KeyAction, Occurrence
from followthrough.actions.occurrences import OccurrenceService
from followthrough.barriers.models import Barrier
from followthrough.barriers.services import BarrierService, status_change_out
from followthrough.checkins import schemas
from followthrough.checkins.models import CheckIn
from followthrough.checkins.services import local_today, monday_of
from followthrough.enums import CheckInResult
from followthrough.errors import NotFound
from followthrough.settings import Settings

WEEKS = 12
KEPT = (CheckInResult.DONE, CheckInResult.PARTLY)


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


class ProgressService:
    def __init__(self, session: AsyncSession, now: datetime, settings: Settings) -> None:
        self.session = session
        self.now = now
        self.occurrences = OccurrenceService(session, now, timedelta(days=settings.occurrence_horizon_days))

    async def for_account(
        self, participant: Participant, only: Collection[UUID] | None = None
    ) -> schemas.AccountProgress:
        """The account's progress; with `only`, restricted to those key actions (what a partner is shown)
        and without barriers."""
        await self.occurrences.ensure_for_participant(participant)
        today = local_today(participant, self.now)
        streaks = await self._streaks(self._days(self._counted(participant.id, today, None, only)))
        return schemas.AccountProgress(
            today=today,
            streak=streaks.get(participant.id, schemas.Streak(current=0, best=0)),
            weeks=await self._weeks(participant.id, today, None, only),
            measures=await self._measures(participant.id, today, None, only),
            barriers=await self._barriers(participant) if only is None else [],
        )

    async def for_key_action(
        self, participant: Participant, key_action_id: UUID
    ) -> schemas.KeyActionProgress:
        action = await self.session.scalar(
            select(KeyAction).where(KeyAction.id == key_action_id, KeyAction.participant_id == participant.id)
        )
        if action is None:
            raise NotFound("key action")
        await self.occurrences.ensure_for_participant(participant)
        today = local_today(participant, self.now)
        counted = self._counted(participant.id, today, key_action_id)
        steps = select(
            counted.c.key_action_id.label("part"), counted.c.due_at.label("step"), counted.c.kept
        ).cte("steps")
        streaks = await self._streaks(steps)
        measures = await self._measures(participant.id, today, key_action_id)
        return schemas.KeyActionProgress(
            key_action_id=action.id,
            title=action.title,
            today=today,
            streak=streaks.get(action.id, schemas.Streak(current=0, best=0)),
            weeks=await self._weeks(participant.id, today, key_action_id),
            measure=measures[0] if measures else None,
        )

    @staticmethod
    def _week_starts(today: date) -> list[date]:
        first = monday_of(today) - timedelta(weeks=WEEKS - 1)
        return [first + timedelta(weeks=index) for index in range(WEEKS)]

    @staticmethod
    def _counted(
        participant_id: UUID, today: date, key_action_id: UUID | None, only: Collection[UUID] | None = None
    ) -> CTE:
        """Occurrences that count and are not skipped, each with kept = 1 or 0."""
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
        if key_action_id is not None:
            query = query.where(Occurrence.key_action_id == key_action_id)
        if only is not None:
            query = query.where(Occurrence.key_action_id.in_(only))
        return query.cte("counted")

    @staticmethod
    def _days(counted: CTE) -> CTE:
        """One step per local day: kept when every counted occurrence of the day was kept."""
        return (
            select(
                counted.c.participant_id.label("part"),
                counted.c.local_date.label("step"),
                func.min(counted.c.kept).label("kept"),
            )
            .group_by(counted.c.participant_id, counted.c.local_date)
            .cte("steps")
        )

    async def _streaks(self, steps: CTE) -> dict[UUID, schemas.Streak]:
        """Gaps and islands over (part, step, kept): consecutive steps of equal `kept` share
        position - kept_position, so each run of kept steps is one group."""
        numbered = select(
            steps.c.part,
            steps.c.kept,
            func.row_number().over(partition_by=steps.c.part, order_by=steps.c.step).label("position"),
            func.row_number()
            .over(partition_by=(steps.c.part, steps.c.kept), order_by=steps.c.step)
            .label("kept_position"),
        ).cte("numbered")
        runs = (
            select(
                numbered.c.part,
                numbered.c.kept,
                func.count().label("length"),
                func.max(numbered.c.position).label("last"),
                func.max(func.max(numbered.c.position)).over(partition_by=numbered.c.part).label("part_last"),
            )
            .group_by(numbered.c.part, numbered.c.kept, numbered.c.position - numbered.c.kept_position)
            .cte("runs")
        )
        kept_run = runs.c.kept == 1
        query: Select[tuple[UUID, int, int]] = select(
            runs.c.part,
            func.max(case((and_(kept_run, runs.c.last == runs.c.part_last), runs.c.length), else_=0)),
            func.max(case((kept_run, runs.c.length), else_=0)),
        ).group_by(runs.c.part)
        rows = await self.session.execute(query)
        return {part: schemas.Streak(current=current, best=best) for part, current, best in rows.tuples()}

    async def _weeks(
        self,
        participant_id: UUID,
        today: date,
        key_action_id: UUID | None,
        only: Collection[UUID] | None = None,
    ) -> list[schemas.WeekProgress]:
        week_starts = self._week_starts(today)
        result = CheckIn.result
        query = (
            select(
                Occurrence.week_start,
                _count_if(result == CheckInResult.DONE),
                _count_if(result == CheckInResult.PARTLY),
                _count_if(result == CheckInResult.NOT_DONE),
                _count_if(result == CheckInResult.SKIPPED),
                _count_if(and_(CheckIn.id.is_(None), Occurrence.local_date < today)),
            )
            .select_from(Occurrence)
            .outerjoin(
                CheckIn,
                and_(CheckIn.occurrence_id == Occurrence.id, CheckIn.participant_id == participant_id),
            )
            .where(
                Occurrence.participant_id == participant_id,
                Occurrence.week_start >= week_starts[0],
                Occurrence.local_date <= today,
            )
            .group_by(Occurrence.week_start)
        )
        if key_action_id is not None:
            query = query.where(Occurrence.key_action_id == key_action_id)
        if only is not None:
            query = query.where(Occurrence.key_action_id.in_(only))
        counts = {row[0]: [int(value) for value in row[1:]] for row in await self.session.execute(query)}
        weeks = []
        for week_start in week_starts:
            done, partly, not_done, skipped, missed = counts.get(week_start, [0, 0, 0, 0, 0])
            due = done + partly + not_done + skipped + missed
            rated = due - skipped
            weeks.append(
                schemas.WeekProgress(
                    week_start=week_start,
                    due=due,
                    done=done,
                    partly=partly,
                    not_done=not_done,
                    skipped=skipped,
                    missed=missed,
                    completion_rate=round((done + 0.5 * partly) / rated, 4) if rated else None,
                )
            )
        return weeks

    async def _measures(
        self,
        participant_id: UUID,
        today: date,
        key_action_id: UUID | None,
        only: Collection[UUID] | None = None,
    ) -> list[schemas.MeasureProgress]:
        """Per key action with a measure: the all-time total and the totals of the 12 weeks, in one query
        grouped by (action, week), where weeks before the window fold into one row."""
        week_starts = self._week_starts(today)
        values = (
            select(
                KeyAction.id.label("key_action_id"),
                KeyAction.title,
                KeyAction.measure_unit,
                KeyAction.measure_target,
                KeyAction.created_at,
                case((Occurrence.week_start >= week_starts[0], Occurrence.week_start), else_=None).label(
                    "week"
                ),
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
        if key_action_id is not None:
            values = values.where(KeyAction.id == key_action_id)
        if only is not None:
            values = values.where(KeyAction.id.in_(only))
        inner = values.subquery()
        group = (
            inner.c.key_action_id,
            inner.c.title,
            inner.c.measure_unit,
            inner.c.measure_target,
            inner.c.created_at,
            inner.c.week,
        )
        rows = await self.session.execute(
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

    async def _barriers(self, participant: Participant) -> list[schemas.BarrierHistoryOut]:
        """Every barrier with its status history, oldest barrier first: two queries."""
        histories = await BarrierService(self.session, self.now).status_history(participant)
        barriers = await self.session.execute(
            select(Barrier.id, Barrier.title, Barrier.status)
            .where(Barrier.participant_id == participant.id)
            .order_by(Barrier.created_at, Barrier.id)
        )
        return [
            schemas.BarrierHistoryOut(
                barrier_id=barrier_id,
                title=title,
                status=status,
                history=[status_change_out(change) for change in histories.get(barrier_id, [])],
            )
            for barrier_id, title, status in barriers.tuples()
        ]
