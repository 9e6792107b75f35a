"""What an import will write, read and checked from a file before anything is stored.

Both sources (the app's own export and Loop Habit Tracker's CSV export) are read into these plain values;
`services.ImportService` then writes a plan in one transaction. Keys are the rows' identities in their file,
so that importing the same file again finds what the first import made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from followthrough.enums import (
    ActionStatus,
    BarrierLevel,
    BarrierStatus,
    CheckInResult,
    ImportSource,
    KeyHolder,
    ScheduleKind,
    Visibility,
)


class ImportFileError(ValueError):
    """A file that cannot be imported: `where` names the file and the place in it, `message` what is wrong."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


@dataclass(frozen=True, slots=True)
class Stamps:
    """When a row was made and last changed, where the file says; None means the time of the import."""

    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(slots=True)
class StatusStep:
    from_status: str | None
    to_status: str
    reason: str | None
    changed_at: datetime | None
    stamps: Stamps = field(default_factory=Stamps)


@dataclass(slots=True)
class PlannedReflection:
    key: str
    reflected_on: date
    answers: dict[str, str | None]
    stamps: Stamps = field(default_factory=Stamps)


@dataclass(slots=True)
class PlannedBarrier:
    key: str
    title: str
    detail: str | None
    level: BarrierLevel
    key_holder: KeyHolder
    key_holder_name: str | None
    status: BarrierStatus
    status_changed_at: datetime | None
    resolved_at: datetime | None
    reflection_key: str | None
    history: list[StatusStep]
    stamps: Stamps = field(default_factory=Stamps)


@dataclass(slots=True)
class PlannedReview:
    key: str
    week_start: date
    moved: str | None
    in_the_way: str | None
    next_step: str | None
    confidence: int
    submitted_at: datetime
    stamps: Stamps = field(default_factory=Stamps)


@dataclass(slots=True)
class PlannedCheckIn:
    """A check-in on the occurrence due at `due_at` (UTC) on `local_date`; a `due_at` of None means the
    action's time of day on `local_date` in the participant's zone."""

    local_date: date
    due_at: datetime | None
    result: CheckInResult
    note: str | None
    measure_value: float | None
    checked_in_at: datetime | None
    review_key: str | None = None
    stamps: Stamps = field(default_factory=Stamps)


@dataclass(slots=True)
class PlannedAction:
    key: str
    title: str
    cue: str | None
    key_holder: KeyHolder
    key_holder_name: str | None
    own_part: str | None
    schedule_kind: ScheduleKind
    starts_at: datetime
    rrule: str | None
    reminder_offsets: list[int]
    status: ActionStatus
    status_reason: str | None
    status_changed_at: datetime | None
    visibility: Visibility
    measure_unit: str | None
    measure_target: float | None
    barrier_key: str | None
    history: list[StatusStep]
    check_ins: list[PlannedCheckIn]
    stamps: Stamps = field(default_factory=Stamps)
    day_time: time | None = None
    """For check-ins without a `due_at`: the local time of day their occurrence is due."""


@dataclass(frozen=True, slots=True)
class Preferences:
    review_weekday: int | None
    review_time: time | None
    quiet_hours_start: time | None
    quiet_hours_end: time | None
    nudge_enabled: bool | None
    """None (but for quiet hours, where None means none): the account keeps its own."""


@dataclass(slots=True)
class ImportPlan:
    source: ImportSource
    reflections: list[PlannedReflection] = field(default_factory=list)
    barriers: list[PlannedBarrier] = field(default_factory=list)
    reviews: list[PlannedReview] = field(default_factory=list)
    actions: list[PlannedAction] = field(default_factory=list)
    preferences: Preferences | None = None
