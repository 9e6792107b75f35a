"""Signing in and out, and who is signed in: the session endpoints, and the wire shape of a participant."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from followthrough.context import RequestContext
from followthrough.identity import schemas
from followthrough.identity.auth import SESSION_COOKIE, Credential, client_address, csrf_token_for, hash_token
from followthrough.identity.models import Participant
from followthrough.identity.passwords import has_password
from followthrough.identity.services import IdentityService
from followthrough.schemas import format_local_time
from followthrough.settings import Settings


def provide_identity_service(context: NamedDependency[RequestContext]) -> IdentityService:
    return IdentityService(context)


def participant_out(participant: Participant) -> schemas.ParticipantOut:
    return schemas.ParticipantOut(
        id=participant.id,
        email=participant.email,
        display_name=participant.display_name,
        time_zone=participant.time_zone,
        review_weekday=participant.review_weekday,
        review_time=format_local_time(participant.review_time) or "",
        quiet_hours_start=format_local_time(participant.quiet_hours_start),
        quiet_hours_end=format_local_time(participant.quiet_hours_end),
        nudge_enabled=participant.nudge_enabled,
        has_password=has_password(participant.password_hash),
        created_at=participant.created_at,
    )


def session_cookie(settings: Settings, value: str, max_age: int) -> Cookie:
    """The session cookie carrying `value`; an empty value with max_age 0 signs the browser out."""
    return Cookie(
        key=SESSION_COOKIE,
        value=value,
        max_age=max_age,
        path="/",
        httponly=True,
        secure=settings.resolved_cookie_secure,
        samesite="lax",
    )


class AuthController(Controller):
    path = "/auth"
    tags = ["auth"]
    dependencies = {
        "identity": Provide(provide_identity_service, sync_to_thread=False),
    }

    async def _signed_in(
        self,
        identity: IdentityService,
        participant: Participant,
        request: Request[Any, Any, Any],
        status: int,
    ) -> Response[schemas.SessionOut]:
        token, _ = await identity.start_session(participant, request.headers.get("user-agent"))
        settings = identity.settings
        body = schemas.SessionOut(
            participant=participant_out(participant),
            csrf_token=csrf_token_for(hash_token(token), settings.resolved_secret_key),
        )
        cookie = session_cookie(settings, token, settings.session_days * 86400)
        return Response(body, status_code=status, cookies=[cookie])

    @post(
        "/sign-in",
        operation_id="signIn",
        exclude_from_auth=True,
        status_code=HTTP_200_OK,
        opt={"rate_limited": True},
    )
    async def sign_in(
        self,
        data: JSONBody[schemas.SignIn],
        identity: NamedDependency[IdentityService],
        request: Request[Any, Any, Any],
    ) -> Response[schemas.SessionOut]:
        """Sign in with email and password; sets the session cookie and returns the CSRF token."""
        participant = await identity.sign_in(data, client_address(request))
        return await self._signed_in(identity, participant, request, HTTP_200_OK)

    @post("/sign-out", operation_id="signOut", status_code=HTTP_204_NO_CONTENT)
    async def sign_out(
        self, identity: NamedDependency[IdentityService], request: Request[Participant, Credential, Any]
    ) -> Response[None]:
        """End this session (a no-op for API tokens, which are revoked instead)."""
        if request.auth.kind == "session":
            await identity.end_session(request.auth.id)
        return Response(
            None, status_code=HTTP_204_NO_CONTENT, cookies=[session_cookie(identity.settings, "", 0)]
        )

    @get("/session", operation_id="getSession")
    async def get_session(
        self, request: Request[Participant, Credential, Any], settings: NamedDependency[Settings]
    ) -> schemas.SessionOut:
        """Who is signed in, with a fresh copy of the CSRF token for cookie sessions."""
        csrf = None
        if request.auth.kind == "session":
            csrf = csrf_token_for(request.auth.token_hash, settings.resolved_secret_key)
        return schemas.SessionOut(participant=participant_out(request.user), csrf_token=csrf)
