"""The product vocabulary's closed sets, shared by models, schemas and services."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Enum


class BarrierLevel(StrEnum):
    INDUSTRY = "industry"
    ORGANIZATION = "organization"
    PERSONAL = "personal"


class KeyHolder(StrEnum):
    ME = "me"
    OTHERS = "others"


class BarrierStatus(StrEnum):
    HOLDING = "holding"
    LOOSENING = "loosening"
    BROKEN = "broken"


class ActionStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    DONE = "done"
    DROPPED = "dropped"


class Visibility(StrEnum):
    PRIVATE = "private"
    PARTNERS = "partners"


class ScheduleKind(StrEnum):
    ONCE = "once"
    RECURRING = "recurring"


class CheckInResult(StrEnum):
    DONE = "done"
    PARTLY = "partly"
    NOT_DONE = "not_done"
    SKIPPED = "skipped"


class Event(StrEnum):
    """What notifies: the product brief's events, plus the owner being told a channel was disabled or that
    someone tried to sign up with their email."""

    REMINDER_DUE = "reminder.due"
    REVIEW_WEEKLY = "review.weekly"
    PARTNER_DIGEST = "partner.digest"
    PARTNER_MISSED = "partner.missed"
    ENCOURAGEMENT_RECEIVED = "encouragement.received"
    INVITE_ACCEPTED = "invite.accepted"
    CHANNEL_DISABLED = "channel.disabled"
    CHANNEL_TEST = "channel.test"
    """A "Send test" from the channel settings, recorded in the delivery log; no channel subscribes to it."""
    SIGN_UP_ATTEMPTED = "sign-up.attempted"
    """Someone tried to sign up with the owner's email (sign-up answers the same either way, so only the
    owner learns of it)."""
    CHECKIN_RECORDED = "checkin.recorded"
    """Webhooks only (docs/webhooks.md): a check-in was stored."""
    OCCURRENCE_MISSED = "occurrence.missed"
    """Webhooks only: an occurrence passed its grace period with no check-in."""
    REVIEW_SUBMITTED = "review.submitted"
    """Webhooks only: a weekly review was submitted."""


class ChannelKind(StrEnum):
    APPRISE = "apprise"
    """Any Apprise URL: mailto://, ntfy://, tgram://, json://, ..."""
    WEBPUSH = "webpush"
    """The PWA's push subscription on one device."""
    WEBHOOK = "webhook"
    """Signed JSON to an automation (Standard Webhooks; docs/webhooks.md)."""


class ImportSource(StrEnum):
    """Where imported data came from."""

    FOLLOWTHROUGH = "followthrough"
    """The app's own JSON export."""
    LOOP = "loop"
    """Loop Habit Tracker's CSV export."""


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    """Due at `due_at` (or waiting for its first attempt)."""
    SENDING = "sending"
    """Claimed by a worker under a lease; a crashed worker's lease expires and it is claimed again."""
    RETRYING = "retrying"
    """A passing failure; tried again at `next_attempt_at`."""
    SENT = "sent"
    FAILED = "failed"
    """Out of attempts, or a permanent error."""
    SKIPPED = "skipped"
    """Not needed any more: the occurrence was checked in, the channel disabled, the action paused."""
    MISSED = "missed"
    """Fell due while no worker ran, longer ago than the grace window: too late to be useful."""


def column_enum(enum: type[StrEnum], name: str, length: int = 16) -> Enum:
    """A portable enum column: a string with a CHECK constraint on both databases, storing the values."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )
