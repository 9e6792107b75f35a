"""A webhook receiver that verifies what arrives as the Standard Webhooks spec tells a receiver to
(https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md), written from
the spec alone: it shares no code with the app's signer, so a bug there cannot hide here.

It answers 204 to a request that verifies, 401 to one that does not (and records why), and 204 again to a
`webhook-id` it already accepted without counting it twice, as receivers dedupe retries.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.support.receivers import HttpReceiver, ReceivedRequest

TOLERANCE_SECONDS = 5 * 60


class VerificationFailed(Exception):
    pass


def verify(
    secret: str, headers: Mapping[str, str], body: bytes, now: float, tolerance: int = TOLERANCE_SECONDS
) -> None:
    """Raise VerificationFailed unless the request is signed with `secret` and fresh."""
    message_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not message_id or not timestamp or not signatures:
        raise VerificationFailed("missing a webhook-id, webhook-timestamp or webhook-signature header")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise VerificationFailed("the timestamp is not an integer") from None
    if abs(now - sent_at) > tolerance:
        raise VerificationFailed("the timestamp is outside the tolerance window")
    if not secret.startswith("whsec_"):
        raise VerificationFailed("not a whsec_ secret")
    key = base64.b64decode(secret[len("whsec_") :])
    content = message_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    # The header is a space-delimited list of "version,signature"; any v1 entry that matches will do.
    for entry in signatures.split(" "):
        version, _, signature = entry.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            return
    raise VerificationFailed("no signature matches")


@dataclass
class WebhookReceiver:
    """Wraps an HttpReceiver; `secret` is set once the channel's creation answer shows it."""

    secret: str = ""
    now: Callable[[], float] = time.time
    accepted: list[dict[str, Any]] = field(default_factory=list)
    """The JSON bodies that verified, each once."""
    refusals: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    """The webhook-id of every request that verified, duplicates included, in arrival order."""
    _seen: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.http = HttpReceiver(responder=self.respond)

    @property
    def url(self) -> str:
        return f"http://{self.http.address}/hook"

    def respond(self, request: ReceivedRequest) -> tuple[int, bytes]:
        try:
            verify(self.secret, request.headers, request.body, self.now())
        except VerificationFailed as failed:
            with self._lock:
                self.refusals.append(str(failed))
            return 401, b'{"error": "signature"}'
        message_id = request.headers["webhook-id"]
        with self._lock:
            self.ids.append(message_id)
            if message_id in self._seen:
                self.duplicates.append(message_id)
                return 204, b""
            self._seen.add(message_id)
            self.accepted.append(json.loads(request.body))
        return 204, b""

    def of_type(self, event: str) -> list[dict[str, Any]]:
        return [body for body in self.accepted if body["type"] == event]


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    receiver.http.start()
    yield receiver
    receiver.http.close()
