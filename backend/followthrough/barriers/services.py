"""Barriers: what holds a participant back, who holds its key, and its history from holding to broken."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from msgspec import UNSET
from sqlalchemy import select

from followthrough.barriers import schemas
from followthrough.barriers.models import Barrier, BarrierStatusChange
from followthrough.context import ContextBound
from followthrough.enums import BarrierLevel, BarrierStatus, KeyHolder
from followthrough.errors import InvalidInput
from followthrough.identity import Participant
from followthrough.ownership import delete_owned, get_owned, page_of
from followthrough.schemas import to_schema
from followthrough.text import stripped_or_none


def barrier_out(barrier: Barrier) -> schemas.BarrierOut:
    return to_schema(barrier, schemas.BarrierOut)


def status_change_out(change: BarrierStatusChange) -> schemas.BarrierStatusChangeOut:
    return to_schema(change, schemas.BarrierStatusChangeOut)


def require_key_holder(
    key_holder: KeyHolder, key_holder_name: str | None, field: str = "keyHolderName"
) -> None:
    """Others hold the key: say who. The participant holds it: there is no one else to name."""
    if key_holder is KeyHolder.OTHERS and key_holder_name is None:
        raise InvalidInput(field, "say who holds the key when keyHolder is others")
    if key_holder is KeyHolder.ME and key_holder_name is not None:
        raise InvalidInput(field, "must be empty when keyHolder is me")


class BarrierService(ContextBound):
    async def create(
        self, participant: Participant, data: schemas.BarrierCreate, reflection_id: UUID | None = None
    ) -> Barrier:
        """Store a barrier and the first entry of its history (no previous status)."""
        key_holder_name = stripped_or_none(data.key_holder_name)
        require_key_holder(data.key_holder, key_holder_name)
        barrier = Barrier(
            participant_id=participant.id,
            title=data.title.strip(),
            detail=stripped_or_none(data.detail),
            level=data.level,
            key_holder=data.key_holder,
            key_holder_name=key_holder_name,
            status=data.status,
            status_changed_at=self.now,
            resolved_at=self.now if data.status is BarrierStatus.BROKEN else None,
            reflection_id=reflection_id,
            created_at=self.now,
            updated_at=self.now,
        )
        self.session.add(barrier)
        await self.session.flush()
        self._record_status(barrier, None, data.status, None)
        await self.session.flush()
        return barrier

    async def page(
        self,
        participant: Participant,
        level: BarrierLevel | None = None,
        status: BarrierStatus | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[Sequence[Barrier], int]:
        """One page, newest first, and the number of barriers that match."""
        conditions = [Barrier.participant_id == participant.id]
        if level is not None:
            conditions.append(Barrier.level == level)
        if status is not None:
            conditions.append(Barrier.status == status)
        newest_first = [Barrier.created_at.desc(), Barrier.id.desc()]
        return await page_of(self.session, Barrier, conditions, newest_first, limit, offset)

    async def get(self, participant: Participant, barrier_id: UUID) -> Barrier:
        return await get_owned(self.session, Barrier, participant.id, barrier_id, "barrier")

    async def update(
        self, participant: Participant, barrier_id: UUID, data: schemas.BarrierUpdate
    ) -> Barrier:
        barrier = await self.get(participant, barrier_id)
        key_holder = barrier.key_holder if data.key_holder is UNSET else data.key_holder
        if data.key_holder_name is not UNSET:
            key_holder_name = stripped_or_none(data.key_holder_name)
        elif key_holder is KeyHolder.ME:
            key_holder_name = None
        else:
            key_holder_name = barrier.key_holder_name
        require_key_holder(key_holder, key_holder_name)
        if data.status_reason is not UNSET and data.status is UNSET:
            raise InvalidInput("statusReason", "give it together with the new status")

        if data.title is not UNSET:
            barrier.title = data.title.strip()
        if data.detail is not UNSET:
            barrier.detail = stripped_or_none(data.detail)
        if data.level is not UNSET:
            barrier.level = data.level
        barrier.key_holder = key_holder
        barrier.key_holder_name = key_holder_name
        if data.status is not UNSET and data.status != barrier.status:
            reason = None if data.status_reason is UNSET else stripped_or_none(data.status_reason)
            self._record_status(barrier, barrier.status, data.status, reason)
            barrier.status = data.status
            barrier.status_changed_at = self.now
            barrier.resolved_at = self.now if data.status is BarrierStatus.BROKEN else None
        barrier.updated_at = self.now
        await self.session.flush()
        return barrier

    async def delete(self, participant: Participant, barrier_id: UUID) -> None:
        """Its history goes with it; key actions about it stay, no longer tied to a barrier."""
        await delete_owned(self.session, Barrier, participant.id, barrier_id, "barrier")

    async def history(self, participant: Participant, barrier_id: UUID) -> list[BarrierStatusChange]:
        await self.get(participant, barrier_id)
        return (await self.status_history(participant, [barrier_id]))[barrier_id]

    async def status_history(
        self, participant: Participant, barrier_ids: list[UUID] | None = None
    ) -> dict[UUID, list[BarrierStatusChange]]:
        """Status changes per barrier, oldest first, in one query: of the given barriers (each gets a list,
        possibly empty), or of all the participant's barriers when `barrier_ids` is None."""
        histories: dict[UUID, list[BarrierStatusChange]] = {
            barrier_id: [] for barrier_id in barrier_ids or []
        }
        if barrier_ids is not None and not barrier_ids:
            return histories
        query = select(BarrierStatusChange).where(BarrierStatusChange.participant_id == participant.id)
        if barrier_ids is not None:
            query = query.where(BarrierStatusChange.barrier_id.in_(barrier_ids))
        changes = await self.session.scalars(
            query.order_by(BarrierStatusChange.changed_at, BarrierStatusChange.id)
        )
        for change in changes:
            histories.setdefault(change.barrier_id, []).append(change)
        return histories

    def _record_status(
        self,
        barrier: Barrier,
        from_status: BarrierStatus | None,
        to_status: BarrierStatus,
        reason: str | None,
    ) -> None:
        self.session.add(
            BarrierStatusChange(
                participant_id=barrier.participant_id,
                barrier_id=barrier.id,
                from_status=from_status,
                to_status=to_status,
                reason=reason,
                changed_at=self.now,
                created_at=self.now,
                updated_at=self.now,
            )
        )
