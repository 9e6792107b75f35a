"""Everything a participant creates carries `participant_id`; every query filters on it."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


class Owned:
    """Mixin for rows that belong to one participant and vanish with their account."""

    @declared_attr
    def participant_id(cls) -> Mapped[UUID]:
        return mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True, nullable=False)
