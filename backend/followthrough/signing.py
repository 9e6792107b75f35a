"""Signed, expiring tokens for links that act without a sign-in (snooze a reminder, one-tap encouragement).

A token carries its purpose, a small payload and an expiry, and an HMAC over all three with the
installation's secret key. It is checked in constant time; a token made for one purpose never passes as
another. Tokens are not single-use by themselves: the action they trigger must be idempotent or record use.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime
from typing import Any


class BadSignature(ValueError):
    """The token is malformed, tampered with, made for another purpose, or expired."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, purpose: str, body: str) -> str:
    return _b64(hmac.new(secret.encode(), f"{purpose}.{body}".encode(), hashlib.sha256).digest())


def sign(secret: str, purpose: str, payload: dict[str, Any], expires_at: datetime) -> str:
    body = _b64(json.dumps({"p": payload, "e": int(expires_at.timestamp())}, separators=(",", ":")).encode())
    return f"{body}.{_mac(secret, purpose, body)}"


def verify(secret: str, purpose: str, token: str, now: datetime) -> dict[str, Any]:
    """The payload of a valid token; raises BadSignature otherwise."""
    body, _, mac = token.partition(".")
    if not body or not mac or not hmac.compare_digest(mac, _mac(secret, purpose, body)):
        raise BadSignature("the link is not valid")
    try:
        content = json.loads(_unb64(body))
        payload, expires = content["p"], int(content["e"])
    except (ValueError, KeyError, TypeError):
        raise BadSignature("the link is not valid") from None
    if now.timestamp() >= expires:
        raise BadSignature("the link has expired")
    if not isinstance(payload, dict):
        raise BadSignature("the link is not valid")
    return payload
