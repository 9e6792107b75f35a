"""Who is calling: a cookie session (the PWA, with a CSRF header) or a personal API token (scripts).

Session and API tokens are 256-bit random strings; only their SHA-256 is stored. A fast hash is right
here because the tokens carry full entropy; passwords, which do not, get argon2id.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from uuid import UUID

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy import inspect, select, update

from followthrough.clock import Clock
from followthrough.identity.models import ApiToken, AuthSession, Participant
from followthrough.readcache import ReadCache, announce_at_commit, forget_written, read_cache
from followthrough.settings import Settings

SESSION_COOKIE = "ft_session"
CSRF_HEADER = "x-csrf-token"
API_TOKEN_PREFIX = "ft_"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Touching last-seen on every request would turn each read into a write.
TOUCH_INTERVAL = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Credential:
    kind: Literal["session", "api_token"]
    id: UUID
    token_hash: str
    participant_id: UUID
    """Kept apart from the participant row, whose attributes a rolled-back request expires."""


def new_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token_for(session_token_hash: str, secret_key: str) -> str:
    """Bound to one session, so a token stolen from another session is useless."""
    return hmac.new(secret_key.encode(), session_token_hash.encode(), hashlib.sha256).hexdigest()


def _detached_copy(participant: Participant) -> Participant:
    """A copy that belongs to no session, so later requests can read it whatever happens to this one's."""
    columns = inspect(Participant).column_attrs
    return Participant(**{column.key: getattr(participant, column.key) for column in columns})


class AuthenticationMiddleware(AbstractAuthenticationMiddleware):
    def __init__(
        self,
        app: ASGIApp,
        settings: Settings,
        alchemy: SQLAlchemyAsyncConfig,
        exclude: str | list[str] | None = None,
    ) -> None:
        super().__init__(app, exclude=exclude)
        self.settings = settings
        self.alchemy = alchemy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            # After the response, so after the commit (or rollback): reads from here on see the write.
            credential = scope.get("auth")
            if isinstance(credential, Credential) and scope.get("method") not in SAFE_METHODS:
                forget_written(scope["litestar_app"].state, credential.participant_id)

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        clock: Clock = connection.app.state.clock
        now = clock.now()
        cache = read_cache(connection.app.state)
        remembering = connection.scope.get("method") in SAFE_METHODS and cache.enabled
        writes_heard = cache.invalidations
        result, valid_until = await self._authenticate(connection, now, cache if remembering else None)
        if connection.scope.get("method") not in SAFE_METHODS:
            # A write authenticates against the database, so its session exists: its commit tells the others.
            db = self.alchemy.provide_session(connection.app.state, connection.scope)
            announce_at_commit(connection.app.state, db, result.auth.participant_id)
        # A write heard meanwhile may have ended this credential: then it is not remembered.
        if remembering and valid_until is not None and cache.invalidations == writes_heard:
            participant = _detached_copy(result.user)
            cache.remember_credential(
                result.auth.token_hash,
                participant,
                result.auth,
                min(valid_until, now + TOUCH_INTERVAL),
                cache.version(participant.id),
            )
        return result

    async def _authenticate(
        self, connection: ASGIConnection[Any, Any, Any, Any], now: datetime, cache: ReadCache | None
    ) -> tuple[AuthenticationResult, datetime | None]:
        """Who is calling, and until when that may be remembered (None: it was remembered already)."""
        kind, token_hash = _presented_token(connection)
        remembered = cache.credential(token_hash, now) if cache else None
        if remembered is not None:
            # No database session is opened for a remembered credential.
            return AuthenticationResult(remembered.participant, remembered.credential), None
        db = self.alchemy.provide_session(connection.app.state, connection.scope)
        if kind == "api_token":
            row = (
                await db.execute(
                    select(ApiToken, Participant)
                    .join(Participant, Participant.id == ApiToken.participant_id)
                    .where(ApiToken.token_hash == token_hash)
                )
            ).first()
            if row is None or (row[0].expires_at is not None and row[0].expires_at <= now):
                raise NotAuthorizedException("authorization: unknown, revoked or expired API token")
            api_token, participant = row
            if api_token.last_used_at is None or now - api_token.last_used_at > TOUCH_INTERVAL:
                await db.execute(update(ApiToken).where(ApiToken.id == api_token.id).values(last_used_at=now))
            result = AuthenticationResult(
                participant, Credential("api_token", api_token.id, token_hash, participant.id)
            )
            return result, api_token.expires_at or now + TOUCH_INTERVAL

        session_row = (
            await db.execute(
                select(AuthSession, Participant)
                .join(Participant, Participant.id == AuthSession.participant_id)
                .where(AuthSession.token_hash == token_hash)
            )
        ).first()
        if session_row is None or session_row[0].expires_at <= now:
            raise NotAuthorizedException("session expired; sign in again")
        auth_session, participant = session_row
        if connection.scope.get("method", "GET") not in SAFE_METHODS:
            expected = csrf_token_for(token_hash, self.settings.resolved_secret_key)
            if not hmac.compare_digest(connection.headers.get(CSRF_HEADER, ""), expected):
                raise PermissionDeniedException(f"{CSRF_HEADER}: missing or wrong CSRF token")
        if now - auth_session.last_seen_at > TOUCH_INTERVAL:
            await db.execute(
                update(AuthSession)
                .where(AuthSession.id == auth_session.id)
                .values(last_seen_at=now, expires_at=now + timedelta(days=self.settings.session_days))
            )
        result = AuthenticationResult(
            participant, Credential("session", auth_session.id, token_hash, participant.id)
        )
        return result, auth_session.expires_at


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The caller's address as uvicorn resolved it (X-Forwarded-For only from trusted proxies)."""
    return connection.client.host if connection.client else "unknown"


def _presented_token(
    connection: ASGIConnection[Any, Any, Any, Any],
) -> tuple[Literal["session", "api_token"], str]:
    """The kind of credential the request carries and the hash it is stored under."""
    authorization = connection.headers.get("authorization", "")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.startswith(API_TOKEN_PREFIX):
            raise NotAuthorizedException("authorization: expected 'Bearer ft_…' with a personal API token")
        return "api_token", hash_token(token.strip())
    cookie = connection.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise NotAuthorizedException("sign in first")
    return "session", hash_token(cookie)
