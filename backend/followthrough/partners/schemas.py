"""Wire shapes of invites, partnerships, the partner view and encouragement."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from followthrough.actions import Measure
from followthrough.checkins import MeasureProgress, Streak, WeekProgress
from followthrough.enums import ActionStatus, BarrierStatus, CheckInResult
from followthrough.schemas import OutSchema, Schema

InviteToken = Annotated[
    str, msgspec.Meta(min_length=1, max_length=200, description="The token from the link")
]
ExpiryDays = Annotated[int, msgspec.Meta(ge=1, le=30, description="Days until the invite expires")]
Message = Annotated[str, msgspec.Meta(min_length=1, max_length=280, pattern=r"\S")]


class InviteCreate(Schema):
    mutual: bool = False
    """Offer a mutual partnership: on acceptance each becomes the other's partner."""
    expires_in_days: ExpiryDays | None = None
    """7 unless given."""


class InviteOut(OutSchema):
    id: UUID
    mutual: bool
    status: str
    """`pending`, `accepted`, `revoked` or `expired`."""
    expires_at: datetime
    created_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None


class InviteCreated(OutSchema):
    invite: InviteOut
    token: str
    """Shown once: only its hash is stored."""
    url: str
    """The link to give the invitee; the token is in its fragment, which browsers never send to a server."""


class InviteAccept(Schema):
    token: InviteToken


class InvitePreviewRequest(Schema):
    token: InviteToken


class InviterOut(OutSchema):
    display_name: str


class InvitePreviewOut(OutSchema):
    """What the invitee may know before accepting: who invites them, and on what terms."""

    inviter: InviterOut
    mutual: bool
    """Accepting makes each the other's partner."""
    expires_at: datetime


class PersonOut(OutSchema):
    id: UUID
    display_name: str
    email: str | None = None
    """Only when the participant chose to show it to this partner."""


class PartnershipOut(OutSchema):
    """A partnership seen by the participant it supports."""

    id: UUID
    partner: PersonOut
    started_at: datetime
    share_details: bool
    """Check-in notes and barrier details are shown to this partner."""
    show_email: bool
    missed_nudges: bool
    """The participant's opt-in to this partner hearing of missed check-ins."""
    partner_wants_missed_nudges: bool
    """The partner's opt-in; both are needed."""


class PartnershipUpdate(Schema):
    share_details: bool | UnsetType = UNSET
    show_email: bool | UnsetType = UNSET
    missed_nudges: bool | UnsetType = UNSET


class SupportedOut(OutSchema):
    """A partnership seen by the partner: someone they support."""

    id: UUID
    person: PersonOut
    started_at: datetime
    digest: bool
    missed_nudges: bool
    """The partner's opt-in to hear of missed check-ins."""
    person_allows_missed_nudges: bool


class SupportUpdate(Schema):
    digest: bool | UnsetType = UNSET
    missed_nudges: bool | UnsetType = UNSET


class AcceptedOut(OutSchema):
    supporting: SupportedOut
    """The invitee now supports the inviter."""
    partnership: PartnershipOut | None
    """For a mutual invite: the inviter now supports the invitee."""


class SharedBarrier(OutSchema):
    title: str
    status: BarrierStatus
    detail: str | None


class SharedKeyAction(OutSchema):
    id: UUID
    title: str
    cue: str | None
    status: ActionStatus
    measure: Measure | None
    barrier: SharedBarrier | None
    """Only when the participant shares details with this partner."""


class SharedCheckIn(OutSchema):
    id: UUID
    key_action_id: UUID
    occurrence_at: datetime
    local_date: date
    result: CheckInResult
    measure_value: float | None
    note: str | None
    """Only when the participant shares details with this partner."""


class SharedOccurrence(OutSchema):
    key_action_id: UUID
    title: str
    due_at: datetime
    local_date: date
    check_in: SharedCheckIn | None


class SharedView(OutSchema):
    """Exactly what one partner sees of one participant: key actions marked `partners` and nothing else."""

    person: PersonOut
    today: date
    """The participant's local date."""
    time_zone: str
    today_items: list[SharedOccurrence]
    this_week: WeekProgress
    streak: Streak
    """Over shared key actions only."""
    weeks: list[WeekProgress]
    measures: list[MeasureProgress]
    key_actions: list[SharedKeyAction]
    recent_check_ins: list[SharedCheckIn]
    """The latest 20, newest first."""


class EncouragementCreate(Schema):
    message: Message
    key_action_id: UUID | None = None
    check_in_id: UUID | None = None
    """Give exactly one of keyActionId and checkInId."""


class EncouragementOut(OutSchema):
    id: UUID
    partner: PersonOut
    message: str
    key_action_id: UUID | None
    check_in_id: UUID | None
    hidden: bool
    sent_at: datetime


class EncouragementUpdate(Schema):
    hidden: bool


class OneTapOut(OutSchema):
    posted: bool
    """False when this link was used before: it posts once."""
    message: str
    person: str
    """Whom it encouraged (their display name)."""
