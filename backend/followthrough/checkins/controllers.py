from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, TypeVar
from uuid import UUID

from litestar import Controller, Response, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from followthrough.actions import OccurrenceService
from followthrough.barriers import BarrierService
from followthrough.checkins import schemas
from followthrough.checkins.progress import ProgressService
from followthrough.checkins.ranges import EARLIEST_DATE, LATEST_DATE
from followthrough.checkins.reviews import WeeklyReviewService, review_out
from followthrough.checkins.services import CheckInService, check_in_out
from followthrough.context import RequestContext
from followthrough.errors import ErrorBody, InvalidInput
from followthrough.identity import Participant
from followthrough.readcache import remembered_read
from followthrough.schemas import LimitParam, OffsetParam, Page

DATE = {"format": "date"}
DATE_BOUNDS = f" ({EARLIEST_DATE} to {LATEST_DATE})"
UNDONE = {
    410: ResponseSpec(
        data_container=ErrorBody,
        description="The check-in with this id was undone; it is never stored again (final: do not retry)",
        generate_examples=False,
    )
}
T = TypeVar("T")


def _parsed(value: str | None, parse: Callable[[str], T], field: str, expected: str) -> T | None:
    """Query values parsed here rather than by Litestar, whose errors name the Python parameter."""
    if value is None:
        return None
    try:
        return parse(value)
    except ValueError:
        raise InvalidInput(field, f"must be {expected}") from None


def provide_check_in_service(
    context: NamedDependency[RequestContext],
    occurrences: NamedDependency[OccurrenceService],
) -> CheckInService:
    return CheckInService(context, occurrences)


def provide_review_service(
    context: NamedDependency[RequestContext],
    occurrences: NamedDependency[OccurrenceService],
) -> WeeklyReviewService:
    return WeeklyReviewService(context, CheckInService(context, occurrences))


def provide_progress_service(
    context: NamedDependency[RequestContext],
    occurrences: NamedDependency[OccurrenceService],
) -> ProgressService:
    return ProgressService(context, occurrences, BarrierService(context))


class CheckInController(Controller):
    path = "/check-ins"
    tags = ["check-ins"]
    dependencies = {"check_ins": Provide(provide_check_in_service, sync_to_thread=False)}

    @post(
        "",
        operation_id="recordCheckIn",
        status_code=HTTP_201_CREATED,
        responses={
            200: ResponseSpec(schemas.CheckInOut, description="A replay: the check-in already stored"),
            **UNDONE,
        },
    )
    async def record_check_in(
        self,
        data: JSONBody[schemas.CheckInCreate],
        participant: NamedDependency[Participant],
        check_ins: NamedDependency[CheckInService],
    ) -> Response[schemas.CheckInOut]:
        """Report on one occurrence, named by keyActionId and occurrenceAt (the occurrence's dueAt).

        The id is made by the client: the same request again answers 200 with the stored check-in and stores
        nothing new; the same id with a different body is a 409 on `id`. A time that is not an occurrence of
        the action, or an occurrence due on a later local day, is a 422 on `occurrenceAt`; an occurrence that
        already has another check-in is a 409 on `occurrenceAt`. The id of a check-in that was undone is a 410
        on `id`, for good: a late retry never brings back what was undone."""
        [(check_in, occurrence, created)] = await check_ins.record_many(participant, [data])
        return Response(
            check_in_out(check_in, occurrence), status_code=HTTP_201_CREATED if created else HTTP_200_OK
        )

    @get("", operation_id="listCheckIns")
    async def list_check_ins(
        self,
        participant: NamedDependency[Participant],
        check_ins: NamedDependency[CheckInService],
        key_action_id: Annotated[
            str | None, QueryParameter(name="keyActionId", schema_extra={"format": "uuid"})
        ] = None,
        since: Annotated[
            str | None,
            QueryParameter(
                name="from",
                description="First local date, inclusive (1970-01-01 to 2200-12-31)",
                schema_extra=DATE,
            ),
        ] = None,
        until: Annotated[
            str | None,
            QueryParameter(
                name="to",
                description="Last local date, inclusive (1970-01-01 to 2200-12-31)",
                schema_extra=DATE,
            ),
        ] = None,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[schemas.CheckInOut]:
        """Check-ins, newest occurrence first, optionally of one key action and within local dates."""
        rows, total = await check_ins.page(
            participant,
            _parsed(key_action_id, UUID, "keyActionId", "a UUID"),
            _parsed(since, date.fromisoformat, "from", "a date such as 2026-03-02"),
            _parsed(until, date.fromisoformat, "to", "a date such as 2026-03-08"),
            limit,
            offset,
        )
        return Page(items=[check_in_out(*row) for row in rows], total=total, limit=limit, offset=offset)

    @get("/{check_in_id:uuid}", operation_id="getCheckIn")
    async def get_check_in(
        self,
        check_in_id: FromPath[UUID],
        participant: NamedDependency[Participant],
        check_ins: NamedDependency[CheckInService],
    ) -> schemas.CheckInOut:
        """One check-in."""
        return check_in_out(*await check_ins.get(participant, check_in_id))

    @patch("/{check_in_id:uuid}", operation_id="updateCheckIn")
    async def update_check_in(
        self,
        check_in_id: FromPath[UUID],
        data: JSONBody[schemas.CheckInUpdate],
        participant: NamedDependency[Participant],
        check_ins: NamedDependency[CheckInService],
    ) -> schemas.CheckInOut:
        """Change the result, the note or the measure value; fields left out stay as they are."""
        return check_in_out(*await check_ins.update(participant, check_in_id, data))

    @delete("/{check_in_id:uuid}", operation_id="undoCheckIn", status_code=HTTP_204_NO_CONTENT)
    async def undo_check_in(
        self,
        check_in_id: FromPath[UUID],
        participant: NamedDependency[Participant],
        check_ins: NamedDependency[CheckInService],
    ) -> None:
        """Undo a check-in within a day of making it; after that it is a 409 on `checkedInAt` (edit it
        instead). Undoing it again answers 204 and changes nothing; its id can never be recorded again."""
        await check_ins.undo(participant, check_in_id)


class WeeklyReviewController(Controller):
    path = "/weekly-reviews"
    tags = ["weekly-reviews"]
    dependencies = {"reviews": Provide(provide_review_service, sync_to_thread=False)}

    @post(
        "",
        operation_id="submitWeeklyReview",
        status_code=HTTP_201_CREATED,
        responses={
            200: ResponseSpec(
                schemas.WeeklyReviewWithCheckIns, description="A replay: the review already stored"
            ),
            **UNDONE,
        },
    )
    async def submit_weekly_review(
        self,
        data: JSONBody[schemas.WeeklyReviewCreate],
        participant: NamedDependency[Participant],
        reviews: NamedDependency[WeeklyReviewService],
    ) -> Response[schemas.WeeklyReviewWithCheckIns]:
        """Submit the week's review: reflections (what moved, what got in the way, what next, confidence 1 to
        5) and check-ins on the week's open occurrences, stored together or not at all.

        One review per local week (another is a 409 on `weekStart`). The id is made by the client: the same
        request again answers 200 with what was stored. Errors in a check-in name `checkIns[i].field`; a
        check-in id that was undone is a 410 on `checkIns[i].id`."""
        review, recorded, created = await reviews.submit(participant, data)
        body = schemas.WeeklyReviewWithCheckIns(
            review=review_out(review),
            check_ins=[check_in_out(check_in, occurrence) for check_in, occurrence, _ in recorded],
        )
        return Response(body, status_code=HTTP_201_CREATED if created else HTTP_200_OK)

    @get("", operation_id="listWeeklyReviews")
    async def list_weekly_reviews(
        self,
        participant: NamedDependency[Participant],
        reviews: NamedDependency[WeeklyReviewService],
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[schemas.WeeklyReviewOut]:
        """Past weekly reviews, newest week first."""
        items, total = await reviews.page(participant, limit, offset)
        return Page(items=[review_out(review) for review in items], total=total, limit=limit, offset=offset)

    @get("/current", operation_id="getCurrentWeek")
    async def get_current_week(
        self, participant: NamedDependency[Participant], reviews: NamedDependency[WeeklyReviewService]
    ) -> schemas.CurrentWeekOut:
        """This local week: its open occurrences (due by today with no check-in yet, with their key action's
        title) and its review once submitted."""
        return await reviews.current(participant)

    @get("/{review_id:uuid}", operation_id="getWeeklyReview")
    async def get_weekly_review(
        self,
        review_id: FromPath[UUID],
        participant: NamedDependency[Participant],
        reviews: NamedDependency[WeeklyReviewService],
    ) -> schemas.WeeklyReviewWithCheckIns:
        """One weekly review with the check-ins it made."""
        review = await reviews.get(participant, review_id)
        rows = await reviews.check_ins_of(participant, review.id)
        return schemas.WeeklyReviewWithCheckIns(
            review=review_out(review), check_ins=[check_in_out(*row) for row in rows]
        )


RangeParam = Annotated[
    str | None,
    QueryParameter(
        name="range",
        description="How far back `buckets`, `total` (and `weekdays`) reach: 4w = the last 4 local weeks, "
        "3m = the last 13 weeks, 1y = the last 12 calendar months, all = since the month of the first "
        "occurrence (in months, or years beyond 24 months). Weekly buckets start on Mondays.",
        schema_extra={"enum": [item.value for item in schemas.ProgressRange], "default": "3m"},
    ),
]


def _range(value: str | None) -> schemas.ProgressRange:
    choices = ", ".join(item.value for item in schemas.ProgressRange)
    chosen = _parsed(value, schemas.ProgressRange, "range", f"one of {choices}")
    return chosen or schemas.ProgressRange.THREE_MONTHS


PROGRESS_DEFINITIONS = (
    "\n\nDefinitions, in local time: an occurrence counts once it has a check-in or was due before today "
    "without one (missed); today's unchecked occurrences are ignored. Kept = done or partly; skipped neither "
    "breaks nor extends a streak; not done and missed break it. `current` is the run ending at the latest "
    "counted occurrence (0 when that one was not kept), `best` the longest. `weeks` are the last 12 local "
    "weeks including this one, oldest first, with completionRate = (done + 0.5 * partly) / (due - skipped), "
    "null when that is 0. Measures total every measure value ever checked in, and per week. `buckets` "
    "and `total` count the same way over the chosen `range`."
)


class ProgressController(Controller):
    path = "/"
    tags = ["progress"]
    dependencies = {"progress": Provide(provide_progress_service, sync_to_thread=False)}

    @get(
        "/progress",
        operation_id="getProgress",
        middleware=[remembered_read],
        description="The whole account's progress: a streak of consecutive local days on which every "
        "counted, non-skipped occurrence was kept; completion rates per week; outcome measure totals "
        "against their targets; and each barrier's status history." + PROGRESS_DEFINITIONS,
    )
    async def get_progress(
        self,
        participant: NamedDependency[Participant],
        progress: NamedDependency[ProgressService],
        progress_range: RangeParam = None,
    ) -> schemas.AccountProgress:
        """The whole account's progress (the OpenAPI description holds the definitions)."""
        return await progress.for_account(participant, progress_range=_range(progress_range))

    @get(
        "/key-actions/{key_action_id:uuid}/progress",
        operation_id="getKeyActionProgress",
        middleware=[remembered_read],
        description="One key action's progress: a streak of consecutive kept occurrences, completion rates "
        "per week and its outcome measure, and over the chosen range its counts by local weekday."
        + PROGRESS_DEFINITIONS,
    )
    async def get_key_action_progress(
        self,
        key_action_id: FromPath[UUID],
        participant: NamedDependency[Participant],
        progress: NamedDependency[ProgressService],
        progress_range: RangeParam = None,
    ) -> schemas.KeyActionProgress:
        """One key action's progress (the OpenAPI description holds the definitions)."""
        return await progress.for_key_action(participant, key_action_id, _range(progress_range))
