"""Sending one message to one channel: send, or raise `TransportError(message, permanent)`.

Two transports keep that contract (`Transport`):
- `web.HttpTransport`, aiohttp on the event loop, for Apprise's generic web hooks (json://, form://,
  xml://) and Web Push: one request each, through a kept-alive pool whose resolver refuses forbidden
  addresses;
- `threaded.AppriseTransport`, for every other service Apprise knows, run in Apprise's threads.

Signed web hooks (kind `webhook`) carry an envelope rather than a message: `webhooks.send`, on the same pool.

A channel URL is a secret: while one is in use, log records made in this context have its secret parts
replaced by `****` (`keeping_secret`, through what `egress.install()` set up at start).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Protocol

from followthrough.enums import ChannelKind
from followthrough.notifications import egress, urls, web
from followthrough.notifications.errors import TransportError
from followthrough.notifications.messages import Message
from followthrough.notifications.models import Channel
from followthrough.notifications.threaded import AppriseTransport, body_format, ntfy_actions
from followthrough.notifications.urls import InvalidChannelUrl, instantiate, masked_url, secret_parts
from followthrough.settings import Settings

__all__ = [
    "InvalidChannelUrl",
    "Transport",
    "TransportError",
    "body_format",
    "describe",
    "instantiate",
    "keeping_secret",
    "masked_url",
    "ntfy_actions",
    "redact",
    "secret_parts",
    "send",
]

logger = logging.getLogger(__name__)
redact = egress.redact


class Transport(Protocol):
    """Sends one message to one channel, or raises TransportError (permanent when retrying cannot help)."""

    async def send(self, channel: Channel, message: Message, settings: Settings) -> None: ...


HTTP: Transport = web.HttpTransport()
APPRISE: Transport = AppriseTransport()


@contextlib.contextmanager
def keeping_secret(url: str) -> Iterator[None]:
    """Within, no log record holds the URL's secret parts (nor does any message read through `redact`)."""
    with egress.hiding(secret_parts(url)):
        yield


def describe(channel: Channel) -> str:
    """What a log line may say about a channel."""
    return f"channel {channel.id} ({channel.masked_url})"


def transport_for(channel: Channel) -> Transport:
    """aiohttp for Web Push and the generic web hooks; Apprise's threads for the rest (and for a URL that
    does not parse, whose error the Apprise transport words)."""
    if channel.kind is ChannelKind.WEBPUSH:
        return HTTP
    try:
        plugin = urls.plugin_for(channel.url)
    except InvalidChannelUrl:
        return APPRISE
    return HTTP if web.supports(plugin) else APPRISE


async def send(channel: Channel, message: Message, settings: Settings) -> None:
    """Send now, or raise TransportError. Every connection the send makes is checked against the safety
    rules as it is made: DNS may have changed since the channel was saved."""
    with keeping_secret(channel.url):
        await transport_for(channel).send(channel, message, settings)
    logger.debug("Sent to %s", describe(channel))
