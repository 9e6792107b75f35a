from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK

from followthrough.actions import OccurrenceService
from followthrough.actlinks import schemas
from followthrough.actlinks.services import Acted, ActLinkService
from followthrough.checkins import CheckInService
from followthrough.context import RequestContext
from followthrough.errors import ErrorBody
from followthrough.partners import EncouragementService, PartnershipService
from followthrough.readcache import announce_at_commit, forget_written
from followthrough.reminders import SnoozeService

ActToken = Annotated[str, Parameter(description="The link's token, from the message: 22 characters")]
TOUCHED = "act_touched"
"""Request state: whose remembered reads an answer made stale, forgotten here after the commit."""


def _error(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=ErrorBody, description=description, generate_examples=False)


NOT_VALID = {404: _error('Unknown, altered or malformed token: `detail` is "This link is not valid."')}
GONE = {410: _error("The link has expired (or, for undo, the 10 minutes have passed)")}
ANSWERED = {409: _error("Already answered with another result through this link: undo it first")}
TOO_MANY = {429: _error("Encourage links: too many encouragements to this person today")}


def provide_act_links(
    context: NamedDependency[RequestContext],
    occurrences: NamedDependency[OccurrenceService],
) -> ActLinkService:
    return ActLinkService(
        context,
        CheckInService(context, occurrences),
        SnoozeService(context),
        EncouragementService(context, PartnershipService(context)),
    )


def _acted(request: Request[Any, Any, Any], act_links: ActLinkService, acted: Acted) -> schemas.ActLinkOut:
    request.state[TOUCHED] = acted.touched
    for participant_id in acted.touched:
        announce_at_commit(request.app.state, act_links.session, participant_id)
    return acted.view


async def announce_answer(request: Request[Any, Any, Any]) -> None:
    """An act link needs no sign-in, so the authentication middleware does not announce the write; Today
    shows check-ins and snoozes, so the remembered Today of whoever it touched ends here instead (the other
    processes hear of it from the answer's own commit)."""
    touched: set[UUID] = request.state.get(TOUCHED) or set()
    for participant_id in touched:
        forget_written(request.app.state, participant_id)


class ActLinkController(Controller):
    """The links in reminders and digests: no sign-in, the token is the permission. GET never acts."""

    path = "/act"
    tags = ["act"]
    dependencies = {"act_links": Provide(provide_act_links, sync_to_thread=False)}

    @get("/{token:str}", operation_id="getActLink", exclude_from_auth=True, responses={**NOT_VALID, **GONE})
    async def get_act_link(
        self, token: ActToken, act_links: NamedDependency[ActLinkService]
    ) -> schemas.ActLinkOut:
        """What the link is about (the key action and when it is due, in the person's zone; or whom a
        partner encourages), the choices it offers, and the answer already given (here or in the app).
        Changes nothing: mail scanners and chat previews open links. An expired link that was not answered
        is a 410."""
        return await act_links.show(token)

    # Announced once the response is sent, so after the commit.
    @post(
        "/{token:str}",
        operation_id="answerActLink",
        exclude_from_auth=True,
        status_code=HTTP_200_OK,
        after_response=announce_answer,
        responses={**NOT_VALID, **GONE, **ANSWERED, **TOO_MANY},
    )
    async def answer_act_link(
        self,
        request: Request[Any, Any, Any],
        token: ActToken,
        data: JSONBody[schemas.ActAnswerIn],
        act_links: NamedDependency[ActLinkService],
    ) -> schemas.ActLinkOut:
        """Answer once: a check-in result (with an optional note and measure), a snooze (15 min, 1 h, or
        tonight: 20:00 local, else 08:00 next morning), or for a digest's link, encourage. The same POST
        again answers the same and stores nothing more; a client-made `id` makes an offline replay store
        one check-in. A check-in made in the app already is shown as the answer. Another result after a
        check-in through this link is a 409 on `choice`; a snooze may be followed by any answer. A new
        snooze replaces an earlier one still waiting; a check-in cancels every reminder still waiting."""
        return _acted(request, act_links, await act_links.answer(token, data))

    @post(
        "/{token:str}/undo",
        operation_id="undoActLink",
        exclude_from_auth=True,
        status_code=HTTP_200_OK,
        after_response=announce_answer,
        responses={**NOT_VALID, **GONE},
    )
    async def undo_act_link(
        self, request: Request[Any, Any, Any], token: ActToken, act_links: NamedDependency[ActLinkService]
    ) -> schemas.ActLinkOut:
        """Take back the answer given through this link, within 10 minutes of it (then 410): the check-in
        is removed, the snooze is not sent, the encouragement is withdrawn. The link is open again. Undoing
        when there is nothing to undo answers the link as it is."""
        return _acted(request, act_links, await act_links.undo(token))
