from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from followthrough.schemas import LocalTime, OutSchema, Schema, TimeZoneName, Weekday

Password = Annotated[str, msgspec.Meta(min_length=8, max_length=256)]
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254)]
DisplayName = Annotated[str, msgspec.Meta(min_length=1, max_length=80, pattern=r"\S")]
TokenName = Annotated[str, msgspec.Meta(min_length=1, max_length=80, pattern=r"\S")]


class SignUp(Schema):
    email: Email
    password: Password
    display_name: DisplayName
    time_zone: TimeZoneName


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
    current_password: Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
    new_password: Password


class AccountDeletion(Schema):
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=256)]


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
