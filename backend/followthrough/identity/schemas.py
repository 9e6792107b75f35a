"""Wire shapes of who a participant is and how they sign in."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from followthrough.schemas import EMAIL_WIRE_PATTERN, LocalTime, OutSchema, Schema, TimeZoneName

Password = Annotated[str, msgspec.Meta(min_length=8, max_length=256)]
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254)]
# What `require_email` accepts, stated in the document: one @, a dot in the domain, no inner whitespace.
NewEmail = Annotated[str, msgspec.Meta(min_length=3, max_length=254, pattern=EMAIL_WIRE_PATTERN)]
DisplayName = Annotated[str, msgspec.Meta(min_length=1, max_length=80, pattern=r"\S")]
InviteToken = Annotated[
    str, msgspec.Meta(min_length=1, max_length=200, description="The token from a partner invite link")
]


class SignUp(Schema):
    email: NewEmail
    password: Password
    display_name: DisplayName
    time_zone: TimeZoneName
    invite: InviteToken | None = None
    """A pending partner invite's token; required when registration is invite-only. Signing up does not
    use it: accepting the invite stays a separate step."""


class SignIn(Schema):
    email: Email
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=256)]


class ParticipantOut(OutSchema):
    id: UUID
    email: str
    display_name: str
    time_zone: str
    review_weekday: int
    review_time: LocalTime
    quiet_hours_start: LocalTime | None
    quiet_hours_end: LocalTime | None
    nudge_enabled: bool
    """A second reminder near the end of the local day for anything due that day with no check-in yet."""
    has_password: bool
    """False for an account made through an identity provider or a trusted proxy until it sets one."""
    created_at: datetime


class SessionOut(OutSchema):
    participant: ParticipantOut
    csrf_token: str | None
    """Send it back in the X-CSRF-Token header on every write made with the session cookie."""
