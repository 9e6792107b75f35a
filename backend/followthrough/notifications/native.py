"""Apprise's web plugins, sending on the event loop through a pool of kept-alive connections.

Why: Apprise runs a plugin's blocking `send()` in its thread pool of six, and its web plugins call
`requests.request`, which builds a session and opens a connection for every message. That cost about
1.5 ms of CPU per message and held a worker under 450 deliveries a second (docs/performance.md).

How: for the plugins in `NATIVE_PLUGINS`, whose only I/O is one HTTP request made through `requests` and
which never throttle, `notify()` runs in a greenlet on the event loop (SQLAlchemy's bridge, the one its
async engine is built on). While it runs, `requests.request` (which `requests.post` calls) is answered by
an aiohttp session that keeps connections alive. Apprise still builds each request and judges its answer;
only the socket work changes hands. Anywhere else the two functions behave exactly as before.

Safety: the pool checks every connection as `safety.guarded` checks Apprise's own: a name when it
resolves (`GuardedResolver`), an IP literal before each request, and every redirect hop again.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

import aiohttp
import requests
import requests.api
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from apprise.plugins.custom_form import NotifyForm
from apprise.plugins.custom_json import NotifyJSON
from apprise.plugins.custom_xml import NotifyXML
from requests.structures import CaseInsensitiveDict
from sqlalchemy.util import await_only, greenlet_spawn
from yarl import URL

from followthrough.notifications import safety, webpush
from followthrough.settings import Settings

# One HTTP request per send, no throttling, no other I/O: safe to run on the event loop.
NATIVE_PLUGINS: frozenset[type] = frozenset(
    {NotifyJSON, NotifyForm, NotifyXML, webpush.NotifyFollowthroughPush}
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 10
# Open connections per worker, and to any one host (a self-hosted service should not see a crowd); sends
# beyond them wait for a connection to come free.
POOL_CONNECTIONS = 100
POOL_CONNECTIONS_PER_HOST = 16


def supports(plugin: Any) -> bool:
    return type(plugin) in NATIVE_PLUGINS


@dataclass
class Exchange:
    """One send's HTTP as the plugin saw it: what answered, or why nothing did. Its request, redirects
    included, has `limit` seconds."""

    session: aiohttp.ClientSession
    allowed: safety.AllowList
    limit: float
    delivered: bool = False
    status: int | None = None
    reason: str = ""
    error: str | None = None
    refusal: str | None = None
    timed_out: bool = False

    def refuse(self, reason: str) -> None:
        self.refusal = self.refusal or reason

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Any = None,
        data: Any = None,
        headers: Any = None,
        auth: Any = None,
        verify: bool = True,
        timeout: Any = None,  # noqa: ASYNC109 - requests.request's own (connect, read) argument
        allow_redirects: bool = True,
        **unsupported: Any,
    ) -> requests.Response:
        """What `requests.request` would answer, with redirects followed (and checked) one hop at a time."""
        if any(unsupported.values()):
            named = ", ".join(sorted(unsupported))
            raise requests.RequestException(f"not sent: {named} is not supported here")
        connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
        headers = dict(headers or {})
        if auth:
            headers["Authorization"] = aiohttp.encode_basic_auth(auth[0], auth[1] or "")
        options = {
            "headers": headers,
            "ssl": bool(verify),
            "timeout": aiohttp.ClientTimeout(sock_connect=connect, sock_read=read),
        }
        try:
            async with asyncio.timeout(self.limit):
                return await self._follow(method, URL(url), params, data, options, allow_redirects)
        except TimeoutError as error:
            self.timed_out = True
            raise requests.Timeout("no answer in time") from error

    async def _follow(
        self, method: str, target: URL, params: Any, data: Any, options: dict[str, Any], allow_redirects: bool
    ) -> requests.Response:
        """`options` (headers, ssl, timeout) go with every hop; credentials only within their origin."""
        for hop in range(MAX_REDIRECTS + 1):
            self._check_literal(target.host or "")
            answer, body = await self._one(method, target, params, data, options)
            location = answer.headers.get("Location")
            redirected = answer.status in REDIRECT_STATUSES and location
            if not (allow_redirects and redirected and hop < MAX_REDIRECTS):
                self.status, self.reason = answer.status, answer.reason or ""
                return _response(answer, body)
            following = answer.url.join(URL(str(location)))
            if answer.status == 303 or (answer.status in {301, 302} and method.upper() == "POST"):
                method, data = "GET", None
            if following.origin() != target.origin():
                options["headers"].pop("Authorization", None)
            target, params = following, None
        raise AssertionError("unreachable: the last hop returns")

    async def _one(
        self, method: str, target: URL, params: Any, data: Any, options: dict[str, Any]
    ) -> tuple[aiohttp.ClientResponse, bytes]:
        try:
            async with self.session.request(
                method,
                target,
                params=params,
                data=data,
                allow_redirects=False,
                **options,
            ) as answer:
                return answer, await answer.read()
        except aiohttp.ClientError as error:
            if isinstance(error, aiohttp.ClientConnectorError) and isinstance(
                error.os_error, RefusedConnection
            ):
                self.refuse(error.os_error.reason)
            self.error = _describe(error)
            raise requests.ConnectionError(self.error) from None

    def _check_literal(self, host: str) -> None:
        """IP literals never reach the resolver, so they are checked here, on every hop."""
        address = safety.parse_ip_literal(host)
        if address is None:
            return
        try:
            safety.check_address(host, address, self.allowed)
        except safety.UnsafeDestination as refused:
            self.refuse(refused.reason)
            raise requests.ConnectionError("refused by the channel safety rules") from None


_exchange: contextvars.ContextVar[Exchange | None] = contextvars.ContextVar("native_exchange", default=None)
_original_request = requests.api.request


def _bridged_request(method: str, url: str, **kwargs: Any) -> requests.Response:
    exchange = _exchange.get()
    if exchange is None:
        return _original_request(method, url, **kwargs)
    return await_only(exchange.request(method, url, **kwargs))


def install() -> None:
    """Route `requests` through the bridge; it only acts inside `notify()`, so it is inert elsewhere."""
    if requests.api.request is not _bridged_request:
        requests.api.request = requests.request = _bridged_request  # type: ignore[assignment]


async def notify(plugin: Any, body: str, title: str, settings: Settings) -> Exchange:
    """Send one message through a plugin in `NATIVE_PLUGINS`; the exchange tells how it went."""
    install()
    allowed = safety.allow_list(settings.channel_allowed_hosts)
    exchange = Exchange(pool(settings), allowed, settings.send_timeout_seconds)
    token = _exchange.set(exchange)
    try:
        # The greenlet runs in this task's context, so the plugin's requests call finds the exchange.
        exchange.delivered = bool(await greenlet_spawn(plugin.notify, body=body, title=title))
    finally:
        _exchange.reset(token)
    return exchange


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


def _response(answer: aiohttp.ClientResponse, body: bytes) -> requests.Response:
    response = requests.Response()
    response.status_code = answer.status
    response.reason = answer.reason or ""
    response.headers = CaseInsensitiveDict(answer.headers)
    response._content = body
    response.url = str(answer.url)
    response.encoding = requests.utils.get_encoding_from_headers(response.headers)
    return response


def _describe(error: aiohttp.ClientError) -> str:
    """A connection failure in words, without the URL (its path may be a secret)."""
    if isinstance(error, aiohttp.ClientConnectorError):
        return f"Connection error: could not connect ({type(error.os_error).__name__})"
    return f"Connection error ({type(error).__name__})"
