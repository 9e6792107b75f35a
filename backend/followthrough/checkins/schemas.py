"""Wire shapes of check-ins, weekly reviews, progress, and the agenda and occurrences they are shown in."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from followthrough.actions import Measure
from followthrough.barriers import BarrierStatusChangeOut
from followthrough.enums import BarrierStatus, CheckInResult, Visibility
from followthrough.schemas import OutSchema, Schema

Note = Annotated[str, msgspec.Meta(max_length=2000)]
MeasureValue = Annotated[
    float, msgspec.Meta(ge=-1e9, le=1e9, description="The outcome measured, in the key action's unit")
]
Instant = Annotated[datetime, msgspec.Meta(tz=True, description="A UTC instant with its offset")]
Confidence = Annotated[int, msgspec.Meta(ge=1, le=5, description="1 = not at all … 5 = fully confident")]
Reflection = Annotated[str, msgspec.Meta(max_length=2000)]

MAX_REVIEW_CHECK_INS = 200


class CheckInCreate(Schema):
    id: UUID
    """Made by the client: sending the same check-in again stores it once."""
    key_action_id: UUID
    occurrence_at: Instant
    """The occurrence's `dueAt`: which due instance of the key action this check-in reports on."""
    result: CheckInResult
    note: Note | None = None
    measure_value: MeasureValue | None = None
    """Only for key actions with a measure."""

    def __post_init__(self) -> None:
        try:
            self.occurrence_at = self.occurrence_at.astimezone(UTC)
        except OverflowError:
            # Year 1 with a positive offset is a valid RFC 3339 string but no UTC instant.
            raise ValueError("occurrenceAt: is out of range") from None


class CheckInUpdate(Schema):
    result: CheckInResult | UnsetType = UNSET
    note: Note | UnsetType | None = UNSET
    measure_value: MeasureValue | UnsetType | None = UNSET


class CheckInOut(OutSchema):
    id: UUID
    key_action_id: UUID
    occurrence_at: datetime
    local_date: date
    """The occurrence's day in the participant's zone."""
    result: CheckInResult
    note: str | None
    measure_value: float | None
    checked_in_at: datetime
    updated_at: datetime
    weekly_review_id: UUID | None
    """The weekly review that made this check-in, if any."""


class WeeklyReviewCreate(Schema):
    id: UUID
    """Made by the client: sending the same review again stores it once."""
    confidence: Confidence
    week_start: date | None = None
    """The Monday the local week starts on; the current week when absent. Past weeks may be caught up,
    future weeks may not. Offline clients should send it, so that a replay next week means the same week."""
    check_ins: Annotated[list[CheckInCreate], msgspec.Meta(max_length=MAX_REVIEW_CHECK_INS)] = msgspec.field(
        default_factory=list
    )
    """Check-ins on the week's open occurrences; each must be an occurrence of that week."""
    moved: Reflection | None = None
    """What moved this week."""
    in_the_way: Reflection | None = None
    """What got in the way."""
    next_step: Reflection | None = None
    """What next."""


class WeeklyReviewOut(OutSchema):
    id: UUID
    week_start: date
    moved: str | None
    in_the_way: str | None
    next_step: str | None
    confidence: int
    submitted_at: datetime


class WeeklyReviewWithCheckIns(OutSchema):
    review: WeeklyReviewOut
    check_ins: list[CheckInOut]


class OpenOccurrenceOut(OutSchema):
    key_action_id: UUID
    key_action_title: str
    due_at: datetime
    local_date: date
    measure_unit: str | None
    """Set when the key action has a measure, so its check-in may carry a measure value."""
    check_in: CheckInOut | None = None
    """Always null here: these occurrences are still open."""


class CurrentWeekOut(OutSchema):
    week_start: date
    open_occurrences: list[OpenOccurrenceOut]
    """Occurrences of this week due on or before today that have no check-in yet."""
    review: WeeklyReviewOut | None
    """This week's review once submitted."""


class Streak(OutSchema):
    current: int
    best: int


class WeekProgress(OutSchema):
    week_start: date
    due: int
    """Occurrences of the week that count: checked in, or missed (due before today without a check-in)."""
    done: int
    partly: int
    not_done: int
    skipped: int
    missed: int
    completion_rate: float | None
    """(done + 0.5 * partly) / (due - skipped); null when nothing counted."""


class ProgressRange(StrEnum):
    """How far back progress `buckets` reach, and how coarse they are."""

    FOUR_WEEKS = "4w"
    """The last 4 local weeks, this one included, one bucket per week."""
    THREE_MONTHS = "3m"
    """The last 13 local weeks, this one included, one bucket per week."""
    ONE_YEAR = "1y"
    """The last 12 calendar months, this one included, one bucket per month."""
    ALL = "all"
    """From the month of the first occurrence: one bucket per month, or per year beyond 24 months."""


class BucketUnit(StrEnum):
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


class ProgressCounts(OutSchema):
    """Counts of occurrences by outcome, with the same rules as `weeks`."""

    due: int
    """Occurrences that count: checked in, or missed (due before today without a check-in)."""
    done: int
    partly: int
    not_done: int
    skipped: int
    missed: int
    completion_rate: float | None
    """(done + 0.5 * partly) / (due - skipped); null when nothing counted."""


class ProgressBucket(ProgressCounts):
    start: date
    """The bucket's first local date: a Monday, or the 1st of a month or of January."""
    end: date
    """Its last local date, inclusive (the calendar end, even when that is after today)."""


class WeekdayProgress(ProgressCounts):
    weekday: Annotated[int, msgspec.Meta(ge=0, le=6)]
    """0 = Monday … 6 = Sunday: the local weekday the occurrences were due on."""


class MeasureWeek(OutSchema):
    week_start: date
    total: float


class MeasureProgress(OutSchema):
    key_action_id: UUID
    title: str
    unit: str
    target: float | None
    total: float
    """Sum of every measure value ever checked in on this key action."""
    weeks: list[MeasureWeek]
    """Sums per local week for the same 12 weeks as the completion rates, oldest first."""


class KeyActionProgress(OutSchema):
    key_action_id: UUID
    title: str
    today: date
    """The participant's local date the figures were computed for."""
    streak: Streak
    """Consecutive kept occurrences (done or partly); skipped ones neither break nor extend it."""
    weeks: list[WeekProgress]
    measure: MeasureProgress | None
    range: ProgressRange
    """The range asked for (`3m` when none was)."""
    bucket_unit: BucketUnit
    buckets: list[ProgressBucket]
    """The range in local weeks, months or years, oldest first; at most 120."""
    total: ProgressCounts
    """The same counts over the whole range."""
    weekdays: list[WeekdayProgress]
    """Over the range, by local weekday: 7 entries, Monday first."""


class BarrierHistoryOut(OutSchema):
    barrier_id: UUID
    title: str
    status: BarrierStatus
    history: list[BarrierStatusChangeOut]
    """Oldest first, from creation."""


class AccountProgress(OutSchema):
    today: date
    streak: Streak
    """Consecutive local days, among days with an occurrence that counts, on which every non-skipped
    occurrence was kept."""
    weeks: list[WeekProgress]
    measures: list[MeasureProgress]
    barriers: list[BarrierHistoryOut]
    range: ProgressRange
    """The range asked for (`3m` when none was)."""
    bucket_unit: BucketUnit
    buckets: list[ProgressBucket]
    """The range in local weeks, months or years, oldest first; at most 120."""
    total: ProgressCounts
    """The same counts over the whole range."""


class OccurrenceOut(OutSchema):
    key_action_id: UUID
    due_at: datetime
    """The UTC instant; check-ins name the occurrence by it (`occurrenceAt`)."""
    local_date: date
    """The day it falls on in the participant's zone."""
    check_in: CheckInOut | None


class AgendaKeyAction(OutSchema):
    id: UUID
    title: str
    cue: str | None
    measure: Measure | None
    visibility: Visibility


class AgendaItem(OutSchema):
    occurrence_id: UUID
    """The occurrence's id, as reminders name it (a push notification opens /today?occurrence=<id>)."""
    key_action: AgendaKeyAction
    due_at: datetime
    local_date: date
    check_in: CheckInOut | None
    snoozed_until: datetime | None
    """When the reminder snoozed last is due again, while it waits to be sent and nothing is checked in."""


class Agenda(OutSchema):
    date: date
    time_zone: str
    items: list[AgendaItem]
    """Everything due on that local date, earliest first."""
