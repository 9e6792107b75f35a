from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from followthrough.actions import schemas
from followthrough.actions.occurrences import KeptOccurrences, OccurrenceService
from followthrough.actions.services import KeyActionService, status_change_out
from followthrough.context import RequestContext
from followthrough.enums import ActionStatus, Visibility
from followthrough.identity import Participant
from followthrough.schemas import LimitParam, OffsetParam, Page


def provide_occurrences(context: NamedDependency[RequestContext]) -> OccurrenceService:
    """One per request, handed to every service that materialises or reads occurrences."""
    return OccurrenceService(context)


def provide_key_action_service(
    context: NamedDependency[RequestContext],
    occurrences: NamedDependency[OccurrenceService],
    kept_occurrences: NamedDependency[KeptOccurrences],
) -> KeyActionService:
    """`kept_occurrences` comes from composition: which occurrences are kept is said by the layers above."""
    return KeyActionService(context, occurrences, kept_occurrences)


class KeyActionController(Controller):
    path = "/key-actions"
    tags = ["key actions"]
    dependencies = {"actions": Provide(provide_key_action_service, sync_to_thread=False)}

    @post("", operation_id="createKeyAction", status_code=HTTP_201_CREATED)
    async def create_key_action(
        self,
        data: JSONBody[schemas.KeyActionCreate],
        participant: NamedDependency[Participant],
        actions: NamedDependency[KeyActionService],
    ) -> schemas.KeyActionOut:
        """Commit to a key action: what, when (once, or an RRULE read in the participant's zone), who holds
        its key, and how its outcome is measured. Its occurrences are scheduled at once."""
        action = await actions.create(participant, data)
        return actions.out(participant, action)

    @get("", operation_id="listKeyActions")
    async def list_key_actions(
        self,
        participant: NamedDependency[Participant],
        actions: NamedDependency[KeyActionService],
        status: FromQuery[ActionStatus | None] = None,
        barrier_id: Annotated[UUID | None, QueryParameter(name="barrierId")] = None,
        visibility: FromQuery[Visibility | None] = None,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[schemas.KeyActionOut]:
        """The participant's key actions, newest first, optionally only those in one status, about one
        barrier or with one visibility."""
        items, total = await actions.page(
            participant,
            status=status,
            barrier_id=barrier_id,
            visibility=visibility,
            limit=limit,
            offset=offset,
        )
        return Page(
            items=[actions.out(participant, item) for item in items],
            total=total,
            limit=limit,
            offset=offset,
        )

    @get("/{key_action_id:uuid}", operation_id="getKeyAction")
    async def get_key_action(
        self,
        key_action_id: FromPath[UUID],
        participant: NamedDependency[Participant],
        actions: NamedDependency[KeyActionService],
    ) -> schemas.KeyActionOut:
        """One key action."""
        action = await actions.get(participant, key_action_id)
        return actions.out(participant, action)

    @patch("/{key_action_id:uuid}", operation_id="updateKeyAction")
    async def update_key_action(
        self,
        key_action_id: FromPath[UUID],
        data: JSONBody[schemas.KeyActionUpdate],
        participant: NamedDependency[Participant],
        actions: NamedDependency[KeyActionService],
    ) -> schemas.KeyActionOut:
        """Change any field but the status. A new schedule moves the future occurrences that have no
        check-in; the past and checked-in ones stay as they were."""
        action = await actions.update(participant, key_action_id, data)
        return actions.out(participant, action)

    @delete("/{key_action_id:uuid}", operation_id="deleteKeyAction", status_code=HTTP_204_NO_CONTENT)
    async def delete_key_action(
        self,
        key_action_id: FromPath[UUID],
        participant: NamedDependency[Participant],
        actions: NamedDependency[KeyActionService],
    ) -> None:
        """Delete a key action with its occurrences, check-ins and history."""
        await actions.delete(participant, key_action_id)

    @post("/{key_action_id:uuid}/status", operation_id="changeKeyActionStatus", status_code=HTTP_200_OK)
    async def change_status(
        self,
        key_action_id: FromPath[UUID],
        data: JSONBody[schemas.StatusChange],
        participant: NamedDependency[Participant],
        actions: NamedDependency[KeyActionService],
    ) -> schemas.KeyActionOut:
        """Pause, finish, drop or resume, saying why (renegotiating a commitment is part of the method).
        Leaving `active` removes the future occurrences nobody checked in on; resuming schedules from now."""
        action = await actions.change_status(participant, key_action_id, data)
        return actions.out(participant, action)

    @get("/{key_action_id:uuid}/history", operation_id="getKeyActionHistory")
    async def get_history(
        self,
        key_action_id: FromPath[UUID],
        participant: NamedDependency[Participant],
        actions: NamedDependency[KeyActionService],
    ) -> list[schemas.KeyActionStatusChangeOut]:
        """Every status the key action has had, oldest first, starting with its creation."""
        return [status_change_out(change) for change in await actions.history(participant, key_action_id)]
