"""Everything a participant creates carries `participant_id`; every query filters on it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import ColumnElement, ForeignKey, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from followthrough.errors import NotFound


class Owned:
    """Mixin for rows that belong to one participant and vanish with their account."""

    @declared_attr
    def participant_id(cls) -> Mapped[UUID]:
        return mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True, nullable=False)


R = TypeVar("R", bound=Owned)


async def get_owned(
    session: AsyncSession, model: type[R], participant_id: UUID, row_id: UUID, what: str
) -> R:
    """The participant's row, or 404: someone else's id answers exactly like an id that does not exist."""
    table: Any = model  # Owned rows all have `id`, which the mixin does not declare.
    row = await session.scalar(
        select(model).where(table.id == row_id, model.participant_id == participant_id)
    )
    if row is None:
        raise NotFound(what)
    return row


async def delete_owned(
    session: AsyncSession, model: type[Owned], participant_id: UUID, row_id: UUID, what: str
) -> None:
    table: Any = model
    result = await session.execute(
        delete(model).where(table.id == row_id, model.participant_id == participant_id)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound(what)


async def page_of(
    session: AsyncSession,
    model: type[R],
    conditions: Sequence[ColumnElement[bool]],
    order_by: Sequence[Any],
    limit: int,
    offset: int,
) -> tuple[Sequence[R], int]:
    """One page in the given order, and the number of rows that match."""
    total = await session.scalar(select(func.count()).select_from(model).where(*conditions))
    items = (
        await session.scalars(
            select(model).where(*conditions).order_by(*order_by).limit(limit).offset(offset)
        )
    ).all()
    return items, total or 0
