"""Per-process memory of who a credential belongs to and of the heaviest reads, dropped on every write.

The two hot reads, Today and Progress, compute over a year of occurrences; the same participant asks for them
again and again between two check-ins. Each participant has a version number in this process; every entry is
stored with the version it was computed under and is served only while the version is unchanged. Any write
a participant makes (any non-GET request they are signed in for) moves their version on in this process once
the request's transaction has ended, committed or not (forgetting costs one recomputation; an outcome is not
always known, as when the connection drops during the commit), so the next read computes afresh; the version
is read *before* the computation starts, so a result computed from data older than a write is never served
after it.

On PostgreSQL several API processes serve one installation: the write's own transaction also sends `NOTIFY`
on `followthrough_writes` with the participant's id, just before it commits. PostgreSQL delivers it when that
transaction commits, and only if it does, so every other process hears of exactly the writes that happened,
at the moment they become visible, and moves its own version on; a write that rolled back changed nothing
and announces nothing. A transaction that changed no row (no transaction id assigned) announces nothing
either. While a process is not listening (starting, or its listening connection dropped), it serves nothing
from memory; it still announces its own writes, for the others that are listening. On SQLite there is only
ever one API process (`serve --workers` needs PostgreSQL).

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
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

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


ANNOUNCED = "followthrough_announced_writes"
"""Session info: the payloads (origin and participant) each commit of the session announces."""
# Only a transaction that changed something has a transaction id: one that wrote nothing (a repeated
# request that finds its work done, say) makes no other process's memory stale, so it notifies nobody.
_NOTIFY_IF_WRITTEN = text("SELECT pg_notify(:channel, :payload) WHERE txid_current_if_assigned() IS NOT NULL")


def announce_at_commit(state: State, session: AsyncSession, participant_id: UUID) -> None:
    """From now on every commit of `session` tells the other API processes (on PostgreSQL, when the cache
    is on) that the participant wrote, inside the committing transaction: no second connection, and no
    announcement of a write that rolled back. This process forgets with `forget_written` after the commit."""
    settings: Settings = state.settings
    if settings.is_sqlite or not settings.read_cache:
        return
    announced: set[str] | None = session.info.get(ANNOUNCED)
    if announced is None:
        announced = session.info[ANNOUNCED] = set()
        event.listen(session.sync_session, "before_commit", _notify_in_transaction)
    announced.add(f"{read_cache(state).origin}:{participant_id}")


def _notify_in_transaction(session: Session) -> None:
    # Runs inside `session.commit()`, before the COMMIT, on the transaction's own connection; a commit with
    # nothing begun before it would open one just for this, which no request makes (its authentication
    # has queried before any commit). The commit flushes pending changes only after this hook: flushed
    # first, so that the test of a transaction id sees them. A savepoint's release fires this hook too: the
    # outer transaction's commit speaks for it.
    if session.in_nested_transaction():
        return
    session.flush()
    for payload in session.info[ANNOUNCED]:
        session.execute(_NOTIFY_IF_WRITTEN, {"channel": NOTIFY_CHANNEL, "payload": payload})


def forget_written(state: State, participant_id: UUID) -> None:
    """Moves the participant's version on in this process: after the write's transaction has ended."""
    read_cache(state).invalidate(participant_id)


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
