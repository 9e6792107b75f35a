"""Request ids: one per request, in every log line written while serving it (uvicorn's access line too), in
the `X-Request-ID` answer header, and as `requestId` in every error body, so that a person's report of an
error leads an operator to its log lines.

An incoming `X-Request-ID` is kept only from a trusted proxy (`FOLLOWTHROUGH_TRUSTED_PROXIES`), so that the
proxy's own log lines match ours, and only when it is short and plain; anyone else's is replaced, so that a
client cannot write what it likes into the logs or pass itself off as another request.
"""

from __future__ import annotations

import ipaddress
import itertools
import os
import re
from contextvars import ContextVar
from typing import Any, cast

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "x-request-id"
_HEADER_BYTES = REQUEST_ID_HEADER.encode()
_SANE = re.compile(rb"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
# Where the request's id is kept in its ASGI scope, for the error handlers.
SCOPE_KEY = "followthrough.request_id"
# The address the connection came from, before uvicorn replaced it with the one X-Forwarded-For names: kept
# by `followthrough serve` (cli.served_app_from_env, sso.trusted_header.RememberPeer).
PEER_KEY = "followthrough.peer"

current_request_id: ContextVar[str | None] = ContextVar("followthrough_request_id", default=None)
"""The id of the request being served in this task, for the log lines (`logs.AddRequestId`)."""

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: str) -> list[Network] | None:
    """Comma-separated addresses and networks; None for `*` (any). Settings checked the syntax."""
    entries = [entry.strip() for entry in value.split(",") if entry.strip()]
    if entries == ["*"]:
        return None
    return [ipaddress.ip_network(entry, strict=False) for entry in entries]


def address_in(host: str | None, networks: list[Network] | None) -> bool:
    if networks is None:
        return True
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:  # a Unix socket, or a test client's made-up name
        return False
    return any(address in network for network in networks)


# A random prefix per process and a counter: unique across processes and restarts, and far cheaper than
# random bytes per request (an id is a label, not a secret).
_PROCESS_PREFIX = os.urandom(8).hex()
_NEXT = itertools.count(1)


def new_request_id() -> str:
    return f"{_PROCESS_PREFIX}{next(_NEXT):08x}"


def request_id_of(scope: Scope) -> str:
    """This request's id (made here if the request somehow bypassed `RequestIds`)."""
    state = cast("dict[str, Any]", scope)
    known = state.get(SCOPE_KEY)
    if not isinstance(known, str):
        known = state[SCOPE_KEY] = new_request_id()
    return known


class RequestIds:
    """Wraps the whole app (before routing, so unknown paths get an id too): chooses the id, makes it current
    while the request is served, and adds it to the answer's headers."""

    def __init__(self, app: ASGIApp, trusted_proxies: str) -> None:
        self.app = app
        self.trusted = parse_networks(trusted_proxies)

    def choose(self, scope: Scope) -> str:
        for name, value in scope.get("headers", ()):
            if name == _HEADER_BYTES:
                if _SANE.fullmatch(value) and self._from_trusted_proxy(scope):
                    return value.decode("ascii")
                break
        return new_request_id()

    def _from_trusted_proxy(self, scope: Scope) -> bool:
        peer = cast("dict[str, Any]", scope).get(PEER_KEY)
        if not isinstance(peer, str):  # not behind `serve` (a test client): the client is the peer
            client = scope.get("client")
            peer = client[0] if client else None
        return address_in(peer, self.trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        request_id = self.choose(scope)
        cast("dict[str, Any]", scope)[SCOPE_KEY] = request_id
        header = (_HEADER_BYTES, request_id.encode("ascii"))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        token = current_request_id.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            current_request_id.reset(token)
