from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import Parameter, QueryParameter

from followthrough.actions import Occurrence
from followthrough.context import RequestContext
from followthrough.readcache import announce_at_commit, forget_written
from followthrough.reminders import schemas
from followthrough.reminders.services import SnoozeService

SnoozeToken = Annotated[
    str, Parameter(min_length=1, max_length=1000, description="The signed snooze link token")
]
# Required, as the document says; Litestar's own refusal of a missing parameter names no field, so the
# service refuses it instead, naming `for`.
SnoozeFor = Annotated[
    schemas.SnoozeChoice | None,
    QueryParameter(
        name="for",
        required=True,
        description="15m, 1h, or tonight (20:00 local, else 08:00 the next morning)",
    ),
]


def provide_snooze_service(context: NamedDependency[RequestContext]) -> SnoozeService:
    return SnoozeService(context)


SNOOZED_FOR = "snoozed_for"
"""Request state: whose reminder a snooze moved, so that their remembered reads end after the commit."""


async def snooze_for(
    request: Request[Any, Any, Any],
    deliveries: SnoozeService,
    token: str,
    choice: schemas.SnoozeChoice | None,
) -> schemas.SnoozeOut:
    out = await deliveries.snooze(token, choice)
    # The snooze loaded the occurrence into this session, so this is read from memory, not the database.
    occurrence = await deliveries.session.get(Occurrence, out.occurrence_id)
    if occurrence is not None:
        request.state[SNOOZED_FOR] = occurrence.participant_id
        announce_at_commit(request.app.state, deliveries.session, occurrence.participant_id)
    return out


async def announce_snooze(request: Request[Any, Any, Any]) -> None:
    """A snooze link needs no sign-in, so the authentication middleware does not announce it as a write;
    Today says what is snoozed, so the participant's remembered Today must end here instead (the other
    processes hear of it from the snooze's own commit)."""
    participant_id = request.state.get(SNOOZED_FOR)
    if participant_id is not None:
        forget_written(request.app.state, participant_id)


class SnoozeController(Controller):
    """The snooze links in reminders: no sign-in, the signed token is the permission."""

    path = "/snooze"
    tags = ["deliveries"]
    dependencies = {"deliveries": Provide(provide_snooze_service, sync_to_thread=False)}

    @get("/{token:str}", operation_id="snoozeReminderLink", exclude_from_auth=True)
    async def snooze_by_link(
        self, token: SnoozeToken, deliveries: NamedDependency[SnoozeService], choice: SnoozeFor = None
    ) -> schemas.SnoozeOut:
        """What the link in an older reminder would do, changing nothing (mail scanners and chat previews
        open links): `remindAt` is when the reminder would come again. POST the same URL to snooze. An
        expired or altered token gets 422 naming `token`."""
        return await deliveries.would_snooze(token, choice)

    # Announced once the response is sent, so after the commit.
    @post(
        "/{token:str}",
        operation_id="snoozeReminder",
        exclude_from_auth=True,
        status_code=200,
        after_response=announce_snooze,
    )
    async def snooze(
        self,
        request: Request[Any, Any, Any],
        token: SnoozeToken,
        deliveries: NamedDependency[SnoozeService],
        choice: SnoozeFor = None,
    ) -> schemas.SnoozeOut:
        """Remind again later, from the link in an older reminder. Idempotent: posting the same link and
        choice again changes nothing. A new snooze replaces any earlier one still waiting."""
        return await snooze_for(request, deliveries, token, choice)
