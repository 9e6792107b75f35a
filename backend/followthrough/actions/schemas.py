"""Wire shapes of key actions and their status history."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from followthrough.actions.schedule import FIRST_YEAR, LAST_YEAR
from followthrough.enums import ActionStatus, KeyHolder, Visibility
from followthrough.schemas import Name, OutSchema, Schema, ShortText, Title, local_date_time_pattern

MAX_REMINDERS = 5
MAX_REMINDER_MINUTES = 7 * 24 * 60

LocalDateTime = Annotated[
    datetime,
    msgspec.Meta(
        tz=False,
        description=f"A local wall time in the participant's zone, without an offset, with seconds, in the "
        f"years {FIRST_YEAR} to {LAST_YEAR}",
        examples=["2026-03-02T08:30:00"],
        # Not OpenAPI's date-time, which requires an offset. The pattern is what the server accepts: the
        # datetimes msgspec reads (seconds required, any fraction, T, t or a space), in the schedule years.
        extra_json_schema={
            "extra": {"format": "local-date-time", "pattern": local_date_time_pattern(FIRST_YEAR, LAST_YEAR)}
        },
    ),
]
Cue = Annotated[str, msgspec.Meta(max_length=300, description='"When X, I will Y"')]
Rrule = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=500,
        pattern=r"\S",
        description="An RFC 5545 RRULE such as FREQ=WEEKLY;BYDAY=MO; at most hourly, with a first occurrence "
        "within ten years of the start",
        # A custom format: what the server accepts is what its RRULE parser accepts, more than a pattern says.
        extra_json_schema={"extra": {"format": "rrule"}},
    ),
]
ReminderOffset = Annotated[
    int, msgspec.Meta(ge=0, le=MAX_REMINDER_MINUTES, description="Minutes before the occurrence")
]
ReminderOffsets = Annotated[
    list[ReminderOffset],
    # Litestar leaves out the bounds of a list's items; the document states them here.
    msgspec.Meta(
        max_length=MAX_REMINDERS,
        extra_json_schema={
            "extra": {"items": {"type": "integer", "minimum": 0, "maximum": MAX_REMINDER_MINUTES}}
        },
    ),
]
MeasureUnit = Annotated[str, msgspec.Meta(min_length=1, max_length=40, pattern=r"\S")]
MeasureTarget = Annotated[float, msgspec.Meta(gt=0, le=1e9)]
StatusReason = Annotated[str, msgspec.Meta(min_length=1, max_length=500, pattern=r"\S")]


class OnceSchedule(Schema, tag="once", tag_field="kind"):
    due_at: LocalDateTime
    """When it is due, in the participant's local time."""


class RecurringSchedule(Schema, tag="recurring", tag_field="kind"):
    starts_at: LocalDateTime
    """The first occurrence (DTSTART), in the participant's local time; its time of day is kept."""
    rrule: Rrule


ScheduleIn = OnceSchedule | RecurringSchedule


class Measure(Schema):
    unit: MeasureUnit
    """Such as "hours saved per week" or "managers coached"."""
    target: MeasureTarget | None = None


class KeyActionCreate(Schema):
    title: Title
    """What the participant will do."""
    schedule: ScheduleIn
    barrier_id: UUID | None = None
    """One of the participant's barriers."""
    cue: Cue | None = None
    key_holder: KeyHolder = KeyHolder.ME
    key_holder_name: Name | None = None
    """Who holds the key: required when `keyHolder` is `others`, refused when it is `me`."""
    own_part: ShortText | None = None
    """When others hold the key: the part in the participant's own hands."""
    reminder_offsets: ReminderOffsets = msgspec.field(default_factory=list)
    """Minutes before each occurrence at which to remind; no duplicates."""
    visibility: Visibility = Visibility.PRIVATE
    measure: Measure | None = None
    """An optional outcome measure."""


class KeyActionUpdate(Schema):
    """Any of the create fields; absent ones stay. The status changes through its own endpoint."""

    title: Title | UnsetType = UNSET
    schedule: ScheduleIn | UnsetType = UNSET
    """A new schedule moves future occurrences that have no check-in; the past stays."""
    barrier_id: UUID | UnsetType | None = UNSET
    cue: Cue | UnsetType | None = UNSET
    key_holder: KeyHolder | UnsetType = UNSET
    key_holder_name: Name | UnsetType | None = UNSET
    """Switching `keyHolder` to `me` without naming anyone clears it."""
    own_part: ShortText | UnsetType | None = UNSET
    reminder_offsets: ReminderOffsets | UnsetType = UNSET
    visibility: Visibility | UnsetType = UNSET
    measure: Measure | UnsetType | None = UNSET


class StatusChange(Schema):
    status: ActionStatus
    reason: StatusReason | None = None
    """Why: required when pausing, finishing or dropping; optional when resuming."""


class KeyActionOut(OutSchema):
    id: UUID
    barrier_id: UUID | None
    title: str
    cue: str | None
    key_holder: KeyHolder
    key_holder_name: str | None
    own_part: str | None
    schedule: ScheduleIn
    reminder_offsets: list[int]
    status: ActionStatus
    status_reason: str | None
    status_changed_at: datetime
    visibility: Visibility
    measure: Measure | None
    created_at: datetime
    updated_at: datetime
    next_occurrence_at: datetime | None
    """The next due instant after now (UTC) while the action is active; null otherwise."""


class KeyActionStatusChangeOut(OutSchema):
    from_status: ActionStatus | None
    """Null for the first entry, made when the key action was created."""
    to_status: ActionStatus
    reason: str | None
    changed_at: datetime
