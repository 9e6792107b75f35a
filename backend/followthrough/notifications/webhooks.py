"""Webhook channels: signed JSON for automations (Home Assistant, n8n, your own scripts).

Signed as the Standard Webhooks spec says (https://www.standardwebhooks.com), because receivers then need
no code of ours: verifying libraries exist for Python, JavaScript, Go, Ruby, PHP, Rust, Java and C#, and
the scheme (an HMAC-SHA256 over "{id}.{timestamp}.{body}") is a few lines in an n8n Code node. Each
request carries three headers:

- `webhook-id`: the delivery's id. A retry carries the same id, so receivers can drop duplicates.
- `webhook-timestamp`: when this attempt was sent, in Unix seconds; receivers refuse ones more than five
  minutes away from their own clock (the replay window).
- `webhook-signature`: `v1,<base64 HMAC-SHA256>` keyed with the channel's secret `whsec_<base64>`.

The channel's secret state (its URL and signing secret) is stored as JSON in the channel's encrypted
`url` column; lists show only the URL's scheme and host. Sending goes through the same guarded aiohttp
pool as the other web channels (`native.fetch`): each name is checked when it resolves, IP literals
before the request, and redirects are not followed (a webhook URL is the final address).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from followthrough.notifications import native, safety
from followthrough.notifications.errors import TransportError
from followthrough.notifications.transport import keeping_secret
from followthrough.settings import Settings

SERVICE = "Webhook"
SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
PAYLOAD_VERSION = 1
"""Bumped only when a field changes meaning or goes away; new fields may appear at any time."""
RETRIED_CLIENT_ERRORS = frozenset({408, 429})
USER_AGENT = "Followthrough-Webhooks/1"


class InvalidWebhookUrl(ValueError):
    """The URL may not be used; the message says why without repeating it."""


@dataclass(frozen=True)
class WebhookTarget:
    """What the channel's encrypted column holds for a webhook."""

    url: str
    secret: str

    def to_json(self) -> str:
        return json.dumps({"url": self.url, "secret": self.secret}, separators=(",", ":"))

    @classmethod
    def from_json(cls, stored: str) -> WebhookTarget:
        data = json.loads(stored)
        return cls(url=str(data["url"]), secret=str(data["secret"]))


@dataclass(frozen=True)
class Envelope:
    """One webhook's body before signing: the event type, when it happened, and its data."""

    message_id: str
    type: str
    timestamp: datetime
    data: Mapping[str, Any]

    def body(self) -> bytes:
        document = {
            "type": self.type,
            "version": PAYLOAD_VERSION,
            "timestamp": utc_text(self.timestamp),
            "data": dict(self.data),
        }
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def utc_text(instant: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, to the second: what every receiver parses."""
    return instant.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# --------------------------------------------------------------------------------------------------
# Secrets and signatures


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header's value for one request."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


# --------------------------------------------------------------------------------------------------
# The URL


def masked(url: str) -> str:
    """Scheme and host (with a non-default port) only: paths and queries often hold tokens."""
    split = urlsplit(url)
    host = split.hostname or ""
    shown = f"[{host}]" if ":" in host else host
    if split.port is not None:
        shown = f"{shown}:{split.port}"
    return f"{split.scheme}://{shown}/****"


async def check_url(url: str, settings: Settings) -> str:
    """The URL, trimmed, if a channel may send to it; InvalidWebhookUrl otherwise. https is required
    unless the operator allowed the host (`FOLLOWTHROUGH_CHANNEL_ALLOWED_HOSTS`), as for Web Push; the host
    must pass the same egress rules as every channel."""
    url = url.strip()
    try:
        split = urlsplit(url)
        host = split.hostname or ""
        split.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise InvalidWebhookUrl("is not a valid URL") from None
    if split.scheme not in {"https", "http"} or not host:
        raise InvalidWebhookUrl("must be an https:// URL, e.g. https://ha.example.com/api/webhook/…")
    if split.scheme == "http" and not safety.allow_list(settings.channel_allowed_hosts).allows_host(host):
        raise InvalidWebhookUrl("must be an https URL")
    try:
        await safety.check_host(host, settings)
    except safety.UnsafeDestination as refused:
        raise InvalidWebhookUrl(f"refused: {refused.reason}") from None
    return url


# --------------------------------------------------------------------------------------------------
# Sending


async def send(stored: str, envelope: Envelope, settings: Settings, now: datetime | None = None) -> None:
    """POST the signed envelope; return on a 2xx, or raise TransportError. A 4xx other than 408 and 429 is
    permanent (the receiver refuses this request as such; retrying sends the same bytes); 5xx, timeouts
    and connection errors pass and are retried with the usual backoff."""
    try:
        target = WebhookTarget.from_json(stored)
    except (ValueError, KeyError, TypeError):
        raise TransportError("The stored webhook settings are unreadable", permanent=True) from None
    sent_at = int((now or datetime.now(UTC)).timestamp())
    body = envelope.body()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": envelope.message_id,
        "webhook-timestamp": str(sent_at),
        "webhook-signature": sign(target.secret, envelope.message_id, sent_at, body),
    }
    request = native.HttpRequest("POST", target.url, data=body, headers=headers, follow_redirects=False)
    with keeping_secret(target.url):
        answer = await native.fetch(request, settings)
    _judge(answer.status, answer.reason)


def _judge(status: int, reason: str) -> None:
    if 200 <= status < 300:
        return
    answered = f"The receiver answered HTTP {status} {reason}".rstrip()
    if 300 <= status < 400:
        raise TransportError(f"{answered}; redirects are not followed, use the final URL", permanent=True)
    if 400 <= status < 500 and status not in RETRIED_CLIENT_ERRORS:
        raise TransportError(answered, permanent=True)
    raise TransportError(answered)
