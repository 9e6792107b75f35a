"""Wire shapes of act links: what the page in the PWA shows, and the answer it posts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

import msgspec

from followthrough.actlinks.models import ActPurpose
from followthrough.checkins import MeasureValue
from followthrough.enums import CheckInResult
from followthrough.reminders import SnoozeChoice
from followthrough.schemas import OutSchema, Schema

# Text that is stored: no NUL (PostgreSQL refuses it), bounded like the fields it ends up in.
ActNote = Annotated[str, msgspec.Meta(max_length=2000, pattern=r"^[^\x00]*$")]
ActMessage = Annotated[str, msgspec.Meta(min_length=1, max_length=280, pattern=r"^[^\x00]*\S[^\x00]*$")]


class ActChoice(StrEnum):
    DONE = "done"
    PARTLY = "partly"
    NOT_DONE = "not_done"
    SKIPPED = "skipped"
    SNOOZE_15M = "snooze_15m"
    SNOOZE_1H = "snooze_1h"
    SNOOZE_TONIGHT = "snooze_tonight"
    """20:00 local time, or 08:00 the next morning when it is already past 20:00."""
    ENCOURAGE = "encourage"
    """Encourage links only: send the partner's encouragement."""


RESULTS: dict[ActChoice, CheckInResult] = {
    ActChoice.DONE: CheckInResult.DONE,
    ActChoice.PARTLY: CheckInResult.PARTLY,
    ActChoice.NOT_DONE: CheckInResult.NOT_DONE,
    ActChoice.SKIPPED: CheckInResult.SKIPPED,
}
SNOOZES: dict[ActChoice, SnoozeChoice] = {
    ActChoice.SNOOZE_15M: SnoozeChoice.FIFTEEN_MINUTES,
    ActChoice.SNOOZE_1H: SnoozeChoice.ONE_HOUR,
    ActChoice.SNOOZE_TONIGHT: SnoozeChoice.TONIGHT,
}


class ActState(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    EXPIRED = "expired"


class ActAnswerIn(Schema):
    """What the person chose on the page (or in a notification's action button)."""

    choice: ActChoice
    note: ActNote | None = None
    """A note for the check-in (partly, not done)."""
    measure_value: MeasureValue | None = None
    """Only for key actions with a measure."""
    message: ActMessage | None = None
    """Encourage links only: the words to send; the preset message when empty."""
    id: UUID | None = None
    """Made by the client for the check-in, so that an offline replay stores it once."""


class ActAnswerOut(OutSchema):
    choice: str
    """An `ActChoice` value; for a check-in made in the app, its result."""
    at: datetime
    undo_until: datetime | None
    """Until when `POST .../undo` takes the answer back; null when it cannot (made in the app, too late)."""
    snoozed_until: datetime | None
    note: str | None


class ActLinkOut(OutSchema):
    purpose: ActPurpose
    key_action_title: str
    """Reminder links: the key action. Encourage links: the message that would be sent."""
    cue: str | None
    due_at: datetime
    """When the occurrence is due (reminder), or when the digest was due (encourage)."""
    time_zone: str
    """The zone of the person the link was sent to, for showing times in words."""
    person_name: str | None
    """Encourage links: whom the partner encourages."""
    choices: list[ActChoice]
    """What this link can answer now, in the order to offer them."""
    state: ActState
    answer: ActAnswerOut | None
