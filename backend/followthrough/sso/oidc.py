"""OpenID Connect sign-in: authorization code with PKCE, state and nonce, against the configured provider.

One flow is carried by a short-lived signed cookie (`FlowState`), so the callback is accepted only in the
browser that started it. The ID token is verified with the provider's published keys (issuer, audience,
expiry, nonce). Claims the provider leaves out of the ID token (email, as node-oidc-provider and others do
when an access token is issued) are read from its userinfo endpoint, for the same subject only.

Everything that can go wrong with the provider ends in `ProviderProblem` with a reason the app can show in
words; nothing here answers a 5xx.
"""

from __future__ import annotations

import secrets
import warnings
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

import authlib.deprecate
import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from followthrough import signing
from followthrough.settings import Settings

# authlib 1.9 prefers the httpx2 fork and warns on every import that finds plain httpx (which we use, and
# which works). Its module installs an "always" filter for its warnings, so ours must come after that.
with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore",
        message="The httpx module is deprecated",
        category=authlib.deprecate.AuthlibDeprecationWarning,
    )
    from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError

FLOW_COOKIE = "ft_oidc"
FLOW_PURPOSE = "oidc-flow"
FLOW_LIFETIME = timedelta(minutes=10)
CALLBACK_PATH = "/api/v1/auth/oidc/callback"
PROVIDER_TIMEOUT_SECONDS = 10
SIGNING_ALGORITHMS = [
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
]


class Problem(StrEnum):
    """Why a sign-in through the provider did not happen; the app says each in words."""

    PROVIDER_UNAVAILABLE = "provider-unavailable"
    EXPIRED = "expired"
    """The flow's cookie is missing, tampered with or too old: start again."""
    STATE_MISMATCH = "state-mismatch"
    DENIED = "denied"
    """The person cancelled at the provider, or the provider refused."""
    INVALID_TOKEN = "invalid-token"
    EMAIL_UNVERIFIED = "email-unverified"
    NOT_ALLOWED = "not-allowed"
    """No account to sign in to, and this server does not create one."""
    IDENTITY_TAKEN = "identity-taken"
    """Linking: that provider account already signs in to another account here."""
    SIGNED_OUT = "signed-out"
    """Linking: the session that started the link has ended."""


class ProviderProblem(Exception):
    def __init__(self, problem: Problem, detail: str = "") -> None:
        super().__init__(detail or problem.value)
        self.problem = problem


@dataclass(frozen=True, slots=True)
class FlowState:
    state: str
    nonce: str
    verifier: str
    mode: Literal["sign-in", "link"]
    participant_id: str | None = None
    """Linking: who started it; the callback links only to them."""
    time_zone: str | None = None
    """Signing in: the browser's zone, for an account the sign-in creates."""

    @classmethod
    def new(cls, mode: Literal["sign-in", "link"], **rest: str | None) -> FlowState:
        return cls(
            state=secrets.token_urlsafe(24),
            nonce=secrets.token_urlsafe(24),
            verifier=secrets.token_urlsafe(48),
            mode=mode,
            **rest,
        )

    def seal(self, settings: Settings, now: datetime) -> str:
        return signing.sign(settings.resolved_secret_key, FLOW_PURPOSE, asdict(self), now + FLOW_LIFETIME)

    @classmethod
    def unseal(cls, settings: Settings, cookie: str | None, now: datetime) -> FlowState:
        if not cookie:
            raise ProviderProblem(Problem.EXPIRED, "no sign-in in progress in this browser")
        try:
            payload = signing.verify(settings.resolved_secret_key, FLOW_PURPOSE, cookie, now)
            return cls(**payload)
        except (signing.BadSignature, TypeError):
            raise ProviderProblem(Problem.EXPIRED, "the sign-in took too long or was tampered with") from None


@dataclass(frozen=True, slots=True)
class ProviderClaims:
    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None
    zoneinfo: str | None


def redirect_uri(settings: Settings) -> str:
    return settings.public_url.rstrip("/") + CALLBACK_PATH


class OidcClient:
    """The configured provider, through authlib's httpx client: discovery, the authorization URL, and the
    code exchange with ID-token verification."""

    def __init__(self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self.transport = transport

    def _client(self) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.settings.oidc_client_id,
            client_secret=self.settings.oidc_client_secret or None,
            scope=self.settings.oidc_scopes,
            redirect_uri=redirect_uri(self.settings),
            code_challenge_method="S256",
            timeout=PROVIDER_TIMEOUT_SECONDS,
            transport=self.transport,
        )

    async def authorization_url(self, flow: FlowState) -> str:
        async with self._client() as client:
            metadata = await self._discover(client)
            url, _ = client.create_authorization_url(
                metadata["authorization_endpoint"],
                state=flow.state,
                nonce=flow.nonce,
                code_verifier=flow.verifier,
            )
            return str(url)

    async def finish(self, flow: FlowState, code: str, now: datetime) -> ProviderClaims:
        """Exchange the code and verify what comes back; raises ProviderProblem."""
        async with self._client() as client:
            metadata = await self._discover(client)
            try:
                token = await client.fetch_token(
                    metadata["token_endpoint"], code=code, code_verifier=flow.verifier
                )
            except OAuthError as error:  # a used, expired or stolen code: the provider says invalid_grant
                raise ProviderProblem(Problem.DENIED, f"the provider refused the code: {error}") from None
            except httpx.HTTPError as error:
                raise ProviderProblem(Problem.PROVIDER_UNAVAILABLE, str(error)) from None
            claims = await self._verified_id_token(client, metadata, token.get("id_token"), flow, now)
            if "email" not in claims and metadata.get("userinfo_endpoint"):
                claims = {**await self._userinfo(client, metadata["userinfo_endpoint"], claims), **claims}
        email = claims.get("email")
        zoneinfo = claims.get("zoneinfo")
        name = claims.get("name") or claims.get("preferred_username")
        return ProviderClaims(
            issuer=str(metadata["issuer"]),
            subject=str(claims["sub"]),
            email=email.strip().lower() if isinstance(email, str) and email.strip() else None,
            # Only a real true: some providers send "true" as a string, which proves nothing here.
            email_verified=claims.get("email_verified") is True,
            name=name if isinstance(name, str) else None,
            zoneinfo=zoneinfo if isinstance(zoneinfo, str) else None,
        )

    async def _discover(self, client: AsyncOAuth2Client) -> dict[str, Any]:
        configured = self.settings.oidc_issuer.rstrip("/")
        try:
            response = await client.request(
                "GET", f"{configured}/.well-known/openid-configuration", withhold_token=True
            )
            response.raise_for_status()
            metadata = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise ProviderProblem(Problem.PROVIDER_UNAVAILABLE, f"discovery failed: {error}") from None
        needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
        if not isinstance(metadata, dict) or not all(isinstance(metadata.get(key), str) for key in needed):
            raise ProviderProblem(Problem.PROVIDER_UNAVAILABLE, "the discovery document is incomplete")
        # The document must be the configured issuer's own (OpenID Connect Discovery, section 4.3).
        if metadata["issuer"].rstrip("/") != configured:
            raise ProviderProblem(Problem.PROVIDER_UNAVAILABLE, "the discovery document names another issuer")
        return metadata

    async def _verified_id_token(
        self,
        client: AsyncOAuth2Client,
        metadata: dict[str, Any],
        id_token: object,
        flow: FlowState,
        now: datetime,
    ) -> dict[str, Any]:
        if not isinstance(id_token, str):
            raise ProviderProblem(Problem.INVALID_TOKEN, "the provider sent no ID token")
        try:
            response = await client.request("GET", metadata["jwks_uri"], withhold_token=True)
            response.raise_for_status()
            keys = KeySet.import_key_set(response.json())
        except (httpx.HTTPError, ValueError, JoseError) as error:
            raise ProviderProblem(Problem.PROVIDER_UNAVAILABLE, f"the provider's keys: {error}") from None
        registry = jwt.JWTClaimsRegistry(
            now=int(now.timestamp()),
            leeway=60,
            iss={"essential": True, "value": metadata["issuer"]},
            aud={"essential": True, "value": self.settings.oidc_client_id},
            sub={"essential": True},
            exp={"essential": True},
            nonce={"essential": True, "value": flow.nonce},
        )
        try:
            token = jwt.decode(id_token, keys, algorithms=SIGNING_ALGORITHMS)
            registry.validate(token.claims)
        except (JoseError, ValueError) as error:
            raise ProviderProblem(Problem.INVALID_TOKEN, f"the ID token: {error}") from None
        return dict(token.claims)

    async def _userinfo(
        self, client: AsyncOAuth2Client, endpoint: str, id_claims: dict[str, Any]
    ) -> dict[str, Any]:
        try:
            response = await client.get(endpoint)
            response.raise_for_status()
            info = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise ProviderProblem(Problem.PROVIDER_UNAVAILABLE, f"userinfo: {error}") from None
        # Claims about someone else than the ID token's subject are not this person's (OIDC Core 5.3.2).
        if not isinstance(info, dict) or info.get("sub") != id_claims.get("sub"):
            raise ProviderProblem(Problem.INVALID_TOKEN, "userinfo names another subject")
        return info
