from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, Parameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from followthrough.actions import OccurrenceService
from followthrough.barriers import BarrierService
from followthrough.checkins import AgendaService, ProgressService
from followthrough.context import RequestContext
from followthrough.errors import ErrorBody
from followthrough.identity import Participant
from followthrough.partners import schemas
from followthrough.partners.encouragement import EncouragementService, encouragement_out
from followthrough.partners.invites import InviteService, invite_out, invite_url
from followthrough.partners.services import PartnershipService, partnership_out, supported_out
from followthrough.partners.view import PartnerView
from followthrough.schemas import LimitParam, OffsetParam, Page
from followthrough.settings import Settings

TAGS = ["partners"]


def _error(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=ErrorBody, description=description, generate_examples=False)


OTHER_SIDE = {403: _error("The caller is on the other side of this partnership (or sent no CSRF token)")}
GONE = {410: _error("The invite or link has expired")}
TOO_MANY = {429: _error("Too many encouragements to this person today")}
GUESSED = {429: _error("Too many tokens matching no invite from this address; Retry-After says when")}
OneTapToken = Annotated[str, Parameter(min_length=1, max_length=1000, description="The signed link's token")]


def client_address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


def provide_invites(context: NamedDependency[RequestContext]) -> InviteService:
    return InviteService(context)


def provide_partnerships(context: NamedDependency[RequestContext]) -> PartnershipService:
    return PartnershipService(context)


def provide_encouragements(context: NamedDependency[RequestContext]) -> EncouragementService:
    return EncouragementService(context, PartnershipService(context))


def provide_view(
    context: NamedDependency[RequestContext],
    occurrences: NamedDependency[OccurrenceService],
) -> PartnerView:
    return PartnerView(
        context,
        ProgressService(context, occurrences, BarrierService(context)),
        AgendaService(context, occurrences),
    )


class InviteController(Controller):
    path = "/invites"
    tags = TAGS
    dependencies = {"invites": Provide(provide_invites, sync_to_thread=False)}

    @post("", operation_id="createInvite", status_code=HTTP_201_CREATED)
    async def create_invite(
        self,
        data: JSONBody[schemas.InviteCreate],
        participant: NamedDependency[Participant],
        invites: NamedDependency[InviteService],
        now: NamedDependency[datetime],
        settings: NamedDependency[Settings],
    ) -> schemas.InviteCreated:
        """Invite an accountability partner: a single-use link, valid 7 days unless `expiresInDays` says
        otherwise, optionally offering a mutual partnership. The token is shown this once."""
        invite, token = await invites.create(participant, data)
        return schemas.InviteCreated(
            invite=invite_out(invite, now), token=token, url=invite_url(settings, token)
        )

    @get("", operation_id="listInvites")
    async def list_invites(
        self,
        participant: NamedDependency[Participant],
        invites: NamedDependency[InviteService],
        now: NamedDependency[datetime],
    ) -> list[schemas.InviteOut]:
        """The caller's invites, newest first, each pending, accepted, revoked or expired."""
        return [invite_out(invite, now) for invite in await invites.list(participant)]

    @delete("/{invite_id:uuid}", operation_id="revokeInvite", status_code=HTTP_204_NO_CONTENT)
    async def revoke_invite(
        self,
        invite_id: FromPath[UUID],
        participant: NamedDependency[Participant],
        invites: NamedDependency[InviteService],
    ) -> None:
        """Revoke an invite before it is used; an accepted one is a 409 on `id` (end the partnership)."""
        await invites.revoke(participant, invite_id)

    @post(
        "/preview",
        operation_id="previewInvite",
        exclude_from_auth=True,
        status_code=HTTP_200_OK,
        responses={410: _error("The invite is unknown, used, revoked or expired"), **GUESSED},
    )
    async def preview_invite(
        self,
        data: JSONBody[schemas.InvitePreviewRequest],
        invites: NamedDependency[InviteService],
        request: Request[Any, Any, Any],
    ) -> schemas.InvitePreviewOut:
        """Who the invite is from and whether it is mutual, without using it; no sign-in needed (the token is
        the permission). Any invite that cannot be accepted is a 410 on `token`, whatever the reason."""
        invite, inviter = await invites.preview(data.token, client_address(request))
        return schemas.InvitePreviewOut(
            inviter=schemas.InviterOut(display_name=inviter.display_name),
            mutual=invite.mutual,
            expires_at=invite.expires_at,
        )

    @post("/accept", operation_id="acceptInvite", status_code=HTTP_201_CREATED, responses={**GONE, **GUESSED})
    async def accept_invite(
        self,
        data: JSONBody[schemas.InviteAccept],
        participant: NamedDependency[Participant],
        invites: NamedDependency[InviteService],
        request: Request[Any, Any, Any],
    ) -> schemas.AcceptedOut:
        """Become the inviter's partner (and, for a mutual invite, make them yours); the inviter is told.
        An unknown token is a 404; a used or revoked one a 409 on `token`; an expired one a 410; your own
        invite a 422. Unknown tokens count towards a limit per address, shared with previews (then 429)."""
        supporting, inviter, mutual = await invites.accept(participant, data.token, client_address(request))
        return schemas.AcceptedOut(
            supporting=supported_out(supporting, inviter),
            partnership=None if mutual is None else partnership_out(mutual, inviter),
        )


class PartnershipController(Controller):
    """The participant's side: their partners and what each may see."""

    path = "/partnerships"
    tags = TAGS
    dependencies = {
        "partnerships": Provide(provide_partnerships, sync_to_thread=False),
        "view": Provide(provide_view, sync_to_thread=False),
    }

    @get("", operation_id="listPartners")
    async def list_partners(
        self, participant: NamedDependency[Participant], partnerships: NamedDependency[PartnershipService]
    ) -> list[schemas.PartnershipOut]:
        """The caller's partners, earliest first, with what each may see."""
        return [partnership_out(*row) for row in await partnerships.partners(participant)]

    @get("/{partnership_id:uuid}", operation_id="getPartnership", responses=OTHER_SIDE)
    async def get_partnership(
        self,
        partnership_id: FromPath[UUID],
        participant: NamedDependency[Participant],
        partnerships: NamedDependency[PartnershipService],
    ) -> schemas.PartnershipOut:
        """One of the caller's partners. Their partner gets 403 (they read it as `/supporting/{id}`)."""
        return partnership_out(*await partnerships.as_participant(participant, partnership_id))

    @patch("/{partnership_id:uuid}", operation_id="updatePartnershipScope", responses=OTHER_SIDE)
    async def update_partnership(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[schemas.PartnershipUpdate],
        participant: NamedDependency[Participant],
        partnerships: NamedDependency[PartnershipService],
    ) -> schemas.PartnershipOut:
        """Share check-in notes and barrier details, show the email address, or allow missed-check-in
        nudges, for this partner. Takes effect at once."""
        return partnership_out(*await partnerships.update_scope(participant, partnership_id, data))

    @delete("/{partnership_id:uuid}", operation_id="endPartnership", status_code=HTTP_204_NO_CONTENT)
    async def end_partnership(
        self,
        partnership_id: FromPath[UUID],
        participant: NamedDependency[Participant],
        partnerships: NamedDependency[PartnershipService],
    ) -> None:
        """End a partnership, from either side. The partner's access ends with this request. A mutual
        partnership is two partnerships: this ends the one named."""
        await partnerships.end(participant, partnership_id)

    @get("/{partnership_id:uuid}/preview", operation_id="previewPartnerView", responses=OTHER_SIDE)
    async def preview(
        self,
        partnership_id: FromPath[UUID],
        participant: NamedDependency[Participant],
        partnerships: NamedDependency[PartnershipService],
        view: NamedDependency[PartnerView],
    ) -> schemas.SharedView:
        """Exactly what this partner sees of the caller."""
        partnership, _ = await partnerships.as_participant(participant, partnership_id)
        return await view.of(partnership, participant)


class SupportingController(Controller):
    """The partner's side: the people they support."""

    path = "/supporting"
    tags = TAGS
    dependencies = {
        "partnerships": Provide(provide_partnerships, sync_to_thread=False),
        "view": Provide(provide_view, sync_to_thread=False),
        "encouragements": Provide(provide_encouragements, sync_to_thread=False),
    }

    @get("", operation_id="listSupported")
    async def list_supported(
        self, participant: NamedDependency[Participant], partnerships: NamedDependency[PartnershipService]
    ) -> list[schemas.SupportedOut]:
        """The people the caller supports, earliest first."""
        return [supported_out(*row) for row in await partnerships.supported(participant)]

    @get("/{partnership_id:uuid}", operation_id="getSharedProgress", responses=OTHER_SIDE)
    async def get_shared_progress(
        self,
        partnership_id: FromPath[UUID],
        participant: NamedDependency[Participant],
        partnerships: NamedDependency[PartnershipService],
        view: NamedDependency[PartnerView],
    ) -> schemas.SharedView:
        """What the person shares: today, this week, streak, completion, outcome measures, their shared key
        actions and recent check-in results. Read-only."""
        partnership, person = await partnerships.as_partner(participant, partnership_id)
        return await view.of(partnership, person)

    @patch("/{partnership_id:uuid}", operation_id="updateSupportSettings", responses=OTHER_SIDE)
    async def update_support(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[schemas.SupportUpdate],
        participant: NamedDependency[Participant],
        partnerships: NamedDependency[PartnershipService],
    ) -> schemas.SupportedOut:
        """The partner's own choices for this person: in the weekly digest or not, missed-check-in nudges
        or not (sent only if the person allows them too). Which channels carry them is set per channel."""
        return supported_out(*await partnerships.update_support(participant, partnership_id, data))

    @post(
        "/{partnership_id:uuid}/encouragements",
        operation_id="sendEncouragement",
        status_code=HTTP_201_CREATED,
        responses={**OTHER_SIDE, **TOO_MANY},
    )
    async def send_encouragement(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[schemas.EncouragementCreate],
        participant: NamedDependency[Participant],
        encouragements: NamedDependency[EncouragementService],
    ) -> schemas.EncouragementOut:
        """Send a short message on one shared key action or check-in; the person is told. At most
        `encouragementsPerDay` (10) per person a day, then 429."""
        item = await encouragements.send(participant, partnership_id, data)
        return encouragement_out(item, participant)


class EncouragementController(Controller):
    path = "/encouragements"
    tags = TAGS
    dependencies = {"encouragements": Provide(provide_encouragements, sync_to_thread=False)}

    @get("", operation_id="listEncouragements")
    async def list_encouragements(
        self,
        participant: NamedDependency[Participant],
        encouragements: NamedDependency[EncouragementService],
        include_hidden: Annotated[bool, QueryParameter(name="includeHidden")] = False,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[schemas.EncouragementOut]:
        """Encouragements the caller received, newest first; hidden ones only when asked."""
        rows, total = await encouragements.received(participant, include_hidden, limit, offset)
        return Page(items=[encouragement_out(*row) for row in rows], total=total, limit=limit, offset=offset)

    @patch(
        "/{encouragement_id:uuid}",
        operation_id="updateEncouragement",
        responses={403: _error("The caller sent it: only the person encouraged may hide it")},
    )
    async def update_encouragement(
        self,
        encouragement_id: FromPath[UUID],
        data: JSONBody[schemas.EncouragementUpdate],
        participant: NamedDependency[Participant],
        encouragements: NamedDependency[EncouragementService],
    ) -> schemas.EncouragementOut:
        """Hide (or show again) an encouragement the caller received."""
        return encouragement_out(*await encouragements.set_hidden(participant, encouragement_id, data.hidden))


class OneTapController(Controller):
    path = "/encourage"
    tags = TAGS
    dependencies = {"encouragements": Provide(provide_encouragements, sync_to_thread=False)}

    @get(
        "/{token:str}",
        operation_id="oneTapEncourage",
        exclude_from_auth=True,
        status_code=HTTP_200_OK,
        responses=GONE,
    )
    async def one_tap(
        self, token: OneTapToken, encouragements: NamedDependency[EncouragementService]
    ) -> schemas.OneTapOut:
        """An older digest's one-tap link, opened: says what it would post (`posted: false`) and changes
        nothing, since mail scanners and chat previews open links. POST the same URL to send it. An expired
        link 410; a tampered one, or one whose partnership has ended, 404."""
        return await encouragements.one_tap(token, post=False)

    @post(
        "/{token:str}",
        operation_id="oneTapEncouragePost",
        exclude_from_auth=True,
        status_code=HTTP_200_OK,
        responses={**GONE, **TOO_MANY},
    )
    async def one_tap_post(
        self, token: OneTapToken, encouragements: NamedDependency[EncouragementService]
    ) -> schemas.OneTapOut:
        """Send an older digest's one-tap encouragement: posts its preset message to the person, once, with
        no sign-in. A replay answers `posted: false`; an expired link 410; a tampered one, or one whose
        partnership has ended, 404. Newer digests link to act pages (`/api/v1/act/{token}`)."""
        return await encouragements.one_tap(token, post=True)
