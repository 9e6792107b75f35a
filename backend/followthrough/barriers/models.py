from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from followthrough.enums import BarrierLevel, BarrierStatus, KeyHolder, column_enum
from followthrough.ownership import Owned


class Barrier(Owned, UUIDv7AuditBase):
    """Something that holds the participant back, at the level of their industry, organisation or self."""

    __tablename__ = "barrier"

    title: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text, default=None)
    level: Mapped[BarrierLevel] = mapped_column(column_enum(BarrierLevel, "barrier_level"))
    key_holder: Mapped[KeyHolder] = mapped_column(column_enum(KeyHolder, "key_holder"), default=KeyHolder.ME)
    key_holder_name: Mapped[str | None] = mapped_column(String(120), default=None)
    """Who holds the key when it is not the participant."""
    status: Mapped[BarrierStatus] = mapped_column(
        column_enum(BarrierStatus, "barrier_status"), default=BarrierStatus.HOLDING
    )
    status_changed_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    reflection_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("reflection.id", ondelete="SET NULL"), default=None, index=True
    )


class BarrierStatusChange(Owned, UUIDv7AuditBase):
    """One step of a barrier's history, from its creation (no previous status) to broken."""

    __tablename__ = "barrier_status_change"

    barrier_id: Mapped[UUID] = mapped_column(ForeignKey("barrier.id", ondelete="CASCADE"), index=True)
    # Each column gets its own enum name: the CHECK constraint is named after it, and PostgreSQL refuses two
    # constraints of one name on one table.
    from_status: Mapped[BarrierStatus | None] = mapped_column(
        column_enum(BarrierStatus, "barrier_from_status"), default=None
    )
    to_status: Mapped[BarrierStatus] = mapped_column(column_enum(BarrierStatus, "barrier_to_status"))
    reason: Mapped[str | None] = mapped_column(String(500), default=None)
    changed_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
