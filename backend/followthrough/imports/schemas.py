"""Wire shapes of imports: the account export read back, Loop's files, and the summary of what was done.

The export is read with the same bounds as the API that wrote its rows. Its other keys (API tokens, sessions,
other tables) are accepted and left alone: tokens and channels hold secrets the export never had.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

import msgspec

from followthrough.actions import (
    Cue,
    LocalDateTime,
    MeasureTarget,
    MeasureUnit,
    ReminderOffsets,
    Rrule,
    StatusReason,
)
from followthrough.checkins import Confidence, Instant, MeasureValue, Note
from followthrough.enums import (
    ActionStatus,
    BarrierLevel,
    BarrierStatus,
    CheckInResult,
    KeyHolder,
    ScheduleKind,
    Visibility,
)
from followthrough.schemas import LongText, Name, OutSchema, Schema, ShortText, Title, Weekday

MAX_ROWS = 20_000
"""Per section of an export; check-ins may number MAX_CHECK_INS."""
MAX_CHECK_INS = 200_000
MAX_LOOP_FILES = 2_000
ReflectionText = Annotated[str, msgspec.Meta(max_length=2000)]


class ExportRow(msgspec.Struct, rename="camel", kw_only=True):
    """A row of the export. Keys this version does not read are allowed: later columns, other tables' ids."""

    created_at: Instant | None = None
    updated_at: Instant | None = None


# A local wall time as the export writes it (HH:MM:SS). A string with its pattern rather than `time`, which
# the OpenAPI document would call a duration: the contract must say what is accepted.
ExportTime = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
        description="A local wall time, HH:MM:SS",
        examples=["18:00:00"],
    ),
]


class ExportParticipant(ExportRow, kw_only=True):
    review_weekday: Weekday | None = None
    """Absent: the account keeps its own, as for `reviewTime` and `nudgeEnabled`."""
    review_time: ExportTime | None = None
    quiet_hours_start: ExportTime | None = None
    quiet_hours_end: ExportTime | None = None
    nudge_enabled: bool | None = None


class ExportReflection(ExportRow, kw_only=True):
    id: UUID
    reflected_on: date
    industry: LongText | None = None
    organization: LongText | None = None
    personal: LongText | None = None
    organization_free: LongText | None = None
    personal_free: LongText | None = None
    doing: LongText | None = None


class ExportBarrierChange(ExportRow, kw_only=True):
    from_status: BarrierStatus | None = None
    to_status: BarrierStatus
    reason: ShortText | None = None
    changed_at: Instant


class ExportBarrier(ExportRow, kw_only=True):
    id: UUID
    title: Title
    detail: LongText | None = None
    level: BarrierLevel
    key_holder: KeyHolder = KeyHolder.ME
    key_holder_name: Name | None = None
    status: BarrierStatus = BarrierStatus.HOLDING
    status_changed_at: Instant | None = None
    resolved_at: Instant | None = None
    reflection_id: UUID | None = None
    status_changes: Annotated[list[ExportBarrierChange], msgspec.Meta(max_length=1000)] = []


class ExportActionChange(ExportRow, kw_only=True):
    from_status: ActionStatus | None = None
    to_status: ActionStatus
    reason: ShortText | None = None
    changed_at: Instant


class ExportKeyAction(ExportRow, kw_only=True):
    id: UUID
    barrier_id: UUID | None = None
    title: Title
    cue: Cue | None = None
    key_holder: KeyHolder = KeyHolder.ME
    key_holder_name: Name | None = None
    own_part: ShortText | None = None
    schedule_kind: ScheduleKind
    starts_at: LocalDateTime
    rrule: Rrule | None = None
    reminder_offsets: ReminderOffsets = []
    status: ActionStatus = ActionStatus.ACTIVE
    status_reason: StatusReason | None = None
    status_changed_at: Instant | None = None
    visibility: Visibility = Visibility.PRIVATE
    measure_unit: MeasureUnit | None = None
    measure_target: MeasureTarget | None = None
    status_changes: Annotated[list[ExportActionChange], msgspec.Meta(max_length=1000)] = []


class ExportCheckIn(ExportRow, kw_only=True):
    id: UUID
    key_action_id: UUID
    result: CheckInResult
    note: Note | None = None
    measure_value: MeasureValue | None = None
    checked_in_at: Instant | None = None
    weekly_review_id: UUID | None = None
    occurrence_at: Instant
    local_date: date


class ExportWeeklyReview(ExportRow, kw_only=True):
    id: UUID
    week_start: date
    moved: ReflectionText | None = None
    in_the_way: ReflectionText | None = None
    next_step: ReflectionText | None = None
    confidence: Confidence
    submitted_at: Instant


class NotImported(msgspec.Struct, rename="camel", kw_only=True):
    """A row of a section that is read and left alone (API tokens, other tables), whatever its keys."""


class AccountDocument(Schema, kw_only=True):
    """The document `GET /api/v1/account/export` answers, as downloaded. Its sections are named exactly;
    inside a row, keys this version does not read are allowed."""

    format_version: int
    exported_at: Instant | None = None
    api_tokens: Annotated[list[NotImported], msgspec.Meta(max_length=MAX_ROWS)] = []
    """Not imported: a token's secret is never exported."""
    sessions_count: int = 0
    """Not imported: sessions belong to the devices signed in to the old account."""
    other_tables: Annotated[dict[str, list[NotImported]], msgspec.Meta(max_length=100)] = {}
    """Not imported: channels (their secret URLs are not exported), partnerships, deliveries and the like
    belong to the old account's place and time."""
    participant: ExportParticipant
    reflections: Annotated[list[ExportReflection], msgspec.Meta(max_length=MAX_ROWS)] = []
    barriers: Annotated[list[ExportBarrier], msgspec.Meta(max_length=MAX_ROWS)] = []
    key_actions: Annotated[list[ExportKeyAction], msgspec.Meta(max_length=MAX_ROWS)] = []
    check_ins: Annotated[list[ExportCheckIn], msgspec.Meta(max_length=MAX_CHECK_INS)] = []
    weekly_reviews: Annotated[list[ExportWeeklyReview], msgspec.Meta(max_length=MAX_ROWS)] = []


class LoopFiles(Schema):
    # A file name's length is checked when the files are read (422 naming `files`): the OpenAPI document
    # cannot state a constraint on a key.
    files: Annotated[dict[str, str], msgspec.Meta(max_length=MAX_LOOP_FILES)]
    """Loop's CSV export unzipped: each file's path in the zip (`Habits.csv`, `001 Meditate/Checkmarks.csv`)
    and its text. Other files in the export (Scores.csv) may be left out or sent; they are not read."""


class ImportCounts(OutSchema):
    reflections: int = 0
    barriers: int = 0
    key_actions: int = 0
    check_ins: int = 0
    weekly_reviews: int = 0


class ImportSummary(OutSchema):
    created: ImportCounts
    """What this import stored."""
    unchanged: ImportCounts
    """What the file holds that was already here from an earlier import (left as it is now)."""
    settings_changed: bool
    """Whether the weekly review time, quiet hours or nudge setting were taken from the file."""
    dry_run: bool
    """True when nothing was stored: the counts say what an import would do."""
