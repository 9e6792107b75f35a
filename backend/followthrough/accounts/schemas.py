from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from followthrough.identity import DisplayName, Password
from followthrough.schemas import LocalTime, OutSchema, Schema, TimeZoneName, Weekday

TokenName = Annotated[str, msgspec.Meta(min_length=1, max_length=80, pattern=r"\S")]


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
