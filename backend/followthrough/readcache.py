"""Per-process memory of who a credential belongs to and of the heaviest reads, dropped on every write.

The two hot reads, Today and Progress, compute over a year of occurrences; the same participant asks for them
again and again between two check-ins. Each participant has a version number in this process; every entry is
stored with the version it was computed under and is served only while the version is unchanged. Any write
a participant makes (any non-GET request they are signed in for) moves their version on after it commits, so
the next read computes afresh; the version is read *before* the computation starts, so a result computed
from data older than a write is never served after it.

On PostgreSQL several API processes serve one installation: a write also sends `NOTIFY` on
`followthrough_writes` with the participant's id, and every process listens and moves its own version on.
While a process is not listening (starting, or its listening connection dropped), it serves nothing from
memory. On SQLite there is only ever one API process (`serve --workers` needs PostgreSQL).

Credentials are remembered only for safe methods and for at most `TOUCH_INTERVAL`, after which the database
is asked again (and a session's last-seen time is moved on); writes always authenticate against the database.
Signing out, revoking a token, changing the password and deleting the account are writes, so they end every
remembered credential of that participant at once, in every process.
"""

from __future__ import annotations

import contextlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar.datastructures import State
from litestar.status_codes import HTTP_200_OK
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Message,
    Receive,
    Scope,
    Send,
)
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from followthrough.clock import Clock
from followthrough.localtime import local_today
from followthrough.settings import Settings

logger = logging.getLogger(__name__)
NOTIFY_CHANNEL = "followthrough_writes"
MAX_ENTRIES = 20_000


@dataclass(frozen=True, slots=True)
class RememberedCredential:
    participant: Any
    credential: Any
    valid_until: datetime
    version: int


@dataclass(frozen=True, slots=True)
class RememberedResponse:
    version: int
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


class ReadCache:
    def __init__(self, enabled: bool, max_entries: int = MAX_ENTRIES) -> None:
        self.enabled = enabled
        """False until a PostgreSQL process listens for other processes' writes."""
        self.max_entries = max_entries
        self._versions: dict[UUID, int] = {}
        self._credentials: OrderedDict[str, RememberedCredential] = OrderedDict()
        self._responses: OrderedDict[Hashable, RememberedResponse] = OrderedDict()
        self.origin = uuid4().hex
        """Names this process in its announcements, so that it does not act on its own a second time."""
        self.invalidations = 0
        """How many writes this process has heard of (its own and, on PostgreSQL, other processes')."""

    def version(self, participant_id: UUID) -> int:
        return self._versions.get(participant_id, 0)

    def invalidate(self, participant_id: UUID) -> None:
        self._versions[participant_id] = self.version(participant_id) + 1
        self.invalidations += 1

    def clear(self) -> None:
        """Forget everything: after a gap in listening, other processes' writes may have been missed."""
        for participant_id in self._versions:
            self._versions[participant_id] += 1
        self._credentials.clear()
        self._responses.clear()

    def credential(self, token_hash: str, now: datetime) -> RememberedCredential | None:
        remembered = self._credentials.get(token_hash) if self.enabled else None
        if remembered is None:
            return None
        if now >= remembered.valid_until or remembered.version != self.version(remembered.participant.id):
            del self._credentials[token_hash]
            return None
        return remembered

    def remember_credential(
        self, token_hash: str, participant: Any, credential: Any, valid_until: datetime, version: int
    ) -> None:
        if self.enabled:
            entry = RememberedCredential(participant, credential, valid_until, version)
            _put(self._credentials, token_hash, entry, self.max_entries)

    def response(self, participant_id: UUID, key: Hashable) -> RememberedResponse | None:
        remembered = self._responses.get((participant_id, key)) if self.enabled else None
        if remembered is None or remembered.version != self.version(participant_id):
            return None
        return remembered

    def remember_response(self, participant_id: UUID, key: Hashable, response: RememberedResponse) -> None:
        if self.enabled:
            _put(self._responses, (participant_id, key), response, self.max_entries)


def _put(entries: OrderedDict[Any, Any], key: Any, value: Any, max_entries: int) -> None:
    entries[key] = value
    entries.move_to_end(key)
    while len(entries) > max_entries:
        entries.popitem(last=False)


def read_cache(state: State) -> ReadCache:
    cache: ReadCache = state.read_cache
    return cache


def _asyncpg_dsn(settings: Settings) -> str:
    url = make_url(settings.resolved_database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


async def announce_write(state: State, participant_id: UUID) -> None:
    """Moves the participant's version on here, and on PostgreSQL in every other API process."""
    read_cache(state).invalidate(participant_id)
    if state.get("read_cache_listener") is None:
        return
    alchemy: SQLAlchemyAsyncConfig = state.alchemy
    try:
        async with alchemy.get_engine().begin() as connection:
            await connection.execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {"channel": NOTIFY_CHANNEL, "payload": f"{read_cache(state).origin}:{participant_id}"},
            )
    except SQLAlchemyError:
        # Other processes would keep serving what this write changed: better none of them remember.
        logger.exception("read cache: could not announce a write to other processes")
        raise


class _Listener:
    def __init__(self, settings: Settings, cache: ReadCache) -> None:
        self.dsn = _asyncpg_dsn(settings)
        self.cache = cache
        self.connection: asyncpg.Connection | None = None

    def _on_notification(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        origin, _, participant_id = payload.partition(":")
        if origin != self.cache.origin:
            with contextlib.suppress(ValueError):
                self.cache.invalidate(UUID(participant_id))

    def _on_termination(self, _connection: Any) -> None:
        logger.warning("read cache: lost the PostgreSQL listening connection; serving from the database")
        self.cache.enabled = False
        self.cache.clear()
        self.connection = None

    async def start(self) -> None:
        connection = await asyncpg.connect(self.dsn)
        await connection.add_listener(NOTIFY_CHANNEL, self._on_notification)
        connection.add_termination_listener(self._on_termination)
        self.connection = connection
        self.cache.clear()
        self.cache.enabled = True

    async def stop(self) -> None:
        connection, self.connection = self.connection, None
        self.cache.enabled = False
        if connection is not None:
            await connection.close()


@contextlib.asynccontextmanager
async def listening(app: Any) -> AsyncIterator[None]:
    """App lifespan: on PostgreSQL, hear other processes' writes; without that the cache stays off."""
    settings: Settings = app.state.settings
    cache = read_cache(app.state)
    if not settings.read_cache or settings.is_sqlite:
        yield
        return
    listener = _Listener(settings, cache)
    try:
        await listener.start()
    except (OSError, asyncpg.PostgresError) as error:
        logger.warning("read cache: cannot listen for writes (%s); serving from the database", error)
        yield
        return
    app.state.read_cache_listener = listener
    try:
        yield
    finally:
        await listener.stop()


def remembered_read(app: ASGIApp) -> ASGIApp:
    """Route middleware for the owner's heavy reads: serve the participant's last answer while nothing of
    theirs changed and their local day is the same. The key has the local day and zone (the answer depends on
    "today"), the path and query, and the accepted encodings (the body may be compressed)."""

    async def handle(scope: Scope, receive: Receive, send: Send) -> None:
        state: State = scope["litestar_app"].state
        cache = read_cache(state)
        participant = scope.get("user")
        if not cache.enabled or participant is None or scope.get("method") != "GET":
            await app(scope, receive, send)
            return
        clock: Clock = state.clock
        local_day = local_today(participant.time_zone, clock.now())
        encodings = next((value for name, value in scope["headers"] if name == b"accept-encoding"), b"")
        key = (scope["path"], scope.get("query_string", b""), local_day, participant.time_zone, encodings)
        remembered = cache.response(participant.id, key)
        if remembered is not None:
            start_event: HTTPResponseStartEvent = {
                "type": "http.response.start",
                "status": remembered.status,
                "headers": remembered.headers,
            }
            body_event: HTTPResponseBodyEvent = {
                "type": "http.response.body",
                "body": remembered.body,
                "more_body": False,
            }
            await send(start_event)
            await send(body_event)
            return
        version = cache.version(participant.id)  # before the work, so older data is never kept as newer
        start: dict[str, Any] = {}
        body: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b""))
            await send(message)

        await app(scope, receive, capture)
        if start.get("status") == HTTP_200_OK:
            headers = list(start.get("headers", []))
            cache.remember_response(
                participant.id, key, RememberedResponse(version, HTTP_200_OK, headers, b"".join(body))
            )

    return handle
