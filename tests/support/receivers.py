"""Real local receivers for notification tests: an HTTP endpoint, an SMTP server and a Web Push service.

Apprise sends to them for real, so tests assert on what actually arrived. Each receiver runs in its own
thread and records what it received; tests can make the HTTP ones fail or hang for the next N requests.

Use them as fixtures: `from tests.support.receivers import http_receiver, smtp_receiver, push_receiver` in a
test module (or `pytest_plugins = ["tests.support.receivers"]`). They listen on 127.0.0.1, which channels may
reach only when `channel_allowed_hosts` allows it; `receiver_settings` and `receiver_app` give such an app.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import Message as EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from litestar import Litestar

from followthrough.clock import FrozenClock
from followthrough.settings import Settings
from tests.support.apps import SharedApps

RECEIVER_ALLOWED_HOSTS = "127.0.0.1,::1,localhost"
SHUTDOWN_POLL_SECONDS = 0.02


# --------------------------------------------------------------------------------------------------
# HTTP (json://, form://, and the base of the Web Push service)


@dataclass(frozen=True)
class ReceivedRequest:
    at: datetime
    method: str
    path: str
    headers: dict[str, str]
    """Header names lower-cased."""
    body: bytes
    status: int
    """What the receiver answered."""
    peer: str = ""
    """The client's end of the connection ("host:port"): one value per connection."""

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {key: values[-1] for key, values in parse_qs(self.body.decode()).items()}


@dataclass
class _Plan:
    """What to do with the next requests: fail with a status, or hang past the sender's timeout."""

    fail_count: int = 0
    fail_status: int = 500
    hang_count: int = 0
    hang_seconds: float = 30.0
    redirect_count: int = 0
    redirect_to: str = ""


Responder = Callable[["ReceivedRequest"], tuple[int, bytes]]


class HttpReceiver:
    """A threaded HTTP server on 127.0.0.1 that records every request and answers 200 unless told not to."""

    def __init__(self, responder: Responder | None = None) -> None:
        self.requests: list[ReceivedRequest] = []
        self._lock = threading.Lock()
        self._plan = _Plan()
        self._released = threading.Event()
        self._arrived = threading.Condition(self._lock)
        self._responder = responder
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                receiver._handle(self)

            do_PUT = do_POST
            do_GET = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: pytest shows failures, not every request

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        # serve_forever checks for shutdown once per poll: at the default 0.5 s, closing was the slowest
        # step of a receiver test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS}, daemon=True
        )

    # --- life cycle

    def start(self) -> HttpReceiver:
        self._thread.start()
        return self

    def close(self) -> None:
        self._released.set()  # let hanging handlers go, so shutdown is quick
        self._server.shutdown()
        self._server.server_close()

    # --- what tests use

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def json_url(self, path: str = "/hook") -> str:
        return f"json://{self.address}{path}"

    def form_url(self, path: str = "/hook") -> str:
        return f"form://{self.address}{path}"

    def fail_next(self, count: int, status: int = 500) -> None:
        with self._lock:
            self._plan.fail_count, self._plan.fail_status = count, status

    def hang_next(self, count: int, seconds: float = 30.0) -> None:
        """Hold the next `count` requests for `seconds` (or until the receiver closes), answering nothing."""
        with self._lock:
            self._plan.hang_count, self._plan.hang_seconds = count, seconds

    def redirect_next(self, count: int, location: str) -> None:
        """Answer the next `count` requests with a 307 redirect to `location`."""
        with self._lock:
            self._plan.redirect_count, self._plan.redirect_to = count, location

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()

    async def wait_for(self, count: int, within: float = 10.0) -> list[ReceivedRequest]:
        """Wait until at least `count` requests arrived (a ceiling for slow machines, not an assertion)."""
        deadline = time.monotonic() + within
        while True:
            with self._lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} requests, got {len(self.requests)}")
            await asyncio.sleep(0.01)

    # --- the server side

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in handler.headers.items()}
        with self._lock:
            hang = self._plan.hang_count > 0
            fail = not hang and self._plan.fail_count > 0
            redirect = not hang and not fail and self._plan.redirect_count > 0
            if hang:
                self._plan.hang_count -= 1
            elif fail:
                self._plan.fail_count -= 1
            elif redirect:
                self._plan.redirect_count -= 1
            hang_seconds, fail_status = self._plan.hang_seconds, self._plan.fail_status
            location = self._plan.redirect_to
        host, port = handler.client_address[:2]
        peer = f"{host}:{port}"
        request = ReceivedRequest(datetime.now(UTC), handler.command, handler.path, headers, body, 0, peer)
        if hang:
            self._record(replace(request, status=-1))
            self._released.wait(hang_seconds)
            return  # the client gave up long ago; close without answering
        extra_headers: dict[str, str] = {}
        if fail:
            status, answer = fail_status, b'{"error": "receiver told to fail"}'
        elif redirect:
            status, answer, extra_headers = 307, b"", {"Location": location}
        elif self._responder is not None:
            status, answer = self._responder(request)
        else:
            status, answer = 200, b'{"ok": true}'
        self._record(replace(request, status=status))
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(answer)))
            for name, value in extra_headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(answer)
        except OSError:
            pass

    def _record(self, request: ReceivedRequest) -> None:
        with self._lock:
            self.requests.append(request)


@pytest.fixture
def http_receiver() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver().start()
    yield receiver
    receiver.close()


# --------------------------------------------------------------------------------------------------
# SMTP (mailto://)


SMTP_USER = "alice"
SMTP_PASSWORD = "smtp-pass-Zq8xK2"


@dataclass(frozen=True)
class ReceivedMail:
    at: datetime
    mail_from: str
    recipients: list[str]
    authenticated_as: str | None
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def text(self) -> str:
        """The plain-text part (or the only part)."""
        for part in self.message.walk():
            if part.get_content_type() == "text/plain":
                payload = part.get_payload(decode=True)
                return payload.decode() if isinstance(payload, bytes) else str(payload)
        payload = self.message.get_payload(decode=True)
        return payload.decode() if isinstance(payload, bytes) else str(payload)


class SmtpReceiver:
    """aiosmtpd on 127.0.0.1 (its own thread and loop). Accepts AUTH with SMTP_USER/SMTP_PASSWORD, no TLS."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        self.messages: list[ReceivedMail] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                login = session.auth_data.login.decode() if session.authenticated else None
                mail = ReceivedMail(
                    at=datetime.now(UTC),
                    mail_from=str(envelope.mail_from),
                    recipients=list(envelope.rcpt_tos),
                    authenticated_as=login,
                    message=message_from_bytes(envelope.content),
                )
                with receiver._lock:
                    receiver.messages.append(mail)
                return "250 OK"

        def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
            ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
                SMTP_USER.encode(),
                SMTP_PASSWORD.encode(),
            )
            return AuthResult(success=ok, auth_data=data if ok else None)

        self.port = free_port()
        self._controller = Controller(
            Handler(),
            hostname="127.0.0.1",
            port=self.port,
            authenticator=authenticator,
            auth_require_tls=False,
        )

    def start(self) -> SmtpReceiver:
        self._controller.start()
        return self

    def close(self) -> None:
        self._controller.stop()

    def mailto_url(self, to: str = "bob@example.com", with_password: bool = True) -> str:
        """An Apprise URL that sends through this server (with AUTH when `with_password`)."""
        if with_password:
            return f"mailto://{SMTP_USER}:{SMTP_PASSWORD}@example.com?smtp=127.0.0.1&port={self.port}&to={to}"
        return f"mailto://127.0.0.1:{self.port}?from=a@example.com&to={to}"

    async def wait_for(self, count: int, within: float = 10.0) -> list[ReceivedMail]:
        deadline = time.monotonic() + within
        while True:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} mails, got {len(self.messages)}")
            await asyncio.sleep(0.01)


@pytest.fixture
def smtp_receiver() -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver().start()
    yield receiver
    receiver.close()


# --------------------------------------------------------------------------------------------------
# A Web Push service


@dataclass(frozen=True)
class ReceivedPush:
    """A push the service accepted: its VAPID claims checked, its payload decrypted."""

    request: ReceivedRequest
    claims: dict[str, Any]
    vapid_public_key: str
    payload: dict[str, Any]


class PushReceiver:
    """Plays a push service for one browser subscription it generated (so it holds the private key).

    It answers 201 only when the VAPID JWT verifies against the key in the header, names this origin as
    `aud` and expires within 24 hours, and the body decrypts (RFC 8291); 401/400 otherwise, like real
    services. Like Apple's, it answers 403 `{"reason":"BadJwtToken"}` to a JWT whose `sub` is not a
    `mailto:` or `https:` contact. `http.fail_next(1, 410)` makes it answer "subscription gone".
    """

    def __init__(self) -> None:
        from cryptography.hazmat.primitives.asymmetric import ec

        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth_secret = os.urandom(16)
        self.accepted: list[ReceivedPush] = []
        self.refusals: list[str] = []
        self.token = b64url(os.urandom(24))
        self.http = HttpReceiver(responder=self._respond)

    def start(self) -> PushReceiver:
        self.http.start()
        return self

    def close(self) -> None:
        self.http.close()

    @property
    def origin(self) -> str:
        return f"http://{self.http.address}"

    @property
    def endpoint(self) -> str:
        return f"{self.origin}/push/v2/{self.token}"

    def subscription(self) -> dict[str, Any]:
        """What `PushSubscription.toJSON()` gives the PWA."""
        from cryptography.hazmat.primitives import serialization

        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        keys = {"p256dh": b64url(public), "auth": b64url(self.auth_secret)}
        return {"endpoint": self.endpoint, "keys": keys}

    async def wait_for(self, count: int, within: float = 10.0) -> list[ReceivedPush]:
        await self.http.wait_for(count, within)
        return list(self.accepted)

    def _respond(self, request: ReceivedRequest) -> tuple[int, bytes]:
        try:
            claims, key = self._verify_vapid(request)
        except (ValueError, KeyError, AssertionError) as error:
            self.refusals.append(f"vapid: {error}")
            return 401, b'{"reason": "bad VAPID authorization"}'
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            self.refusals.append(f"vapid: sub {claims.get('sub')!r} is not mailto: or https:")
            return 403, b'{"reason":"BadJwtToken"}'
        try:
            payload = self._decrypt(request)
        except Exception as error:
            self.refusals.append(f"payload: {error!r}")
            return 400, b'{"reason": "cannot decrypt"}'
        self.accepted.append(ReceivedPush(request, claims, key, payload))
        return 201, b""

    def _verify_vapid(self, request: ReceivedRequest) -> tuple[dict[str, Any], str]:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

        assert request.path == f"/push/v2/{self.token}", "unknown subscription"
        assert request.headers.get("ttl", "").isdigit(), "TTL header missing"
        assert request.headers.get("content-encoding") == "aes128gcm", "not aes128gcm"
        scheme, _, params = request.headers["authorization"].partition(" ")
        assert scheme == "vapid", "not a vapid authorization"
        fields = dict(part.strip().split("=", 1) for part in params.split(","))
        token, key = fields["t"], fields["k"]
        header_b64, claims_b64, signature_b64 = token.split(".")
        header = json.loads(b64url_decode(header_b64))
        assert header.get("alg") == "ES256", "alg must be ES256"
        signature = b64url_decode(signature_b64)
        assert len(signature) == 64, "ES256 signatures are 64 bytes"
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
        r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        der = encode_dss_signature(r, s)
        try:
            public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        except Exception:
            raise ValueError("signature does not verify") from None
        claims = json.loads(b64url_decode(claims_b64))
        assert claims["aud"] == self.origin, f"aud {claims['aud']} is not this push service"
        now = time.time()
        assert now < claims["exp"] <= now + 24 * 3600, "exp must be in the next 24 hours"
        return claims, key

    def _decrypt(self, request: ReceivedRequest) -> dict[str, Any]:
        import http_ece

        plaintext = http_ece.decrypt(
            request.body, private_key=self.private_key, auth_secret=self.auth_secret, version="aes128gcm"
        )
        result: dict[str, Any] = json.loads(plaintext)
        return result


@pytest.fixture
def push_receiver() -> Iterator[PushReceiver]:
    receiver = PushReceiver().start()
    yield receiver
    receiver.close()


# --------------------------------------------------------------------------------------------------
# Apps whose channels may reach the receivers


@pytest.fixture
def receiver_settings(settings: Settings) -> Settings:
    """The session's settings (either database), allowing channels to reach 127.0.0.1 and timing out fast."""
    return replace(settings, channel_allowed_hosts=RECEIVER_ALLOWED_HOSTS, send_timeout_seconds=2)


@pytest.fixture
async def receiver_app(receiver_settings: Settings, clock: FrozenClock, shared_apps: SharedApps) -> Litestar:
    return await shared_apps.serve(receiver_settings, clock)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def b64url(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode()
