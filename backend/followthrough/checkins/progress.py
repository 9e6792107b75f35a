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
- Range buckets (their dates are in ranges.py) count the same way, grouped by the stored local date, so a
  month or a weekday is the participant's own whatever the UTC offset was.

Every figure is one aggregate query (GROUP BY, and ROW_NUMBER gaps-and-islands for streaks), so a request
costs the same number of queries whatever the amount of history. Each reads only the rows of the period it
shows: streaks, which span all time, keep their settled part in a checkpoint (streaks.py), and the all-time
measure totals sum one indexed column.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import ColumnElement, Select, and_, case, extract, func, select

from followthrough.actions import KeyAction, Occurrence, OccurrenceService
from followthrough.barriers import Barrier, BarrierService, status_change_out
from followthrough.checkins import schemas
from followthrough.checkins.measures import measure_progress, of_actions
from followthrough.checkins.models import CheckIn
from followthrough.checkins.ranges import (
    Range,
    Unit,
    bucket_end,
    bucket_start_of_key,
    bucket_starts,
    first_day_of_history,
    monday_based_weekday,
    recent_week_starts,
)
from followthrough.checkins.streaks import streak
from followthrough.context import ContextBound, RequestContext
from followthrough.enums import CheckInResult
from followthrough.errors import NotFound
from followthrough.identity import Participant
from followthrough.localtime import local_today
from followthrough.schemas import OutSchema

NO_COUNTS = (0, 0, 0, 0, 0)
Counted = TypeVar("Counted", bound=OutSchema)


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _bucket_of(unit: Unit) -> list[ColumnElement[Any]]:
    """What to GROUP BY for a unit; extract() is strftime on SQLite and EXTRACT on PostgreSQL."""
    if unit is Unit.WEEK:
        return [Occurrence.week_start.expression]
    year = extract("year", Occurrence.local_date)
    return [year, extract("month", Occurrence.local_date)] if unit is Unit.MONTH else [year]


def _counts(kind: type[Counted], counts: Sequence[int], **fields: Any) -> Counted:
    """Counts of done, partly, not done, skipped and missed as `kind`, with due and the completion rate."""
    done, partly, not_done, skipped, missed = counts
    due = done + partly + not_done + skipped + missed
    rated = due - skipped
    return kind(
        due=due,
        done=done,
        partly=partly,
        not_done=not_done,
        skipped=skipped,
        missed=missed,
        completion_rate=round((done + 0.5 * partly) / rated, 4) if rated else None,
        **fields,
    )


def _tally(counts: schemas.ProgressCounts) -> tuple[int, int, int, int, int]:
    """What _counts was given: done, partly, not done, skipped and missed."""
    return counts.done, counts.partly, counts.not_done, counts.skipped, counts.missed


def _add(into: list[int], counts: Sequence[int]) -> None:
    for index, value in enumerate(counts):
        into[index] += value


class ProgressService(ContextBound):
    def __init__(
        self, context: RequestContext, occurrences: OccurrenceService, barriers: BarrierService
    ) -> None:
        super().__init__(context)
        self.occurrences = occurrences
        self.barriers = barriers

    async def for_account(
        self,
        participant: Participant,
        only: Collection[UUID] | None = None,
        progress_range: Range = Range.THREE_MONTHS,
    ) -> schemas.AccountProgress:
        """The account's progress; with `only`, restricted to those key actions (what a partner is shown)
        and without barriers."""
        await self.occurrences.ensure_for_participant(participant)
        today = local_today(participant.time_zone, self.now)
        account_streak = await streak(self.session, participant.id, participant.time_zone, today, None, only)
        unit, buckets, total, _ = await self._over_range(participant, today, progress_range, None, only)
        return schemas.AccountProgress(
            today=today,
            streak=account_streak,
            weeks=await self._weeks(participant.id, today, None, only, (unit, buckets)),
            measures=await measure_progress(self.session, participant.id, today, None, only),
            barriers=await self._barriers(participant) if only is None else [],
            range=progress_range,
            bucket_unit=unit,
            buckets=buckets,
            total=total,
        )

    async def for_key_action(
        self, participant: Participant, key_action_id: UUID, progress_range: Range = Range.THREE_MONTHS
    ) -> schemas.KeyActionProgress:
        action = await self.session.scalar(
            select(KeyAction).where(KeyAction.id == key_action_id, KeyAction.participant_id == participant.id)
        )
        if action is None:
            raise NotFound("key action")
        await self.occurrences.ensure_for_participant(participant)
        today = local_today(participant.time_zone, self.now)
        action_streak = await streak(self.session, participant.id, participant.time_zone, today, action.id)
        measures = await measure_progress(self.session, participant.id, today, key_action_id)
        unit, buckets, total, weekdays = await self._over_range(
            participant, today, progress_range, key_action_id, by_weekday=True
        )
        return schemas.KeyActionProgress(
            key_action_id=action.id,
            title=action.title,
            today=today,
            streak=action_streak,
            weeks=await self._weeks(participant.id, today, key_action_id, None, (unit, buckets)),
            measure=measures[0] if measures else None,
            range=progress_range,
            bucket_unit=unit,
            buckets=buckets,
            total=total,
            weekdays=weekdays,
        )

    @staticmethod
    def _tallies(
        participant_id: UUID,
        today: date,
        since: date,
        groups: Sequence[ColumnElement[Any]],
        key_action_id: UUID | None,
        only: Collection[UUID] | None,
    ) -> Select[Any]:
        """Per group, from `since` to today: done, partly, not done, skipped and missed, after the groups."""
        result = CheckIn.result
        query = (
            select(
                *groups,
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
                Occurrence.local_date >= since,
                Occurrence.local_date <= today,
            )
            .group_by(*groups)
        )
        return of_actions(query, Occurrence.key_action_id, key_action_id, only)

    async def _weeks(
        self,
        participant_id: UUID,
        today: date,
        key_action_id: UUID | None,
        only: Collection[UUID] | None,
        shown: tuple[Unit, list[schemas.ProgressBucket]],
    ) -> list[schemas.WeekProgress]:
        """The recent weeks' counts: read from the range's buckets when they are weeks that reach back far
        enough (the default range, 13 weeks), else by their own query."""
        week_starts = recent_week_starts(today)
        unit, buckets = shown
        if unit is Unit.WEEK and buckets[0].start <= week_starts[0]:
            counted = {bucket.start: bucket for bucket in buckets}
            return [
                _counts(schemas.WeekProgress, _tally(counted[week_start]), week_start=week_start)
                for week_start in week_starts
            ]
        query = self._tallies(
            participant_id, today, week_starts[0], [Occurrence.week_start.expression], key_action_id, only
        )
        counts = {row[0]: [int(value) for value in row[1:]] for row in await self.session.execute(query)}
        return [
            _counts(schemas.WeekProgress, counts.get(week_start, NO_COUNTS), week_start=week_start)
            for week_start in week_starts
        ]

    async def _over_range(
        self,
        participant: Participant,
        today: date,
        progress_range: Range,
        key_action_id: UUID | None,
        only: Collection[UUID] | None = None,
        by_weekday: bool = False,
    ) -> tuple[Unit, list[schemas.ProgressBucket], schemas.ProgressCounts, list[schemas.WeekdayProgress]]:
        """Buckets, their total and (with `by_weekday`) the counts per local weekday, from one query grouped
        by bucket and weekday: at most 120 x 7 rows whatever the history."""
        first = today
        if progress_range is Range.ALL:
            first = await self._first_day(participant, today, key_action_id, only)
        unit, starts = bucket_starts(progress_range, today, first)
        groups = _bucket_of(unit)
        weekday = extract("dow", Occurrence.local_date)  # 0 = Sunday on both databases
        query = self._tallies(
            participant.id,
            today,
            starts[0],
            [*groups, weekday] if by_weekday else groups,
            key_action_id,
            only,
        )
        per_bucket: dict[date, list[int]] = defaultdict(lambda: [0] * 5)
        per_weekday: dict[int, list[int]] = defaultdict(lambda: [0] * 5)
        total = [0] * 5
        for row in await self.session.execute(query):
            key, counts = row[: len(groups)], [int(value) for value in row[-5:]]
            _add(per_bucket[bucket_start_of_key(unit, key)], counts)
            _add(total, counts)
            if by_weekday:
                _add(per_weekday[monday_based_weekday(int(row[len(groups)]))], counts)
        buckets = [
            _counts(
                schemas.ProgressBucket,
                per_bucket.get(start, NO_COUNTS),
                start=start,
                end=bucket_end(start, unit),
            )
            for start in starts
        ]
        weekdays = [
            _counts(schemas.WeekdayProgress, per_weekday.get(day, NO_COUNTS), weekday=day)
            for day in range(7)
            if by_weekday
        ]
        return unit, buckets, _counts(schemas.ProgressCounts, total), weekdays

    async def _first_day(
        self, participant: Participant, today: date, key_action_id: UUID | None, only: Collection[UUID] | None
    ) -> date:
        """Where `all` begins (see first_day_of_history), from one query."""
        first_occurrence = select(func.min(Occurrence.local_date)).where(
            Occurrence.participant_id == participant.id, Occurrence.local_date <= today
        )
        first_created = select(func.min(KeyAction.created_at)).where(
            KeyAction.participant_id == participant.id
        )
        first_occurrence = of_actions(first_occurrence, Occurrence.key_action_id, key_action_id, only)
        first_created = of_actions(first_created, KeyAction.id, key_action_id, only)
        row = (
            await self.session.execute(
                select(first_occurrence.scalar_subquery(), first_created.scalar_subquery())
            )
        ).one()
        return first_day_of_history(row[0], row[1], participant.time_zone, today)

    async def _barriers(self, participant: Participant) -> list[schemas.BarrierHistoryOut]:
        """Every barrier with its status history, oldest barrier first: two queries."""
        histories = await self.barriers.status_history(participant)
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
