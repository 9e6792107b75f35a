from __future__ import annotations

from datetime import date

from advanced_alchemy.base import UUIDv7AuditBase
from sqlalchemy import Date, Text
from sqlalchemy.orm import Mapped, mapped_column

from followthrough.ownership import Owned


class Reflection(Owned, UUIDv7AuditBase):
    """Answers to the five guided questions on one day; kept so answers can be compared over the years."""

    __tablename__ = "reflection"

    reflected_on: Mapped[date] = mapped_column(Date)
    industry: Mapped[str | None] = mapped_column(Text, default=None)
    """1. What is holding back your industry or field?"""
    organization: Mapped[str | None] = mapped_column(Text, default=None)
    """2. What is holding back your organization?"""
    personal: Mapped[str | None] = mapped_column(Text, default=None)
    """3. What is holding you back?"""
    organization_free: Mapped[str | None] = mapped_column(Text, default=None)
    """4. What is needed to set your organization free?"""
    personal_free: Mapped[str | None] = mapped_column(Text, default=None)
    """5. What is needed to set you free?"""
    doing: Mapped[str | None] = mapped_column(Text, default=None)
    """What are you doing about it?"""
