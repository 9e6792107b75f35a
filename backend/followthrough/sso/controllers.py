"""Sign-in through a trusted proxy or an OpenID provider, and the identities linked to an account.

The provider's pages are browser navigations, not API calls: `oidc/start` and `oidc/callback` answer with
redirects, and a failure sends the browser back to the app with a reason code (`?signInError=…`) that the
app puts in words, never an error body or a 5xx.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Redirect
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT, HTTP_302_FOUND
from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.context import RequestContext
from followthrough.errors import ErrorBody, NotFound, Unavailable
from followthrough.identity import (
    SESSION_COOKIE,
    IdentityService,
    Participant,
    SessionOut,
    csrf_token_for,
    hash_token,
    participant_out,
    session_cookie,
)
from followthrough.settings import Settings
from followthrough.sso import schemas, trusted_header
from followthrough.sso.models import SignInIdentity
from followthrough.sso.oidc import FLOW_COOKIE, FLOW_LIFETIME, FlowState, OidcClient, Problem, ProviderProblem
from followthrough.sso.services import SignInService, TrustedHeaderRefused, has_password

logger = logging.getLogger(__name__)
REFUSED = "no signed-in person came through a trusted proxy"
SIGN_IN_PAGE = "/"
LINK_PAGE = "/settings/sign-in"
QueryText = Annotated[str | None, QueryParameter(max_length=2048)]
OIDC_OFF = {
    404: ResponseSpec(ErrorBody, description="OpenID Connect is off on this server", generate_examples=False)
}


def provide_sign_in(context: NamedDependency[RequestContext]) -> SignInService:
    return SignInService(context, IdentityService(context))


def provide_oidc(settings: NamedDependency[Settings]) -> OidcClient:
    if not settings.oidc_issuer:
        raise NotFound("OpenID Connect sign-in")
    return OidcClient(settings)


def _flow_cookie(settings: NamedDependency[Settings], value: str, max_age: int) -> Cookie:
    # Lax: the provider's redirect back is a top-level navigation from another site.
    return Cookie(
        key=FLOW_COOKIE,
        value=value,
        max_age=max_age,
        path="/api/v1/",
        httponly=True,
        secure=settings.resolved_cookie_secure,
        samesite="lax",
    )


async def _session_for(
    participant: NamedDependency[Participant],
    request: Request[Any, Any, Any],
    settings: NamedDependency[Settings],
    now: NamedDependency[datetime],
) -> tuple[str, Cookie]:
    db: AsyncSession = request.app.state.alchemy.provide_session(request.app.state, request.scope)
    token, _ = await IdentityService(RequestContext(db, now, settings)).start_session(
        participant, request.headers.get("user-agent")
    )
    return token, session_cookie(settings, token, settings.session_days * 86400)


def _back_to_app(page: str, cookies: list[Cookie], **query: str) -> Redirect:
    target = f"{page}?{urlencode(query)}" if query else page
    return Redirect(path=target, status_code=HTTP_302_FOUND, cookies=cookies)


class SignInController(Controller):
    path = "/auth"
    tags = ["auth"]
    dependencies = {"sign_in": Provide(provide_sign_in, sync_to_thread=False)}

    @get("/methods", operation_id="getSignInMethods", exclude_from_auth=True)
    async def methods(
        self, settings: NamedDependency[Settings], request: Request[Any, Any, Any]
    ) -> schemas.SignInMethods:
        """Which ways to sign in this server offers, so the app shows the right buttons."""
        oidc = schemas.OidcMethod(name=settings.oidc_name) if settings.oidc_issuer else None
        return schemas.SignInMethods(
            password=True,
            trusted_header=trusted_header.from_trusted_proxy(request, settings),
            oidc=oidc,
        )

    @post(
        "/trusted-header",
        operation_id="signInWithTrustedHeader",
        exclude_from_auth=True,
        status_code=HTTP_200_OK,
        responses={
            401: ResponseSpec(
                ErrorBody,
                description="Not from a trusted proxy, no person named, or no account that may sign in",
                generate_examples=False,
            )
        },
    )
    async def trusted_header_sign_in(
        self,
        data: JSONBody[schemas.TrustedHeaderSignIn],
        sign_in: NamedDependency[SignInService],
        settings: NamedDependency[Settings],
        now: NamedDependency[datetime],
        request: Request[Any, Any, Any],
    ) -> Response[SessionOut]:
        """Start a session for the person the forward-auth proxy names in the trusted header. Works only for
        requests whose connection comes from the configured proxy networks; anything else is refused alike."""
        try:
            participant = await sign_in.by_trusted_email(
                trusted_header.named_email(request, settings), data.time_zone
            )
        except TrustedHeaderRefused:
            raise NotAuthorizedException(REFUSED) from None
        token, cookie = await _session_for(participant, request, settings, now)
        body = SessionOut(
            participant=participant_out(participant),
            csrf_token=csrf_token_for(hash_token(token), settings.resolved_secret_key),
        )
        return Response(body, status_code=HTTP_200_OK, cookies=[cookie])

    @get(
        "/oidc/start",
        operation_id="startOidcSignIn",
        exclude_from_auth=True,
        status_code=HTTP_302_FOUND,
        dependencies={"oidc": Provide(provide_oidc, sync_to_thread=False)},
        responses=OIDC_OFF,
        response_description="To the provider's sign-in page, or back to the app with `signInError`",
    )
    async def start(
        self,
        oidc: NamedDependency[OidcClient],
        settings: NamedDependency[Settings],
        now: NamedDependency[datetime],
        time_zone: Annotated[str | None, QueryParameter(name="timeZone", max_length=64)] = None,
    ) -> Redirect:
        """Send the browser to the OpenID provider to sign in."""
        flow = FlowState.new("sign-in", time_zone=time_zone)
        try:
            url = await oidc.authorization_url(flow)
        except ProviderProblem as problem:
            logger.warning("OpenID sign-in could not start: %s", problem)
            return _back_to_app(SIGN_IN_PAGE, [], signInError=problem.problem.value)
        cookie = _flow_cookie(settings, flow.seal(settings, now), int(FLOW_LIFETIME.total_seconds()))
        return Redirect(path=url, status_code=HTTP_302_FOUND, cookies=[cookie])

    @get(
        "/oidc/callback",
        operation_id="finishOidcSignIn",
        exclude_from_auth=True,
        status_code=HTTP_302_FOUND,
        dependencies={"oidc": Provide(provide_oidc, sync_to_thread=False)},
        responses=OIDC_OFF,
        response_description="Into the app, signed in or linked; or back with `signInError` naming why not",
    )
    async def callback(
        self,
        oidc: NamedDependency[OidcClient],
        sign_in: NamedDependency[SignInService],
        settings: NamedDependency[Settings],
        now: NamedDependency[datetime],
        request: Request[Any, Any, Any],
        code: QueryText = None,
        flow_state: Annotated[str | None, QueryParameter(name="state", max_length=2048)] = None,
        error: QueryText = None,
    ) -> Redirect:
        """Where the provider sends the browser back: sign in (or finish linking) and go to the app."""
        cleared = _flow_cookie(settings, "", 0)  # one use: a replayed callback finds no flow
        flow: FlowState | None = None
        try:
            flow = FlowState.unseal(settings, request.cookies.get(FLOW_COOKIE), now)
            if flow_state is None or flow_state != flow.state:
                raise ProviderProblem(Problem.STATE_MISMATCH)
            if error is not None or code is None:
                raise ProviderProblem(Problem.DENIED, error or "no code")
            claims = await oidc.finish(flow, code, now)
            if flow.mode == "link" and flow.participant_id is not None:
                session_cookie = request.cookies.get(SESSION_COOKIE)
                await sign_in.link(
                    UUID(flow.participant_id), hash_token(session_cookie) if session_cookie else None, claims
                )
                return _back_to_app(LINK_PAGE, [cleared], linked="1")
            participant = await sign_in.by_provider(claims, flow.time_zone)
        except ProviderProblem as problem:
            logger.info("OpenID sign-in refused (%s): %s", problem.problem.value, problem)
            page = LINK_PAGE if flow is not None and flow.mode == "link" else SIGN_IN_PAGE
            return _back_to_app(page, [cleared], signInError=problem.problem.value)
        _, signed_in = await _session_for(participant, request, settings, now)
        # The marker tells the app to ask for its session: it does not ask a browser it saw signed out.
        return _back_to_app(SIGN_IN_PAGE, [cleared, signed_in], signedIn="1")


def identity_out(identity: SignInIdentity, settings: NamedDependency[Settings]) -> schemas.SignInIdentityOut:
    return schemas.SignInIdentityOut(
        id=identity.id,
        provider=settings.oidc_name,
        issuer=identity.issuer,
        email=identity.email,
        created_at=identity.created_at,
        last_used_at=identity.last_used_at,
    )


class IdentityController(Controller):
    path = "/account/identities"
    tags = ["account"]
    dependencies = {"sign_in": Provide(provide_sign_in, sync_to_thread=False)}

    @get("", operation_id="listSignInIdentities")
    async def list_identities(
        self,
        participant: NamedDependency[Participant],
        sign_in: NamedDependency[SignInService],
        settings: NamedDependency[Settings],
    ) -> schemas.SignInIdentities:
        """The provider accounts that sign in to this account."""
        identities = await sign_in.identities(participant)
        return schemas.SignInIdentities(
            items=[identity_out(identity, settings) for identity in identities],
            has_password=has_password(participant),
            can_link=bool(settings.oidc_issuer),
        )

    @post(
        "/oidc/link",
        operation_id="startOidcLink",
        status_code=HTTP_200_OK,
        dependencies={"oidc": Provide(provide_oidc, sync_to_thread=False)},
        responses={
            **OIDC_OFF,
            503: ResponseSpec(
                ErrorBody,
                description="The provider cannot be reached; try again later",
                generate_examples=False,
            ),
        },
    )
    async def start_link(
        self,
        participant: NamedDependency[Participant],
        oidc: NamedDependency[OidcClient],
        settings: NamedDependency[Settings],
        now: NamedDependency[datetime],
    ) -> Response[schemas.LinkStarted]:
        """Start linking an account at the OpenID provider: go to `authorizationUrl`; the provider sends the
        browser back to the sign-in methods page."""
        flow = FlowState.new("link", participant_id=str(participant.id))
        try:
            url = await oidc.authorization_url(flow)
        except ProviderProblem as problem:
            logger.warning("OpenID link could not start: %s", problem)
            raise Unavailable("cannot be reached; try again later", field="provider") from None
        cookie = _flow_cookie(settings, flow.seal(settings, now), int(FLOW_LIFETIME.total_seconds()))
        return Response(schemas.LinkStarted(authorization_url=url), cookies=[cookie])

    @delete("/{identity_id:uuid}", operation_id="unlinkSignInIdentity", status_code=HTTP_204_NO_CONTENT)
    async def unlink(
        self,
        identity_id: FromPath[UUID],
        participant: NamedDependency[Participant],
        sign_in: NamedDependency[SignInService],
    ) -> None:
        """Unlink a provider account. Refused (409) for the last one of an account that has no password."""
        await sign_in.unlink(participant, identity_id)
