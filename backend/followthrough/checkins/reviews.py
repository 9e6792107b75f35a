"""Weekly reviews: one per local week, its check-ins and reflections stored together or not at all."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from followthrough.actions import KeyAction, Occurrence
from followthrough.checkins import schemas, webhook_events
from followthrough.checkins.models import CheckIn, WeeklyReview
from followthrough.checkins.ranges import checked_date
from followthrough.checkins.services import (
    CheckInService,
    Recorded,
    hold_write_lock,
    same_check_in,
    undone_among,
    undone_check_in,
)
from followthrough.context import ContextBound, RequestContext
from followthrough.enums import ActionStatus
from followthrough.errors import Conflict, InvalidInput
from followthrough.identity import Participant
from followthrough.localtime import local_today, week_start_of
from followthrough.ownership import get_owned, page_of
from followthrough.schemas import to_schema


def review_out(review: WeeklyReview) -> schemas.WeeklyReviewOut:
    return to_schema(review, schemas.WeeklyReviewOut)


class WeeklyReviewService(ContextBound):
    def __init__(self, context: RequestContext, check_ins: CheckInService) -> None:
        super().__init__(context)
        self.check_ins = check_ins

    async def submit(
        self, participant: Participant, data: schemas.WeeklyReviewCreate
    ) -> tuple[WeeklyReview, list[Recorded], bool]:
        """Store the review and its check-ins together, or recognise a replay; one review per local week."""
        await hold_write_lock(self.session)
        current = week_start_of(local_today(participant.time_zone, self.now))
        week = checked_date(data.week_start, "weekStart") or current
        if week.weekday() != 0:
            raise InvalidInput("weekStart", "must be a Monday, the first day of a week")
        if week > current:
            raise InvalidInput("weekStart", "is a future week; review it once it has begun")
        for _ in range(2):
            # One read for both rules, so that a review committed meanwhile is seen as a whole.
            found = (
                await self.session.scalars(
                    select(WeeklyReview)
                    .where(
                        or_(
                            WeeklyReview.id == data.id,
                            and_(
                                WeeklyReview.participant_id == participant.id, WeeklyReview.week_start == week
                            ),
                        )
                    )
                    .execution_options(populate_existing=True)
                )
            ).all()
            for existing in found:
                if existing.id == data.id:
                    return existing, await self._replayed(participant, existing, data), False
            if found:
                raise Conflict("weekStart", "this week's review was already submitted")
            review = WeeklyReview(
                id=data.id,
                participant_id=participant.id,
                week_start=week,
                moved=data.moved,
                in_the_way=data.in_the_way,
                next_step=data.next_step,
                confidence=data.confidence,
                submitted_at=self.now,
                created_at=self.now,
                updated_at=self.now,
            )
            try:
                async with self.session.begin_nested():
                    self.session.add(review)
                    await self.session.flush()
            except IntegrityError:
                continue
            recorded = await self.check_ins.record_many(participant, data.check_ins, review.id, week)
            await webhook_events.review_submitted(
                self.session, participant, review, [check_in.id for check_in, _, _ in recorded]
            )
            return review, recorded, True
        raise Conflict("id", "was being stored by another request at the same time; send it again")

    async def _replayed(
        self, participant: Participant, review: WeeklyReview, data: schemas.WeeklyReviewCreate
    ) -> list[Recorded]:
        """The stored review and check-ins when `data` is the same request again; a 409 otherwise."""
        stored = await self.check_ins.by_id([item.id for item in data.check_ins])
        undone = await undone_among(self.session, [item.id for item in data.check_ins])
        for index, item in enumerate(data.check_ins):
            if item.id in undone and item.id not in stored:
                raise undone_check_in(f"checkIns[{index}].id", item.id)
        of_review = {check_in.id for check_in, _ in await self.check_ins_of(participant, review.id)}
        same = (
            review.participant_id == participant.id
            and data.week_start in {None, review.week_start}
            and (data.moved, data.in_the_way, data.next_step, data.confidence)
            == (review.moved, review.in_the_way, review.next_step, review.confidence)
            and all(item.id in stored and same_check_in(*stored[item.id], item) for item in data.check_ins)
            and of_review <= {item.id for item in data.check_ins}
        )
        if not same:
            raise Conflict("id", "a different weekly review was already stored with this id")
        return [(*stored[item.id], False) for item in data.check_ins]

    async def check_ins_of(
        self, participant: Participant, review_id: UUID
    ) -> list[tuple[CheckIn, Occurrence]]:
        rows = await self.session.execute(
            select(CheckIn, Occurrence)
            .join(Occurrence, Occurrence.id == CheckIn.occurrence_id)
            .where(CheckIn.participant_id == participant.id, CheckIn.weekly_review_id == review_id)
            .order_by(Occurrence.due_at, CheckIn.id)
        )
        return [(check_in, occurrence) for check_in, occurrence in rows.tuples()]

    async def get(self, participant: Participant, review_id: UUID) -> WeeklyReview:
        return await get_owned(self.session, WeeklyReview, participant.id, review_id, "weekly review")

    async def page(
        self, participant: Participant, limit: int, offset: int
    ) -> tuple[Sequence[WeeklyReview], int]:
        """Newest week first."""
        mine = [WeeklyReview.participant_id == participant.id]
        return await page_of(
            self.session, WeeklyReview, mine, [WeeklyReview.week_start.desc()], limit, offset
        )

    async def current(self, participant: Participant) -> schemas.CurrentWeekOut:
        """This local week: its open occurrences (due by today, no check-in yet) and its review, if any."""
        await self.check_ins.occurrences.ensure_for_participant(participant)
        today = local_today(participant.time_zone, self.now)
        week = week_start_of(today)
        rows = await self.session.execute(
            select(Occurrence, KeyAction.title, KeyAction.measure_unit)
            .join(KeyAction, KeyAction.id == Occurrence.key_action_id)
            .outerjoin(CheckIn, CheckIn.occurrence_id == Occurrence.id)
            .where(
                Occurrence.participant_id == participant.id,
                Occurrence.week_start == week,
                Occurrence.local_date <= today,
                CheckIn.id.is_(None),
                KeyAction.status != ActionStatus.DROPPED,
            )
            .order_by(Occurrence.due_at, KeyAction.title)
        )
        review = await self.session.scalar(
            select(WeeklyReview).where(
                WeeklyReview.participant_id == participant.id, WeeklyReview.week_start == week
            )
        )
        return schemas.CurrentWeekOut(
            week_start=week,
            open_occurrences=[
                schemas.OpenOccurrenceOut(
                    key_action_id=occurrence.key_action_id,
                    key_action_title=title,
                    due_at=occurrence.due_at,
                    local_date=occurrence.local_date,
                    measure_unit=unit,
                )
                for occurrence, title, unit in rows.tuples()
            ],
            review=None if review is None else review_out(review),
        )
