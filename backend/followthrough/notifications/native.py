"""HTTP with aiohttp: one kept-alive, guarded connection pool per worker, for web hooks and Web Push.

Why: Apprise runs a plugin's blocking `send()` in its thread pool, and its web plugins call
`requests.request`, which builds a session and opens a connection for every message. That cost about
1.5 ms of CPU per message and held a worker under 450 deliveries a second (docs/performance.md). So the
messages that are one HTTP request each (signed web hooks, Apprise's json://, form:// and xml://, and Web
Push) are described as an `HttpRequest` and sent here, on the event loop, through a pool that keeps
connections alive.

Safety is passed in, not patched in: the pool's resolver (`GuardedResolver`) refuses a name when it
resolves to a refused address, IP literals are checked before each request, and every redirect hop again.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import socket
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

from followthrough.notifications import safety
from followthrough.notifications.errors import TransportError, no_answer, refused
from followthrough.settings import Settings

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 10
# Open connections per worker, and to any one host (a self-hosted service should not see a crowd); sends
# beyond them wait for a connection to come free.
POOL_CONNECTIONS = 100
POOL_CONNECTIONS_PER_HOST = 16


@dataclass(frozen=True)
class HttpRequest:
    """One message as one HTTP request. `data` is the body (a mapping is sent form-encoded); `auth` is
    HTTP Basic, sent only to the request's own origin."""

    method: str
    url: str
    data: bytes | str | Mapping[str, str] | None = None
    params: Mapping[str, str] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    auth: tuple[str, str] | None = None
    verify: bool = True
    follow_redirects: bool = True


@dataclass(frozen=True)
class Answer:
    """The final answer, after any redirects."""

    status: int
    reason: str


async def fetch(request: HttpRequest, settings: Settings) -> Answer:
    """Send the request through the pool; the answer, whatever its status, or TransportError when none
    came: a refused destination (permanent), no answer in time, or a connection error. Redirects included,
    the request has `send_timeout_seconds`."""
    limit = float(settings.send_timeout_seconds)
    headers = dict(request.headers)
    if request.auth:
        headers["Authorization"] = aiohttp.encode_basic_auth(request.auth[0], request.auth[1] or "")
    hop = _Hop(
        pool(settings),
        safety.allow_list(settings.channel_allowed_hosts),
        headers,
        request.verify,
        aiohttp.ClientTimeout(sock_connect=limit, sock_read=limit),
    )
    try:
        async with asyncio.timeout(limit):
            return await hop.follow(request)
    except TimeoutError:
        raise no_answer(settings) from None


@dataclass
class _Hop:
    """Sends a request one hop at a time. Headers, certificate check and timeouts go with every hop;
    credentials only within their origin."""

    session: aiohttp.ClientSession
    allowed: safety.AllowList
    headers: dict[str, str]
    verify: bool
    timeout: aiohttp.ClientTimeout

    async def follow(self, request: HttpRequest) -> Answer:
        method, target, params, data = request.method, URL(request.url), request.params, request.data
        for hop in range(MAX_REDIRECTS + 1):
            self._check_literal(target.host or "")
            answer = await self._one(method, target, params, data)
            location = answer.headers.get("Location")
            redirected = answer.status in REDIRECT_STATUSES and location
            if not (request.follow_redirects and redirected and hop < MAX_REDIRECTS):
                return Answer(answer.status, answer.reason or "")
            following = answer.url.join(URL(str(location)))
            if answer.status == 303 or (answer.status in {301, 302} and method.upper() == "POST"):
                method, data = "GET", None
            if following.origin() != target.origin():
                self.headers.pop("Authorization", None)
            target, params = following, None
        raise AssertionError("unreachable: the last hop returns")

    async def _one(
        self, method: str, target: URL, params: Mapping[str, str] | None, data: object
    ) -> aiohttp.ClientResponse:
        try:
            async with self.session.request(
                method,
                target,
                params=params,
                data=data,
                headers=self.headers,
                ssl=self.verify,
                timeout=self.timeout,
                allow_redirects=False,
            ) as answer:
                await answer.read()  # the connection goes back to the pool only once the body is read
                return answer
        except aiohttp.ClientError as error:
            if isinstance(error, aiohttp.ClientConnectorError) and isinstance(
                error.os_error, RefusedConnection
            ):
                raise refused(error.os_error.reason) from None
            raise TransportError(_describe(error)) from None

    def _check_literal(self, host: str) -> None:
        """IP literals never reach the resolver, so they are checked here, on every hop."""
        address = safety.parse_ip_literal(host)
        if address is None:
            return
        try:
            safety.check_address(host, address, self.allowed)
        except safety.UnsafeDestination as refusal:
            raise refused(refusal.reason) from None


# --------------------------------------------------------------------------------------------------
# The pool


class RefusedConnection(OSError):
    """What the resolver raises; aiohttp hands the same error to every send waiting on that lookup."""

    def __init__(self, reason: str) -> None:
        super().__init__("refused by the channel safety rules")
        self.reason = reason


class GuardedResolver(AbstractResolver):
    """Resolves as aiohttp would, then refuses any answer `safety` refuses (names on the operator's
    allow list pass, as they do for Apprise's own connections)."""

    def __init__(self, allowed: safety.AllowList, *, resolver: AbstractResolver | None = None) -> None:
        self._allowed = allowed
        self._resolver = resolver if resolver is not None else DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        try:
            safety.check_name(host, self._allowed)
            found = await self._resolver.resolve(host, port, family)
            if not self._allowed.allows_name(host):
                for result in found:
                    address = safety.parse_ip_literal(result["host"])
                    if address is not None:
                        safety.check_address(host, address, self._allowed)
        except safety.UnsafeDestination as refused:
            raise RefusedConnection(refused.reason) from None
        return found

    async def close(self) -> None:
        await self._resolver.close()


class Pools:
    """Kept-alive connections, one aiohttp session per allow list, made on first use. A worker owns its
    own (`using`); other senders share their event loop's (`close_pools` ends those)."""

    def __init__(self) -> None:
        self._sessions: dict[str, aiohttp.ClientSession] = {}

    def session(self, settings: Settings) -> aiohttp.ClientSession:
        session = self._sessions.get(settings.channel_allowed_hosts)
        if session is None or session.closed:
            connector = aiohttp.TCPConnector(
                limit=POOL_CONNECTIONS,
                limit_per_host=POOL_CONNECTIONS_PER_HOST,
                resolver=GuardedResolver(safety.allow_list(settings.channel_allowed_hosts)),
            )
            # trust_env off: a proxy from the environment would make every destination "the proxy".
            session = aiohttp.ClientSession(connector=connector, trust_env=False)
            self._sessions[settings.channel_allowed_hosts] = session
        return session

    async def close(self) -> None:
        sessions, self._sessions = self._sessions, {}
        for session in sessions.values():
            await session.close()


_pools_in_use: contextvars.ContextVar[Pools | None] = contextvars.ContextVar("native_pools", default=None)
_loop_pools: WeakKeyDictionary[asyncio.AbstractEventLoop, Pools] = WeakKeyDictionary()


@contextlib.contextmanager
def using(pools: Pools) -> Iterator[None]:
    """Sends made inside (and in tasks started inside) use `pools`."""
    token = _pools_in_use.set(pools)
    try:
        yield
    finally:
        _pools_in_use.reset(token)


def pool(settings: Settings) -> aiohttp.ClientSession:
    pools = _pools_in_use.get() or _loop_pools.setdefault(asyncio.get_running_loop(), Pools())
    return pools.session(settings)


async def close_pools() -> None:
    """Close the running event loop's shared sessions (the app calls it as it stops)."""
    pools = _loop_pools.pop(asyncio.get_running_loop(), None)
    if pools is not None:
        await pools.close()


def _describe(error: aiohttp.ClientError) -> str:
    """A connection failure in words, without the URL (its path may be a secret)."""
    if isinstance(error, aiohttp.ClientConnectorError):
        return f"Connection error: could not connect ({type(error.os_error).__name__})"
    return f"Connection error ({type(error).__name__})"
