from __future__ import annotations

from datetime import datetime

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from followthrough.ownership import Owned


class SignInIdentity(Owned, UUIDv7AuditBase):
    """An account at an OpenID provider that signs in as this participant. The provider's (issuer, subject)
    pair names it for good; the email is what the provider said when it was linked, shown to tell
    identities apart, never used to find one."""

    __tablename__ = "sign_in_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_sign_in_identity_issuer_subject"),)

    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
