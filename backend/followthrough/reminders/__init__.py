"""Reminders, end-of-day nudges and weekly reviews: when each is queued (the detection `STEPS`), whether it
is still wanted when sent (its rule), and snoozing a reminder from its link."""

from followthrough.reminders.rules import ReminderRule, ReminderSkip, ReviewRule
from followthrough.reminders.scheduler import STEPS
from followthrough.reminders.schemas import SnoozeChoice
from followthrough.reminders.services import SnoozeService

__all__ = ["STEPS", "ReminderRule", "ReminderSkip", "ReviewRule", "SnoozeChoice", "SnoozeService"]
