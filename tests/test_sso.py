"""Sign-in for self-hosters: a forward-auth proxy's trusted header, and OpenID Connect against a real local
provider (tests/oidc/provider.mjs) driven as a browser would."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import func, select
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from followthrough import signing
from followthrough.clock import FrozenClock
from followthrough.database import session_scope
from followthrough.settings import Settings
from followthrough.sso.models import SignInIdentity
from followthrough.sso.oidc import FLOW_COOKIE, FLOW_PURPOSE
from followthrough.sso.trusted_header import RememberPeer
from tests.conftest import Caller, Callers
from tests.support.apps import SharedApps
from tests.support.oidc import Provider, free_port, running_provider, sign_in_at_provider

CALLBACK = "http://testserver/api/v1/auth/oidc/callback"
PROXY_NETWORK = "192.0.2.0/24"  # TEST-NET-1: no random test caller (10.x.x.x) is ever inside it
PROXY_ADDRESS = "192.0.2.10"
HEADER = "Remote-Email"


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider(CALLBACK) as running:
        yield running


@pytest.fixture
def clock() -> FrozenClock:
    # The provider stamps its ID tokens with the real time, and a token issued "in the future" is refused:
    # the app's clock is pinned, but to now.
    return FrozenClock(datetime.now(UTC).replace(microsecond=0))


@dataclasses.dataclass
class Server:
    app: Litestar
    callers: Callers
    settings: Settings

    def from_proxy(self) -> Caller:
        """A caller whose connection comes from the trusted proxy's network."""
        transport = httpx.ASGITransport(app=self.app, client=(PROXY_ADDRESS, 50000))
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        self.callers._clients.append(client)
        return Caller(client)


MakeServer = Callable[..., Awaitable[Server]]


@pytest.fixture
async def make_server(
    settings: Settings, clock: FrozenClock, provider: Provider, shared_apps: SharedApps
) -> AsyncIterator[MakeServer]:
    async with AsyncExitStack() as stack:

        async def make(**overrides: Any) -> Server:
            defaults: dict[str, Any] = {
                "public_url": "http://testserver",
                "oidc_issuer": provider.issuer,
                "oidc_client_id": provider.client_id,
                "oidc_client_secret": provider.client_secret,
                "oidc_name": "Test ID",
                "trusted_header": HEADER,
                "trusted_header_networks": PROXY_NETWORK,
            }
            configured = dataclasses.replace(settings, **(defaults | overrides))
            app = await shared_apps.serve(configured, clock)
            callers = Callers(app)
            stack.push_async_callback(callers.close)
            return Server(app, callers, configured)

        yield make


@pytest.fixture
async def server(make_server: MakeServer) -> Server:
    return await make_server()


def new_email() -> str:
    return f"sso-{uuid.uuid4().hex[:10]}@example.com"


async def start(caller: Caller) -> str:
    response = await caller.client.get("/api/v1/auth/oidc/start", params={"timeZone": "Europe/Paris"})
    assert response.status_code == 302, response.text
    return response.headers["location"]


async def come_back(caller: Caller, callback_url: str) -> httpx.Response:
    parts = urlsplit(callback_url)
    return await caller.client.get(f"{parts.path}?{parts.query}")


async def sign_in_through_provider(caller: Caller, login: str) -> httpx.Response:
    return await come_back(caller, await sign_in_at_provider(await start(caller), login))


def error_of(response: httpx.Response) -> str | None:
    assert response.status_code == 302, response.text
    return parse_qs(urlsplit(response.headers["location"]).query).get("signInError", [None])[0]


async def signed_in_as(caller: Caller) -> dict[str, Any] | None:
    response = await caller.client.get("/api/v1/auth/session")
    if response.status_code == 401:
        return None
    assert response.status_code == 200, response.text
    body = response.json()
    caller.csrf_token = body["csrfToken"]
    participant: dict[str, Any] = body["participant"]
    return participant


async def identity_count(server: Server) -> int:
    async with session_scope(server.app.state.alchemy) as db:
        return int(await db.scalar(select(func.count()).select_from(SignInIdentity)) or 0)


# Methods


async def test_methods_say_what_the_server_offers(server: Server, app: Litestar) -> None:
    outside = await server.callers.anonymous().client.get("/api/v1/auth/methods")
    assert outside.json() == {"password": True, "trustedHeader": False, "oidc": {"name": "Test ID"}}
    inside = await server.from_proxy().client.get("/api/v1/auth/methods")
    assert inside.json()["trustedHeader"] is True
    default = await Callers(app).anonymous().client.get("/api/v1/auth/methods")
    assert default.json() == {"password": True, "trustedHeader": False, "oidc": None}


async def test_oidc_endpoints_are_missing_when_oidc_is_off(app: Litestar) -> None:
    caller = Callers(app).anonymous()
    assert (await caller.client.get("/api/v1/auth/oidc/start")).status_code == 404
    assert (await caller.client.get("/api/v1/auth/oidc/callback?code=x&state=y")).status_code == 404


# OpenID Connect


async def test_a_new_person_signs_in_through_the_provider_and_gets_an_account(server: Server) -> None:
    caller = server.callers.anonymous()
    email = new_email()
    response = await sign_in_through_provider(caller, email)
    assert response.headers["location"] == "/?signedIn=1"
    participant = await signed_in_as(caller)
    assert participant is not None
    assert participant["email"] == email
    assert participant["timeZone"] == "Europe/Paris"
    listed = (await caller.get("/api/v1/account/identities")).json()
    assert [item["email"] for item in listed["items"]] == [email]
    assert listed["hasPassword"] is False
    # A write with the session's CSRF token works: it is an ordinary session.
    assert (await caller.patch("/api/v1/account", json={"displayName": "Via SSO"})).status_code == 200


async def test_the_same_identity_signs_in_again_to_the_same_account(server: Server) -> None:
    email = new_email()
    first, second = server.callers.anonymous(), server.callers.anonymous()
    await sign_in_through_provider(first, email)
    await sign_in_through_provider(second, email)
    one, two = await signed_in_as(first), await signed_in_as(second)
    assert one is not None
    assert two is not None
    assert one["id"] == two["id"]


async def test_a_verified_email_links_to_the_existing_account(server: Server) -> None:
    owner = await server.callers.participant(name="Owner")
    browser = server.callers.anonymous()
    response = await sign_in_through_provider(browser, owner.email)
    assert error_of(response) is None
    participant = await signed_in_as(browser)
    assert participant is not None
    assert participant["id"] == owner.id
    listed = (await owner.get("/api/v1/account/identities")).json()
    assert [item["email"] for item in listed["items"]] == [owner.email]
    assert listed["hasPassword"] is True


async def test_an_unverified_email_never_links_nor_makes_an_account(server: Server) -> None:
    owner = await server.callers.participant(name="Owner")
    before = await identity_count(server)
    for login in (f"unverified:{owner.email}", f"unverified:{new_email()}"):
        browser = server.callers.anonymous()
        assert error_of(await sign_in_through_provider(browser, login)) == "email-unverified"
        assert await signed_in_as(browser) is None
    assert await identity_count(server) == before
    assert (await owner.get("/api/v1/account/identities")).json()["items"] == []


async def test_a_wrong_state_is_refused(server: Server) -> None:
    caller = server.callers.anonymous()
    callback = await sign_in_at_provider(await start(caller), new_email())
    response = await come_back(caller, callback.replace("state=", "state=x"))
    assert error_of(response) == "state-mismatch"
    assert await signed_in_as(caller) is None


async def test_a_callback_in_another_browser_is_refused(server: Server) -> None:
    starter, other = server.callers.anonymous(), server.callers.anonymous()
    callback = await sign_in_at_provider(await start(starter), new_email())
    assert error_of(await come_back(other, callback)) == "expired"
    assert await signed_in_as(other) is None


async def test_a_wrong_nonce_is_refused(server: Server, clock: FrozenClock) -> None:
    caller = server.callers.anonymous()
    callback = await sign_in_at_provider(await start(caller), new_email())
    secret = server.settings.resolved_secret_key
    flow = signing.verify(secret, FLOW_PURPOSE, caller.client.cookies[FLOW_COOKIE], clock.now())
    forged = signing.sign(
        secret, FLOW_PURPOSE, {**flow, "nonce": "another"}, clock.now() + timedelta(minutes=5)
    )
    caller.client.cookies.set(FLOW_COOKIE, forged, domain="testserver.local", path="/api/v1/")
    assert error_of(await come_back(caller, callback)) == "invalid-token"
    assert await signed_in_as(caller) is None


async def test_a_replayed_callback_is_refused(server: Server) -> None:
    caller = server.callers.anonymous()
    callback = await sign_in_at_provider(await start(caller), new_email())
    flow_cookie = caller.client.cookies[FLOW_COOKIE]
    assert error_of(await come_back(caller, callback)) is None
    # The flow's cookie is gone after one use...
    thief = server.callers.anonymous()
    assert error_of(await come_back(thief, callback)) == "expired"
    # ...and even with a copy of it, the provider refuses a code used once already.
    thief.client.cookies.set(FLOW_COOKIE, flow_cookie, domain="testserver.local", path="/api/v1/")
    assert error_of(await come_back(thief, callback)) == "denied"
    assert await signed_in_as(thief) is None


async def test_an_expired_flow_is_refused(server: Server, clock: FrozenClock) -> None:
    caller = server.callers.anonymous()
    callback = await sign_in_at_provider(await start(caller), new_email())
    clock.advance(timedelta(minutes=11))
    assert error_of(await come_back(caller, callback)) == "expired"


async def test_cancelling_at_the_provider_comes_back_with_a_reason(server: Server) -> None:
    caller = server.callers.anonymous()
    state = parse_qs(urlsplit(await start(caller)).query)["state"][0]
    response = await caller.client.get(f"/api/v1/auth/oidc/callback?error=access_denied&state={state}")
    assert error_of(response) == "denied"


@pytest.mark.parametrize("mode", ["closed", "invite-only"])
async def test_without_open_registration_the_provider_makes_no_account(
    make_server: MakeServer, mode: str
) -> None:
    server = await make_server(registration=mode)
    caller = server.callers.anonymous()
    assert error_of(await sign_in_through_provider(caller, new_email())) == "not-allowed"
    assert await signed_in_as(caller) is None


async def test_with_closed_registration_a_verified_email_still_signs_in_to_its_account(
    make_server: MakeServer,
) -> None:
    open_server = await make_server()
    owner = await open_server.callers.participant(name="Owner")
    closed = await make_server(registration="closed")
    caller = closed.callers.anonymous()
    assert error_of(await sign_in_through_provider(caller, owner.email)) is None
    participant = await signed_in_as(caller)
    assert participant is not None
    assert participant["id"] == owner.id


async def test_a_provider_that_is_down_sends_the_browser_back_with_a_reason(make_server: MakeServer) -> None:
    server = await make_server(oidc_issuer=f"http://127.0.0.1:{free_port()}")
    caller = server.callers.anonymous()
    response = await caller.client.get("/api/v1/auth/oidc/start")
    assert error_of(response) == "provider-unavailable"
    assert FLOW_COOKIE not in caller.client.cookies


async def test_an_account_made_by_the_provider_has_no_password_to_sign_in_with(server: Server) -> None:
    caller = server.callers.anonymous()
    email = new_email()
    await sign_in_through_provider(caller, email)
    for password in ("", "password", "correct horse battery"):
        response = await server.callers.anonymous().client.post(
            "/api/v1/auth/sign-in", json={"email": email, "password": password or "x"}
        )
        assert response.status_code == 401


# Linking while signed in


async def test_a_signed_in_person_links_a_provider_account_with_another_email(server: Server) -> None:
    owner = await server.callers.participant(name="Owner")
    response = await owner.post("/api/v1/account/identities/oidc/link")
    assert response.status_code == 200, response.text
    other_email = new_email()
    callback = await sign_in_at_provider(response.json()["authorizationUrl"], f"unverified:{other_email}")
    back = await come_back(owner, callback)
    assert back.status_code == 302
    assert back.headers["location"] == "/settings/sign-in?linked=1"
    listed = (await owner.get("/api/v1/account/identities")).json()["items"]
    assert [item["email"] for item in listed] == [other_email]
    # That provider account now signs in to the owner's account.
    browser = server.callers.anonymous()
    assert error_of(await sign_in_through_provider(browser, f"unverified:{other_email}")) is None
    participant = await signed_in_as(browser)
    assert participant is not None
    assert participant["id"] == owner.id


async def test_an_identity_linked_to_someone_else_is_not_linked_again(server: Server) -> None:
    taken_email = new_email()
    await sign_in_through_provider(server.callers.anonymous(), taken_email)
    owner = await server.callers.participant(name="Owner")
    url = (await owner.post("/api/v1/account/identities/oidc/link")).json()["authorizationUrl"]
    back = await come_back(owner, await sign_in_at_provider(url, taken_email))
    assert back.headers["location"] == "/settings/sign-in?signInError=identity-taken"
    assert (await owner.get("/api/v1/account/identities")).json()["items"] == []


async def test_a_link_whose_session_ended_is_refused(server: Server) -> None:
    owner = await server.callers.participant(name="Owner")
    url = (await owner.post("/api/v1/account/identities/oidc/link")).json()["authorizationUrl"]
    callback = await sign_in_at_provider(url, new_email())
    assert (await owner.post("/api/v1/auth/sign-out")).status_code == 204
    back = await come_back(owner, callback)
    assert back.headers["location"] == "/settings/sign-in?signInError=signed-out"


async def test_linking_needs_the_csrf_token(server: Server) -> None:
    owner = await server.callers.participant(name="Owner")
    response = await owner.client.post("/api/v1/account/identities/oidc/link")
    assert response.status_code == 403


# Unlinking


async def test_an_account_with_a_password_may_unlink_its_only_identity(server: Server) -> None:
    owner = await server.callers.participant(name="Owner")
    await sign_in_through_provider(server.callers.anonymous(), owner.email)
    [identity] = (await owner.get("/api/v1/account/identities")).json()["items"]
    assert (await owner.delete(f"/api/v1/account/identities/{identity['id']}")).status_code == 204
    assert (await owner.get("/api/v1/account/identities")).json()["items"] == []


async def test_the_last_identity_of_an_account_without_a_password_stays(server: Server) -> None:
    caller = server.callers.anonymous()
    await sign_in_through_provider(caller, new_email())
    await signed_in_as(caller)
    [identity] = (await caller.get("/api/v1/account/identities")).json()["items"]
    response = await caller.delete(f"/api/v1/account/identities/{identity['id']}")
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "identityId"
    assert len((await caller.get("/api/v1/account/identities")).json()["items"]) == 1


async def test_someone_elses_identity_answers_not_found(server: Server) -> None:
    owner = await server.callers.participant(name="Owner")
    await sign_in_through_provider(server.callers.anonymous(), owner.email)
    [identity] = (await owner.get("/api/v1/account/identities")).json()["items"]
    stranger = await server.callers.participant(name="Stranger")
    response = await stranger.delete(f"/api/v1/account/identities/{identity['id']}")
    assert response.status_code == 404
    assert (await stranger.get("/api/v1/account/identities")).json()["items"] == []
    assert len((await owner.get("/api/v1/account/identities")).json()["items"]) == 1


# Trusted header


async def trusted_sign_in(caller: Caller, email: str | None, **body: Any) -> httpx.Response:
    headers = {HEADER: email} if email else {}
    return await caller.client.post("/api/v1/auth/trusted-header", json=body, headers=headers)


async def test_the_trusted_proxy_signs_in_a_known_person(server: Server) -> None:
    owner = await server.callers.participant(name="Owner")
    caller = server.from_proxy()
    response = await trusted_sign_in(caller, owner.email.upper())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["participant"]["id"] == owner.id
    caller.csrf_token = body["csrfToken"]
    assert (await caller.patch("/api/v1/account", json={"displayName": "Proxied"})).status_code == 200
    # The header is not per-request authentication: without the session cookie nothing is signed in.
    fresh = server.from_proxy()
    assert (await fresh.client.get("/api/v1/account", headers={HEADER: owner.email})).status_code == 401


async def test_the_header_from_outside_the_proxy_networks_is_ignored(server: Server) -> None:
    owner = await server.callers.participant(name="Owner")
    outsider = server.callers.anonymous()
    outside = await trusted_sign_in(outsider, owner.email)
    assert outside.status_code == 401
    # X-Forwarded-For naming an address inside the networks changes nothing: the peer is what counts.
    spoofed = await outsider.client.post(
        "/api/v1/auth/trusted-header",
        json={},
        headers={HEADER: owner.email, "X-Forwarded-For": PROXY_ADDRESS},
    )
    assert spoofed.status_code == 401
    assert await signed_in_as(outsider) is None


async def test_behind_the_proxy_headers_layer_the_peer_still_counts(server: Server) -> None:
    """As `followthrough serve` runs it: X-Forwarded-For names the person, the connection is the proxy's."""
    owner = await server.callers.participant(name="Owner")
    served = RememberPeer(ProxyHeadersMiddleware(server.app, trusted_hosts=PROXY_ADDRESS))
    transport = httpx.ASGITransport(app=served, client=(PROXY_ADDRESS, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        headers = {HEADER: owner.email, "X-Forwarded-For": "203.0.113.7"}
        response = await client.post("/api/v1/auth/trusted-header", json={}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["participant"]["id"] == owner.id


async def test_the_header_is_ignored_when_the_feature_is_off(app: Litestar) -> None:
    callers = Callers(app)
    owner = await callers.participant(name="Owner")
    response = await trusted_sign_in(callers.anonymous(), owner.email)
    assert response.status_code == 401
    await callers.close()


async def test_unknown_people_get_an_account_only_when_registration_is_open(make_server: MakeServer) -> None:
    open_server = await make_server()
    email = new_email()
    made = await trusted_sign_in(open_server.from_proxy(), email, timeZone="America/New_York")
    assert made.status_code == 200, made.text
    assert made.json()["participant"]["timeZone"] == "America/New_York"
    for mode in ("closed", "invite-only"):
        closed = await make_server(registration=mode)
        refused = await trusted_sign_in(closed.from_proxy(), new_email())
        # The same answer as from outside the networks: nothing tells whether the account exists.
        outside = await trusted_sign_in(closed.callers.anonymous(), email)
        assert refused.status_code == outside.status_code == 401
        assert without_request_id(refused) == without_request_id(outside)


async def test_a_missing_doubled_or_malformed_header_is_refused(server: Server) -> None:
    owner = await server.callers.participant(name="Owner")
    caller = server.from_proxy()
    assert (await trusted_sign_in(caller, None)).status_code == 401
    assert (await trusted_sign_in(caller, "not an email")).status_code == 401
    doubled = await caller.client.post(
        "/api/v1/auth/trusted-header",
        json={},
        headers=[(HEADER, owner.email), (HEADER, "someone@example.com")],
    )
    assert doubled.status_code == 401


async def test_a_cross_site_form_cannot_start_a_trusted_header_sign_in(server: Server) -> None:
    owner = await server.callers.participant(name="Owner")
    response = await server.from_proxy().client.post(
        "/api/v1/auth/trusted-header",
        content=b"",
        headers={HEADER: owner.email, "content-type": "text/plain"},
    )
    assert response.status_code in (400, 415)


def without_request_id(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    body.pop("requestId", None)
    return body


# Settings


def test_a_trusted_header_without_networks_refuses_to_start() -> None:
    with pytest.raises(ValueError, match="TRUSTED_HEADER_NETWORKS"):
        Settings(trusted_header="Remote-Email")
    with pytest.raises(ValueError, match="TRUSTED_HEADER_NETWORKS"):
        Settings(trusted_header="Remote-Email", trusted_header_networks="10.0.0.0/33")


def test_an_oidc_issuer_needs_a_client_and_openid() -> None:
    with pytest.raises(ValueError, match="OIDC_CLIENT_ID"):
        Settings(oidc_issuer="https://id.example.com")
    with pytest.raises(ValueError, match="OIDC_SCOPES"):
        Settings(oidc_issuer="https://id.example.com", oidc_client_id="x", oidc_scopes="email")
    with pytest.raises(ValueError, match="OIDC_ISSUER"):
        Settings(oidc_issuer="id.example.com", oidc_client_id="x")
