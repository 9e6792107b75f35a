from __future__ import annotations

from uuid import UUID

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from followthrough.barriers import schemas
from followthrough.barriers.services import BarrierService, barrier_out, status_change_out
from followthrough.context import RequestContext
from followthrough.enums import BarrierLevel, BarrierStatus
from followthrough.identity import Participant
from followthrough.schemas import LimitParam, OffsetParam, Page


def provide_barrier_service(context: NamedDependency[RequestContext]) -> BarrierService:
    return BarrierService(context)


class BarrierController(Controller):
    path = "/barriers"
    tags = ["barriers"]
    dependencies = {"barriers": Provide(provide_barrier_service, sync_to_thread=False)}

    @post("", operation_id="createBarrier", status_code=HTTP_201_CREATED)
    async def create_barrier(
        self,
        data: JSONBody[schemas.BarrierCreate],
        participant: NamedDependency[Participant],
        barriers: NamedDependency[BarrierService],
    ) -> schemas.BarrierOut:
        """Name a barrier: its level, who holds its key, and its status (holding unless said otherwise)."""
        return barrier_out(await barriers.create(participant, data))

    @get("", operation_id="listBarriers")
    async def list_barriers(
        self,
        participant: NamedDependency[Participant],
        barriers: NamedDependency[BarrierService],
        level: FromQuery[BarrierLevel | None] = None,
        status: FromQuery[BarrierStatus | None] = None,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[schemas.BarrierOut]:
        """The participant's barriers, newest first, optionally only those at one level or in one status."""
        items, total = await barriers.page(
            participant, level=level, status=status, limit=limit, offset=offset
        )
        return Page(
            items=[barrier_out(barrier) for barrier in items], total=total, limit=limit, offset=offset
        )

    @get("/{barrier_id:uuid}", operation_id="getBarrier")
    async def get_barrier(
        self,
        barrier_id: FromPath[UUID],
        participant: NamedDependency[Participant],
        barriers: NamedDependency[BarrierService],
    ) -> schemas.BarrierOut:
        """One barrier."""
        return barrier_out(await barriers.get(participant, barrier_id))

    @patch("/{barrier_id:uuid}", operation_id="updateBarrier")
    async def update_barrier(
        self,
        barrier_id: FromPath[UUID],
        data: JSONBody[schemas.BarrierUpdate],
        participant: NamedDependency[Participant],
        barriers: NamedDependency[BarrierService],
    ) -> schemas.BarrierOut:
        """Change any field. A new status is recorded in the barrier's history with the optional
        `statusReason`; `broken` sets `resolvedAt`, and leaving `broken` clears it."""
        return barrier_out(await barriers.update(participant, barrier_id, data))

    @delete("/{barrier_id:uuid}", operation_id="deleteBarrier", status_code=HTTP_204_NO_CONTENT)
    async def delete_barrier(
        self,
        barrier_id: FromPath[UUID],
        participant: NamedDependency[Participant],
        barriers: NamedDependency[BarrierService],
    ) -> None:
        """Delete a barrier and its history. Key actions about it stay, with `barrierId` null."""
        await barriers.delete(participant, barrier_id)

    @get("/{barrier_id:uuid}/history", operation_id="getBarrierHistory")
    async def get_barrier_history(
        self,
        barrier_id: FromPath[UUID],
        participant: NamedDependency[Participant],
        barriers: NamedDependency[BarrierService],
    ) -> list[schemas.BarrierStatusChangeOut]:
        """Every status the barrier has had, oldest first, starting with the one it was created in."""
        return [status_change_out(change) for change in await barriers.history(participant, barrier_id)]
