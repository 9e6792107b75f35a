"""The delivery engine: the queue of messages to channels, claims under a lease, quiet hours, sending and
recording, and the worker loop. It knows no event's rules: composition hands the worker each event's rule
(`EventRule`) and the features' detection steps (`Step`)."""

from followthrough.deliveries.cancel import (
    CHECKED_IN,
    WAITING,
    cancel_reminders,
    has_waiting_reminders,
    restore_reminders,
)
from followthrough.deliveries.detection import Step
from followthrough.deliveries.dispatch import Rules, Skip
from followthrough.deliveries.heartbeat import stale_after
from followthrough.deliveries.models import Delivery, WorkerHeartbeat
from followthrough.deliveries.queue import Enqueuer, enqueue, local_instant, log_channel_test
from followthrough.deliveries.quiet import follow_quiet_hours
from followthrough.deliveries.rules import EventRule, Extras, StandardRule
from followthrough.deliveries.snoozes import SETTLED, SNOOZE_KEYS, occurrence_key, snoozed_until
from followthrough.deliveries.worker import Worker, worker_host

__all__ = [
    "CHECKED_IN",
    "SETTLED",
    "SNOOZE_KEYS",
    "WAITING",
    "Delivery",
    "Enqueuer",
    "EventRule",
    "Extras",
    "Rules",
    "Skip",
    "StandardRule",
    "Step",
    "Worker",
    "WorkerHeartbeat",
    "cancel_reminders",
    "enqueue",
    "follow_quiet_hours",
    "has_waiting_reminders",
    "local_instant",
    "log_channel_test",
    "occurrence_key",
    "restore_reminders",
    "snoozed_until",
    "stale_after",
    "worker_host",
]
