"""Check-ins, weekly reviews and progress, and the read models that show occurrences with their check-ins:
Today, the agenda a partner sees, and a key action's occurrences."""

from followthrough.checkins.agenda import AgendaService
from followthrough.checkins.models import CheckIn, UndoneCheckIn, WeeklyReview
from followthrough.checkins.progress import ProgressService
from followthrough.checkins.schemas import (
    CheckInCreate,
    Confidence,
    Instant,
    MeasureProgress,
    MeasureValue,
    Note,
    Streak,
    WeekProgress,
)
from followthrough.checkins.services import (
    CheckInService,
    check_in_out,
    forget_check_in,
    has_check_in,
    hold_write_lock,
)

__all__ = [
    "AgendaService",
    "CheckIn",
    "CheckInCreate",
    "CheckInService",
    "Confidence",
    "Instant",
    "MeasureProgress",
    "MeasureValue",
    "Note",
    "ProgressService",
    "Streak",
    "UndoneCheckIn",
    "WeekProgress",
    "WeeklyReview",
    "check_in_out",
    "forget_check_in",
    "has_check_in",
    "hold_write_lock",
]
