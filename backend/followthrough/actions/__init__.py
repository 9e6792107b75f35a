"""Key actions: the commitments, their schedules, their status history and their materialised occurrences.
It knows nothing of check-ins, reminders or deliveries: what must outlive a change of schedule is said by
the layers above (`KeptOccurrences`)."""

from followthrough.actions.models import KeyAction, KeyActionStatusChange, Occurrence
from followthrough.actions.occurrences import (
    MAX_LISTED,
    KeptOccurrences,
    OccurrenceService,
    schedule_of,
    stale_actions,
    start_of_local_day,
    too_many_listed,
)
from followthrough.actions.schedule import (
    FIRST_YEAR,
    LAST_YEAR,
    Schedule,
    ScheduleError,
    latest_occurrences_before,
    next_occurrence_after,
    occurrences_between,
    portable_rule,
    validate_schedule,
)
from followthrough.actions.schemas import (
    Cue,
    KeyActionCreate,
    KeyActionOut,
    LocalDateTime,
    Measure,
    MeasureTarget,
    MeasureUnit,
    ReminderOffsets,
    Rrule,
    StatusReason,
)
from followthrough.actions.services import KeyActionService, key_action_out, measure_out, next_due_at

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "MAX_LISTED",
    "Cue",
    "KeptOccurrences",
    "KeyAction",
    "KeyActionCreate",
    "KeyActionOut",
    "KeyActionService",
    "KeyActionStatusChange",
    "LocalDateTime",
    "Measure",
    "MeasureTarget",
    "MeasureUnit",
    "Occurrence",
    "OccurrenceService",
    "ReminderOffsets",
    "Rrule",
    "Schedule",
    "ScheduleError",
    "StatusReason",
    "key_action_out",
    "latest_occurrences_before",
    "measure_out",
    "next_due_at",
    "next_occurrence_after",
    "occurrences_between",
    "portable_rule",
    "schedule_of",
    "stale_actions",
    "start_of_local_day",
    "too_many_listed",
    "validate_schedule",
]
