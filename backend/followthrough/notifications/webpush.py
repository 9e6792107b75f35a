"""Web Push to the installed PWA: the installation's VAPID key, RFC 8291 encryption, and the request.

Apprise's own `vapid://` plugin targets a fixed list of push services; a browser subscription names its
own endpoint, so a push is built here (`Push`) and sent with aiohttp like the other web requests
(`web.HttpTransport`). It POSTs the message as JSON `{title, body, url}` (plus what the service worker
needs to act on a reminder: `tag`, `occurrenceId`, `actToken`, `actions`), encrypted for the subscription
(RFC 8291, aes128gcm), signed with the installation's VAPID key (RFC 8292).
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import msgspec
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from followthrough.errors import Conflict
from followthrough.notifications.errors import TransportError
from followthrough.notifications.messages import Message
from followthrough.notifications.models import Channel
from followthrough.notifications.native import Answer, HttpRequest
from followthrough.settings import VAPID_KEY_FILE, Settings, create_private_file

logger = logging.getLogger(__name__)
RECORD_SIZE = 4096
TTL_SECONDS = 24 * 60 * 60
JWT_LIFETIME_SECONDS = 12 * 60 * 60
# The scheme of the Apprise plugin Web Push once was: refused as an Apprise URL (`urls.instantiate`).
SCHEME = "ftpush"
TITLE_LENGTH = 200
GONE_STATUSES = frozenset({404, 410})
MESSAGE_KEYS = frozenset({"title", "body", "url"})


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --------------------------------------------------------------------------------------------------
# The subscription the PWA hands over


class Subscription(msgspec.Struct, frozen=True):
    """A browser's PushSubscription: where to POST, and the keys to encrypt for."""

    endpoint: str
    p256dh: str
    auth: str

    @classmethod
    def from_json(cls, text: str) -> Subscription:
        data = json.loads(text)
        return cls(endpoint=data["endpoint"], p256dh=data["keys"]["p256dh"], auth=data["keys"]["auth"])

    def to_json(self) -> str:
        return json.dumps({"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}})

    @property
    def host(self) -> str:
        return urlsplit(self.endpoint).hostname or ""


def check_subscription(endpoint: str, p256dh: str, auth: str) -> str | None:
    """What is wrong with a subscription (field, message), as 'field: message', or None."""
    parts = urlsplit(endpoint)
    if parts.scheme not in {"https", "http"} or not parts.hostname:
        return "endpoint: must be an https URL"
    try:
        key = b64url_decode(p256dh)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), key)
    except ValueError:
        return "keys.p256dh: must be a base64url P-256 public key (uncompressed point)"
    try:
        secret = b64url_decode(auth)
    except ValueError:
        secret = b""
    if len(secret) != 16:
        return "keys.auth: must be a base64url 16-byte secret"
    return None


# --------------------------------------------------------------------------------------------------
# The installation's VAPID key


_keys: dict[str, ec.EllipticCurvePrivateKey] = {}
_keys_lock = threading.Lock()


def vapid_private_key(settings: Settings) -> ec.EllipticCurvePrivateKey:
    """From settings, or generated once into `data_dir/vapid_private_key.pem` (mode 0600) and reused."""
    if settings.vapid_private_key:
        source = settings.vapid_private_key
        with _keys_lock:
            if source not in _keys:
                _keys[source] = _load_pem(source.encode())
            return _keys[source]
    path = settings.data_dir / VAPID_KEY_FILE
    cache_key = str(path.resolve())
    with _keys_lock:
        if cache_key not in _keys:
            _keys[cache_key] = _read_or_create(path)
        return _keys[cache_key]


def _load_pem(pem: bytes) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError("the VAPID private key must be an EC P-256 key in PEM")
    return key


def _read_or_create(path: Any) -> ec.EllipticCurvePrivateKey:
    if not path.exists():
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        # When another process of this installation wrote it first, its key is the one read back.
        create_private_file(path, pem)
    return _load_pem(path.read_bytes())


def public_key_bytes(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> bytes:
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    return public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def vapid_public_key(settings: Settings) -> str:
    """The application server key the PWA passes to `pushManager.subscribe` (base64url, uncompressed);
    refused (409) while Web Push is off, so no device subscribes to pushes that cannot be sent."""
    require_vapid_subject(settings)
    return b64url(public_key_bytes(vapid_private_key(settings)))


NO_SUBJECT = (
    "Web Push is off until FOLLOWTHROUGH_VAPID_SUBJECT is set to a mailto: or https: address "
    "(or FOLLOWTHROUGH_PUBLIC_URL is https): push services refuse any other contact"
)


def vapid_subject(settings: Settings) -> str:
    """The contact each push is signed with (the JWT's `sub`): the configured one, else an https
    `public_url`. Empty when there is none that push services accept (Apple's answers 403 BadJwtToken to
    `http:`), and then nothing is sent."""
    if settings.vapid_subject:
        return settings.vapid_subject
    return settings.public_url if settings.public_url.startswith("https://") else ""


def require_vapid_subject(settings: Settings) -> str:
    """For requests that only make sense when pushes can go out: 409 naming `vapidSubject` otherwise."""
    subject = vapid_subject(settings)
    if not subject:
        raise Conflict("vapidSubject", NO_SUBJECT)
    return subject


def warn_when_off(settings: Settings) -> None:
    """Said once at start (API and worker), so the operator learns it before anyone subscribes."""
    if not vapid_subject(settings):
        logger.warning("%s.", NO_SUBJECT)


def vapid_authorization(endpoint: str, key: ec.EllipticCurvePrivateKey, subject: str, now: float) -> str:
    """`vapid t=<ES256 JWT>, k=<public key>` for the push service that owns the endpoint (RFC 8292)."""
    parts = urlsplit(endpoint)
    header = b64url(json.dumps({"typ": "JWT", "alg": "ES256"}, separators=(",", ":")).encode())
    claims = {
        "aud": f"{parts.scheme}://{parts.netloc}",
        "exp": int(now) + JWT_LIFETIME_SECONDS,
        "sub": subject,
    }
    body = b64url(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{body}".encode()
    r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
    signature = b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
    return f"vapid t={header}.{body}.{signature}, k={b64url(public_key_bytes(key))}"


# --------------------------------------------------------------------------------------------------
# RFC 8291 message encryption


def _hkdf(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def encrypt(plaintext: bytes, p256dh: str, auth: str) -> bytes:
    """One aes128gcm record for the subscription's keys, with a fresh sender key and salt."""
    receiver_bytes = b64url_decode(p256dh)
    receiver = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), receiver_bytes)
    sender = ec.generate_private_key(ec.SECP256R1())
    sender_bytes = public_key_bytes(sender)
    shared = sender.exchange(ec.ECDH(), receiver)
    ikm = _hkdf(b64url_decode(auth), shared, b"WebPush: info\x00" + receiver_bytes + sender_bytes, 32)
    salt = secrets.token_bytes(16)
    content_key = _hkdf(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)
    nonce = _hkdf(salt, ikm, b"Content-Encoding: nonce\x00", 12)
    if len(plaintext) + 1 + 16 > RECORD_SIZE:
        raise ValueError("the push message is too long for one record")
    ciphertext = AESGCM(content_key).encrypt(nonce, plaintext + b"\x02", None)
    header = salt + RECORD_SIZE.to_bytes(4, "big") + bytes([len(sender_bytes)]) + sender_bytes
    return header + ciphertext


# --------------------------------------------------------------------------------------------------
# One push


@dataclass(frozen=True)
class Push:
    """One message for one subscription: `extra` (tag, occurrenceId, actToken, actions) goes into the
    JSON beside title, body and url; the message's own keys win over same-named ones there, and empty keys
    are left out."""

    subscription: Subscription
    vapid_key: ec.EllipticCurvePrivateKey
    subject: str
    link: str
    extra: Mapping[str, Any] = field(default_factory=dict)
    urgency: str = "normal"

    @classmethod
    def for_subscription(
        cls,
        subscription: Subscription,
        vapid_key: ec.EllipticCurvePrivateKey,
        subject: str,
        link: str,
        extra: Mapping[str, Any] | None = None,
    ) -> Push:
        kept = {
            key: value
            for key, value in (extra or {}).items()
            if key not in MESSAGE_KEYS and value is not None
        }
        return cls(subscription, vapid_key, subject, link, kept)

    def payload(self, title: str, body: str) -> bytes:
        """The JSON the service worker shows, shortened until it fits one encrypted record.

        The body gives way first. The extra keys are small, but should they still not fit, the message
        goes without them: a plain notification that opens the app beats none."""
        room = RECORD_SIZE - 17 - 16  # the padding delimiter, the tag, and a little slack
        title = title.strip()[:TITLE_LENGTH]
        extra = self.extra
        while True:
            message = {"title": title, "body": body, "url": self.link, **extra}
            data = json.dumps(message, ensure_ascii=False).encode()
            if len(data) <= room:
                return data
            if body:
                shorter = body[: len(body) * 4 // 5].rstrip() + "…"
                body = shorter if len(shorter) < len(body) else ""
            elif extra:
                extra = {}
            else:
                return data

    def request(self, title: str, body: str) -> HttpRequest:
        """The encrypted, signed POST to the subscription's endpoint. Push services answer where they are:
        a redirect is not followed."""
        endpoint = self.subscription.endpoint
        headers = {
            "Content-Type": "application/octet-stream",
            "Content-Encoding": "aes128gcm",
            "TTL": str(TTL_SECONDS),
            "Urgency": self.urgency,
            "Authorization": vapid_authorization(endpoint, self.vapid_key, self.subject, time.time()),
        }
        data = encrypt(self.payload(title, body.rstrip()), self.subscription.p256dh, self.subscription.auth)
        return HttpRequest("POST", endpoint, data=data, headers=headers, follow_redirects=False)


# --------------------------------------------------------------------------------------------------
# Sending to a channel


def push_for(channel: Channel, message: Message, settings: Settings) -> Push:
    """The push for a Web Push channel, or TransportError: permanent when the stored subscription is
    unreadable; passing when the server's own configuration is to blame (the operator can fix it)."""
    try:
        subscription = Subscription.from_json(channel.url)
    except (ValueError, KeyError, TypeError):
        raise TransportError("The stored Web Push subscription is unreadable", permanent=True) from None
    subject = vapid_subject(settings)
    if not subject:
        raise TransportError(NO_SUBJECT)
    try:
        key = vapid_private_key(settings)
    except (ValueError, TypeError, OSError) as error:
        logger.error("The VAPID private key is unusable: %s", type(error).__name__)
        raise TransportError("The server's Web Push key is unusable; the operator must fix it") from None
    return Push.for_subscription(subscription, key, subject, message.url, extra=message.push)


def judge(answer: Answer) -> None:
    """A 2xx is delivered; 404 and 410 say the subscription is gone for good; anything else may pass."""
    if 200 <= answer.status < 300:
        return
    if answer.status in GONE_STATUSES:
        raise TransportError(
            f"The push subscription is gone (HTTP {answer.status}); the device must subscribe again",
            permanent=True,
        )
    raise TransportError(f"The service answered HTTP {answer.status} {answer.reason}".rstrip())
