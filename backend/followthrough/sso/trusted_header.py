"""Trusted-header sign-in, as Authelia's and Authentik's forward-auth proxies offer it.

The proxy signs the person in and names them in a header (`Remote-Email`). Anyone can send that header, so
it counts only on a connection whose own peer (the TCP address, before X-Forwarded-For is applied) is one of
the configured proxy networks; from anywhere else the feature behaves as if it were off. And it is never
ambient per-request authentication, which any cross-site request would carry: the app asks for a session
once (`POST /auth/trusted-header`, a JSON body), and from then on the normal cookie and CSRF token apply.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any

from litestar.connection import ASGIConnection
from litestar.types import ASGIApp, Receive, Scope, Send

from followthrough.errors import InvalidInput
from followthrough.schemas import require_email
from followthrough.settings import Settings, networks

PEER_SCOPE_KEY = "followthrough.peer"


class RememberPeer:
    """Outermost ASGI layer: keeps the connection's own peer address before uvicorn's proxy-headers layer
    replaces `client` with the address from X-Forwarded-For."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if client:
            scope[PEER_SCOPE_KEY] = client[0]  # type: ignore[literal-required]
        await self.app(scope, receive, send)


def peer_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The TCP peer: recorded by `RememberPeer` when serving, otherwise the ASGI client as given."""
    recorded = connection.scope.get(PEER_SCOPE_KEY)
    if isinstance(recorded, str):
        return recorded
    return connection.client.host if connection.client else None


def from_trusted_proxy(connection: ASGIConnection[Any, Any, Any, Any], settings: Settings) -> bool:
    if not settings.trusted_header:
        return False
    peer = peer_address(connection)
    try:
        address = ipaddress.ip_address(peer or "")
    except ValueError:
        return False
    return any(address in network for network in _networks(settings.trusted_header_networks))


@lru_cache(maxsize=4)
def _networks(value: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(networks(value))


def named_email(connection: ASGIConnection[Any, Any, Any, Any], settings: Settings) -> str | None:
    """The email the trusted proxy names, or None: off, not from a trusted proxy, or no valid email."""
    if not from_trusted_proxy(connection, settings):
        return None
    values = connection.headers.getall(settings.trusted_header, [])
    if len(values) != 1:  # a header sent twice may be one from the proxy and one from the client
        return None
    try:
        return require_email(values[0])
    except InvalidInput:
        return None
