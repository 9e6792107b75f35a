from __future__ import annotations

from datetime import datetime, time

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Boolean, Index, SmallInteger, String, Time
from sqlalchemy.orm import Mapped, mapped_column

from followthrough.ownership import Owned


class Participant(UUIDv7AuditBase):
    """A person using Followthrough; partners are participants too."""

    __tablename__ = "participant"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    time_zone: Mapped[str] = mapped_column(String(64))
    review_weekday: Mapped[int] = mapped_column(SmallInteger, default=6)
    """ISO weekday index, Monday = 0; the weekly review is prompted on this local day."""
    review_time: Mapped[time] = mapped_column(Time, default=time(18, 0))
    quiet_hours_start: Mapped[time | None] = mapped_column(Time, default=None)
    quiet_hours_end: Mapped[time | None] = mapped_column(Time, default=None)
    nudge_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    """Send a second reminder near the end of the local day when a due occurrence has no check-in yet."""
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class AuthSession(Owned, UUIDv7AuditBase):
    """A cookie sign-in. Only a hash of its token is stored, so a database leak opens no session."""

    __tablename__ = "auth_session"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    user_agent: Mapped[str | None] = mapped_column(String(200), default=None)


class ApiToken(Owned, UUIDv7AuditBase):
    """A personal token for scripts, stored hashed and shown once."""

    __tablename__ = "api_token"

    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_prefix: Mapped[str] = mapped_column(String(16))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    expires_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class SignInFailure(UUIDv7AuditBase):
    """One counted attempt (a failed sign-in, an invite-token guess, a sign-up), per account or per address,
    to rate-limit across processes; see `identity.limits`. Rows older than every window are deleted."""

    __tablename__ = "sign_in_failure"
    __table_args__ = (
        Index("ix_sign_in_failure_key_at", "limit_key", "failed_at"),
        Index("ix_sign_in_failure_failed_at", "failed_at"),
    )

    limit_key: Mapped[str] = mapped_column(String(128))
    failed_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
