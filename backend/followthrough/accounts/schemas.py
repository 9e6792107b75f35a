from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from followthrough.schemas import EMAIL_WIRE_PATTERN, LocalTime, OutSchema, Schema, TimeZoneName, Weekday

Password = Annotated[str, msgspec.Meta(min_length=8, max_length=256)]
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254)]
# What `require_email` accepts, stated in the document: one @, a dot in the domain, no inner whitespace.
NewEmail = Annotated[str, msgspec.Meta(min_length=3, max_length=254, pattern=EMAIL_WIRE_PATTERN)]
DisplayName = Annotated[str, msgspec.Meta(min_length=1, max_length=80, pattern=r"\S")]
TokenName = Annotated[str, msgspec.Meta(min_length=1, max_length=80, pattern=r"\S")]
InviteToken = Annotated[
    str, msgspec.Meta(min_length=1, max_length=200, description="The token from a partner invite link")
]
RegistrationMode = Literal["open", "invite-only", "closed"]


class SignUp(Schema):
    email: NewEmail
    password: Password
    display_name: DisplayName
    time_zone: TimeZoneName
    invite: InviteToken | None = None
    """A pending partner invite's token; required when registration is invite-only. Signing up does not
    use it: accepting the invite stays a separate step."""


class SignUpAccepted(OutSchema):
    """The same answer whether or not the email was free; then sign in with the same email and password."""

    message: str


class RegistrationOut(OutSchema):
    mode: RegistrationMode
    """`open`: anyone may sign up; `invite-only`: with a pending invite's token; `closed`: no one."""


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


class ProfileUpdate(Schema):
    display_name: DisplayName | UnsetType = UNSET
    time_zone: TimeZoneName | UnsetType = UNSET
    review_weekday: Weekday | UnsetType = UNSET
    review_time: LocalTime | UnsetType = UNSET
    quiet_hours_start: LocalTime | UnsetType | None = UNSET
    quiet_hours_end: LocalTime | UnsetType | None = UNSET
    nudge_enabled: bool | UnsetType = UNSET


class PasswordChange(Schema):
    new_password: Password
    current_password: Annotated[str, msgspec.Meta(min_length=1, max_length=256)] | None = None
    """Required when the account has a password. An account made through an identity provider has none:
    it sets its first one within ten minutes of signing in (`FIRST_PASSWORD_WINDOW`)."""
    revoke_tokens: bool = True
    """Also revoke every personal API token."""


class AccountDeletion(Schema):
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=256)] | None = None
    """Required when the account has a password."""
    confirm_email: Annotated[str, msgspec.Meta(min_length=1, max_length=320)] | None = None
    """The account's email, typed to confirm, for an account without a password."""


class ApiTokenCreate(Schema):
    name: TokenName
    expires_in_days: Annotated[int, msgspec.Meta(ge=1, le=3650)] | None = None


class ApiTokenOut(OutSchema):
    id: UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None


class ApiTokenCreated(ApiTokenOut):
    token: str
    """Shown once; only its hash is stored."""


class PasswordChanged(OutSchema):
    ended_sessions: int
    """Other signed-in sessions that were ended; the session that made the change stays signed in."""
    revoked_tokens: list[ApiTokenOut]
    """The API tokens revoked (without their secrets); empty when `revokeTokens` was false."""
