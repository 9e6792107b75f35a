"""Web Push to the installed PWA: the installation's VAPID key, RFC 8291 encryption, and an Apprise plugin.

Apprise's own `vapid://` plugin targets a fixed list of push services; a browser subscription names its
own endpoint, so sending goes through `NotifyFollowthroughPush` (scheme `ftpush://`), registered with
Apprise like any other plugin. It POSTs the message as JSON `{title, body, url}` (plus what the service
worker needs to act on a reminder: `tag`, `occurrenceId`, `actToken`, `actions`), encrypted for the
subscription (RFC 8291, aes128gcm), signed with the installation's VAPID key (RFC 8292).
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import msgspec
import requests
from apprise import NotifyType
from apprise.manager_plugins import NotificationManager
from apprise.plugins import base as apprise_base
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from followthrough.errors import Conflict
from followthrough.settings import VAPID_KEY_FILE, Settings, create_private_file

logger = logging.getLogger(__name__)
RECORD_SIZE = 4096
# Apprise's plugin base is untyped; the plugin below follows its conventions, not mypy's view of them.
_NotifyBase: Any = apprise_base.NotifyBase
TTL_SECONDS = 24 * 60 * 60
JWT_LIFETIME_SECONDS = 12 * 60 * 60
SCHEME = "ftpush"
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
# The Apprise plugin


@dataclass
class PushOutcome:
    """What the last send learnt that Apprise's True/False cannot carry."""

    status: int | None = None
    gone: bool = False


class NotifyFollowthroughPush(_NotifyBase):  # type: ignore[misc]
    """Web Push to one subscription: `ftpush://<endpoint host and path>?p256dh=…&auth=…`."""

    service_name = "Followthrough Web Push"
    protocol = SCHEME
    secure_protocol = SCHEME + "s"
    setup_url = "https://datatracker.ietf.org/doc/html/rfc8291"
    request_rate_per_sec = 0
    title_maxlen = 200
    body_maxlen = 2000
    templates = ("{schema}://{host}/{fullpath}",)

    def __init__(
        self,
        p256dh: str | None = None,
        auth: str | None = None,
        vapid_key: ec.EllipticCurvePrivateKey | None = None,
        subject: str = "",
        link: str = "",
        urgency: str = "normal",
        extra: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.p256dh = p256dh or ""
        self.auth = auth or ""
        self.vapid_key = vapid_key
        self.subject = subject
        self.link = link
        self.urgency = urgency
        # The message's own title, body and link win over a same-named key here; empty keys are left out.
        self.extra = {
            key: value
            for key, value in (extra or {}).items()
            if key not in MESSAGE_KEYS and value is not None
        }
        self.outcome = PushOutcome()

    @classmethod
    def for_subscription(
        cls,
        subscription: Subscription,
        vapid_key: ec.EllipticCurvePrivateKey,
        subject: str,
        link: str,
        extra: Mapping[str, Any] | None = None,
    ) -> NotifyFollowthroughPush:
        """`extra` (tag, occurrenceId, actToken, actions) goes into the JSON beside title, body and url."""
        parts = urlsplit(subscription.endpoint)
        return cls(
            p256dh=subscription.p256dh,
            auth=subscription.auth,
            vapid_key=vapid_key,
            subject=subject,
            link=link,
            extra=extra,
            schema=SCHEME + ("s" if parts.scheme == "https" else ""),
            host=parts.hostname,
            port=parts.port,
            fullpath=parts.path + (f"?{parts.query}" if parts.query else ""),
        )

    @property
    def endpoint(self) -> str:
        port = f":{self.port}" if self.port else ""
        return f"{'https' if self.secure else 'http'}://{self.host}{port}{self.fullpath}"

    def url(self, privacy: bool = False, *args: Any, **kwargs: Any) -> str:
        # The endpoint path is a capability URL: never show it, not even to its owner.
        return f"{self.secure_protocol if self.secure else self.protocol}://{self.host}/…"

    @property
    def url_identifier(self) -> tuple[str, str]:
        return (self.protocol, self.endpoint)

    def payload(self, title: str, body: str) -> bytes:
        """The JSON the service worker shows, shortened until it fits one encrypted record.

        The body gives way first. The extra keys are small, but should they still not fit, the message
        goes without them: a plain notification that opens the app beats none."""
        room = RECORD_SIZE - 17 - 16  # the padding delimiter, the tag, and a little slack
        title = title[:200]
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

    def send(self, body: str, title: str = "", notify_type: str = NotifyType.INFO, **kwargs: Any) -> bool:
        if self.vapid_key is None:
            self.logger.warning("Web Push needs the installation's VAPID key.")
            return False
        if not self.subject:
            self.logger.warning(f"{NO_SUBJECT}; the operator must set it.")
            return False
        payload = self.payload(title, body)
        headers = {
            "Content-Type": "application/octet-stream",
            "Content-Encoding": "aes128gcm",
            "TTL": str(TTL_SECONDS),
            "Urgency": self.urgency,
            "Authorization": vapid_authorization(self.endpoint, self.vapid_key, self.subject, time.time()),
        }
        self.throttle()
        try:
            response = requests.post(
                self.endpoint,
                data=encrypt(payload, self.p256dh, self.auth),
                headers=headers,
                timeout=self.request_timeout,
                allow_redirects=False,
            )
        except requests.RequestException:
            self.logger.warning("A connection error occurred sending Web Push to %s.", self.host)
            return False
        self.outcome = PushOutcome(status=response.status_code, gone=response.status_code in {404, 410})
        if 200 <= response.status_code < 300:
            self.logger.info("Sent Web Push notification.")
            return True
        self.logger.warning("Web Push to %s failed: error=%s.", self.host, response.status_code)
        return False


def register_plugin() -> None:
    manager: Any = NotificationManager()  # type: ignore[no-untyped-call]
    if SCHEME not in manager:
        manager.add(NotifyFollowthroughPush, schemas=[SCHEME, SCHEME + "s"])
