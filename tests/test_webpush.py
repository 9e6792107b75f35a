"""Web Push to the installed PWA, end to end against a local push service that checks everything."""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import stat
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from litestar import Litestar
from litestar.testing import AsyncTestClient

from followthrough import cli
from followthrough.app import create_app
from followthrough.enums import ChannelKind
from followthrough.notifications import native, transport, webpush
from followthrough.notifications.messages import Message
from followthrough.notifications.models import Channel
from followthrough.settings import Settings
from tests.conftest import VAPID_SUBJECT, Caller, Callers
from tests.support.answers import error_fields
from tests.support.receivers import PushReceiver, push_receiver, receiver_app, receiver_settings

__all__ = ["push_receiver", "receiver_app", "receiver_settings"]

CHANNELS = "/api/v1/channels"


@pytest.fixture
async def app(receiver_app: Litestar) -> Litestar:
    return receiver_app


async def _subscribe(caller: Caller, receiver: PushReceiver, **extra: Any) -> dict[str, Any]:
    response = await caller.post(
        CHANNELS, json={"kind": "webpush", "subscription": receiver.subscription(), **extra}
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


# --------------------------------------------------------------------------------------------------
# The installation's key


async def test_the_pwa_gets_the_vapid_public_key_without_signing_in(callers: Callers, app: Litestar) -> None:
    anonymous = callers.anonymous()
    first = await anonymous.get("/api/v1/push/vapid-public-key")
    second = await anonymous.get("/api/v1/push/vapid-public-key")
    assert first.status_code == 200, first.text
    key = first.json()["publicKey"]
    assert key == second.json()["publicKey"]
    raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    assert len(raw) == 65
    assert raw[0] == 4
    ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    assert "=" not in key


def test_the_key_is_generated_once_into_the_data_folder_readable_by_its_owner_only(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", vapid_subject=VAPID_SUBJECT)
    key = webpush.vapid_public_key(settings)
    path = tmp_path / "data" / "vapid_private_key.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [entry.name for entry in path.parent.iterdir()] == [path.name]  # no temporary file left
    again = Settings(data_dir=tmp_path / "data", vapid_subject=VAPID_SUBJECT)
    webpush._keys.clear()  # a new process reads the same file
    assert webpush.vapid_public_key(again) == key


def test_a_configured_key_wins(tmp_path: Path) -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    settings = Settings(data_dir=tmp_path, vapid_private_key=pem, vapid_subject=VAPID_SUBJECT)
    assert webpush.vapid_public_key(settings) == webpush.b64url(webpush.public_key_bytes(private))
    assert not (tmp_path / "vapid_private_key.pem").exists()


# --------------------------------------------------------------------------------------------------
# The contact push services see (the JWT's `sub`)


@pytest.mark.parametrize(
    ("vapid_subject", "public_url", "subject"),
    [
        ("mailto:operator@example.com", "http://127.0.0.1:8000", "mailto:operator@example.com"),
        ("https://ft.example.org/contact", "http://127.0.0.1:8000", "https://ft.example.org/contact"),
        ("", "https://ft.example.org", "https://ft.example.org"),
        ("", "http://127.0.0.1:8000", ""),  # no contact push services accept: Web Push is off
    ],
)
def test_the_subject_is_the_configured_contact_or_an_https_public_url(
    vapid_subject: str, public_url: str, subject: str
) -> None:
    settings = Settings(vapid_subject=vapid_subject, public_url=public_url)
    assert webpush.vapid_subject(settings) == subject


@pytest.mark.parametrize(
    "value",
    ["http://127.0.0.1:8000", "operator@example.com", "mailto:", "mailto:nobody", "https://", "tel:1"],
)
def test_settings_refuse_a_subject_push_services_refuse(value: str) -> None:
    with pytest.raises(ValueError, match="FOLLOWTHROUGH_VAPID_SUBJECT must be a mailto: or https: address"):
        Settings.from_env({"FOLLOWTHROUGH_VAPID_SUBJECT": value})


async def test_without_a_subject_the_pwa_gets_no_key_and_is_told_why(
    receiver_settings: Settings, clock: Any
) -> None:
    off = dataclasses.replace(receiver_settings, vapid_subject="", public_url="http://127.0.0.1:8000")
    application = create_app(off, clock)
    async with AsyncTestClient(application) as client:
        response = await client.get("/api/v1/push/vapid-public-key")
    assert response.status_code == 409, response.text
    assert error_fields(response) == ["vapidSubject"]
    assert "FOLLOWTHROUGH_VAPID_SUBJECT" in response.json()["detail"]


async def test_without_a_subject_no_device_can_subscribe(
    receiver_settings: Settings, push_receiver: PushReceiver, clock: Any
) -> None:
    off = dataclasses.replace(receiver_settings, vapid_subject="", public_url="http://127.0.0.1:8000")
    account = {"email": "nosubject@example.com", "password": "a long password"}
    async with AsyncTestClient(create_app(off, clock)) as client:
        signed_up = await client.post(
            "/api/v1/auth/sign-up", json={**account, "displayName": "N", "timeZone": "Europe/London"}
        )
        assert signed_up.status_code == 202, signed_up.text
        signed_in = await client.post("/api/v1/auth/sign-in", json=account)
        csrf = {"X-CSRF-Token": signed_in.json()["csrfToken"]}
        response = await client.post(
            CHANNELS, json={"kind": "webpush", "subscription": push_receiver.subscription()}, headers=csrf
        )
        assert response.status_code == 409, response.text
        assert error_fields(response) == ["vapidSubject"]
        assert (await client.get(CHANNELS)).json()["items"] == []


async def test_without_a_subject_nothing_is_sent_and_the_device_stays_subscribed(
    push_receiver: PushReceiver, receiver_settings: Settings, tmp_path: Path
) -> None:
    channel = Channel(
        kind=ChannelKind.WEBPUSH, label="t", url=json.dumps(push_receiver.subscription()), masked_url="m"
    )
    off = dataclasses.replace(receiver_settings, vapid_subject="", data_dir=tmp_path)
    with pytest.raises(transport.TransportError) as failed:
        await transport.send(channel, Message(title="T", body="B", url="u"), off)
    assert not failed.value.permanent  # the operator's to fix: the device's subscription is fine
    assert "FOLLOWTHROUGH_VAPID_SUBJECT" in str(failed.value)
    assert push_receiver.http.requests == []


async def test_the_push_service_refuses_an_http_subject_as_apples_does(push_receiver: PushReceiver) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    keys = push_receiver.subscription()["keys"]
    body = webpush.encrypt(b'{"title": "T"}', keys["p256dh"], keys["auth"])

    async def post(subject: str) -> httpx.Response:
        headers = {
            "Authorization": webpush.vapid_authorization(push_receiver.endpoint, key, subject, time.time()),
            "Content-Encoding": "aes128gcm",
            "TTL": "60",
        }
        async with httpx.AsyncClient() as client:
            return await client.post(push_receiver.endpoint, content=body, headers=headers)

    refused = await post("http://127.0.0.1:8000")
    assert refused.status_code == 403
    assert refused.json() == {"reason": "BadJwtToken"}
    accepted = await post("mailto:operator@example.com")
    assert accepted.status_code == 201
    assert [push.claims["sub"] for push in push_receiver.accepted] == ["mailto:operator@example.com"]


class _Kept(logging.Handler):
    """Keeps records as they are logged (the app's own logging hands them to a queue, later)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_the_api_warns_at_start_when_web_push_is_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOLLOWTHROUGH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FOLLOWTHROUGH_PUBLIC_URL", "http://127.0.0.1:8000")
    monkeypatch.setenv("FOLLOWTHROUGH_VAPID_SUBJECT", "")
    kept = _Kept()
    logger = logging.getLogger(webpush.__name__)
    logger.addHandler(kept)
    try:
        cli.app_from_env()  # what `followthrough serve` builds in each API process
        assert kept.messages == [f"{webpush.NO_SUBJECT}."]
        assert "FOLLOWTHROUGH_VAPID_SUBJECT is set to a mailto: or https: address" in kept.messages[0]
        kept.messages.clear()
        monkeypatch.setenv("FOLLOWTHROUGH_VAPID_SUBJECT", VAPID_SUBJECT)
        cli.app_from_env()
        assert kept.messages == []
    finally:
        logger.removeHandler(kept)


# --------------------------------------------------------------------------------------------------
# Subscribing


async def test_a_device_subscribes_and_sees_only_the_push_services_host(
    owner: Caller, push_receiver: PushReceiver
) -> None:
    created = await _subscribe(owner, push_receiver)
    assert created["kind"] == "webpush"
    assert created["service"] == "Web Push"
    assert created["label"] == "This device"
    assert created["destination"] == "127.0.0.1"
    listed = await owner.get(CHANNELS)
    assert push_receiver.token not in listed.text
    assert push_receiver.subscription()["keys"]["auth"] not in listed.text


async def test_subscribing_again_from_the_same_device_updates_its_channel(
    owner: Caller, push_receiver: PushReceiver
) -> None:
    first = await _subscribe(owner, push_receiver, label="Phone")
    await owner.patch(f"{CHANNELS}/{first['id']}", json={"enabled": False})
    again = await _subscribe(owner, push_receiver)
    assert again["id"] == first["id"]
    assert again["enabled"] is True
    assert again["label"] == "Phone"
    assert (await owner.get(CHANNELS)).json()["total"] == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"endpoint": "ftp://push.example.com/x"}, "subscription.endpoint"),
        ({"endpoint": "http://push.example.com/x"}, "subscription.endpoint"),
        ({"endpoint": "https://10.0.0.7/push"}, "subscription.endpoint"),
        ({"endpoint": "https://[fd00:ec2::254]/push"}, "subscription.endpoint"),
        ({"keys": {"p256dh": "bm90LWEta2V5", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}, "subscription.keys.p256dh"),
        ({"keys": {"p256dh": None, "auth": "AAAA"}}, "subscription.keys.p256dh"),
        ({"keys": {"auth": "AAAA"}}, "subscription.keys"),
        ({"keys": {"p256dh": "@@@", "auth": "AAAA"}}, "subscription.keys.p256dh"),
    ],
)
async def test_bad_subscriptions_are_refused_naming_the_field(
    owner: Caller, push_receiver: PushReceiver, change: dict[str, Any], field: str
) -> None:
    subscription = push_receiver.subscription()
    if "keys" in change and "p256dh" in change["keys"] and change["keys"]["p256dh"] is None:
        change = {"keys": {"p256dh": subscription["keys"]["p256dh"], "auth": "AAAA"}}
        field = "subscription.keys.auth"
    response = await owner.post(
        CHANNELS, json={"kind": "webpush", "subscription": {**subscription, **change}}
    )
    assert response.status_code in {400, 422}, response.text
    assert error_fields(response) == [field]


async def test_web_push_channels_take_no_url(owner: Caller, push_receiver: PushReceiver) -> None:
    missing = await owner.post(CHANNELS, json={"kind": "webpush"})
    assert error_fields(missing) == ["subscription"]
    both = await owner.post(
        CHANNELS,
        json={"kind": "webpush", "url": "json://example.com", "subscription": push_receiver.subscription()},
    )
    assert error_fields(both) == ["url"]
    created = await _subscribe(owner, push_receiver)
    update = await owner.patch(f"{CHANNELS}/{created['id']}", json={"url": "json://example.com"})
    assert update.status_code == 422
    assert error_fields(update) == ["url"]


# --------------------------------------------------------------------------------------------------
# Sending


async def test_send_test_arrives_signed_and_encrypted(owner: Caller, push_receiver: PushReceiver) -> None:
    created = await _subscribe(owner, push_receiver, label="Phone")
    result = (await owner.post(f"{CHANNELS}/{created['id']}/test")).json()
    assert result["sent"] is True, (result, push_receiver.refusals)
    [push] = await push_receiver.wait_for(1)
    assert push.payload == {
        "title": "Followthrough test",
        "body": "This channel works: “Phone” will receive your reminders.",
        "url": "http://127.0.0.1:8000/settings/notifications",
    }
    assert push.claims["aud"] == push_receiver.origin
    assert push.claims["sub"] == VAPID_SUBJECT
    public = (await owner.get("/api/v1/push/vapid-public-key")).json()["publicKey"]
    assert push.vapid_public_key == public
    assert push.request.headers["ttl"] == str(webpush.TTL_SECONDS)
    assert push.request.headers["urgency"] == "normal"
    assert push_receiver.refusals == []


async def test_a_gone_subscription_switches_the_channel_off_at_once(
    owner: Caller, push_receiver: PushReceiver
) -> None:
    created = await _subscribe(owner, push_receiver)
    push_receiver.http.fail_next(1, status=410)
    result = (await owner.post(f"{CHANNELS}/{created['id']}/test")).json()
    assert result["sent"] is False
    assert result["permanent"] is True
    assert "gone (HTTP 410)" in result["error"]
    assert result["channel"]["enabled"] is False
    assert "gone" in result["channel"]["health"]["disabledReason"]


async def test_a_push_service_error_is_a_passing_failure(owner: Caller, push_receiver: PushReceiver) -> None:
    created = await _subscribe(owner, push_receiver)
    push_receiver.http.fail_next(1, status=503)
    result = (await owner.post(f"{CHANNELS}/{created['id']}/test")).json()
    assert result["sent"] is False
    assert result["permanent"] is False
    assert result["channel"]["enabled"] is True


async def test_the_push_service_refuses_a_wrongly_signed_message(
    push_receiver: PushReceiver, receiver_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A push service checks the signature against the key in the header: prove the receiver does.
    channel = Channel(
        kind=ChannelKind.WEBPUSH,
        label="t",
        url=json.dumps(push_receiver.subscription()),
        masked_url="m",
        events=[],
        extra={},
    )
    message = Message(title="T", body="B", url="http://127.0.0.1:8000/today")
    original = webpush.vapid_authorization

    def forged(endpoint: str, key: Any, subject: str, now: float) -> str:
        header = original(endpoint, key, subject, now)
        other = webpush.b64url(webpush.public_key_bytes(ec.generate_private_key(ec.SECP256R1())))
        return header.rsplit("k=", 1)[0] + f"k={other}"

    monkeypatch.setattr(webpush, "vapid_authorization", forged)
    with pytest.raises(transport.TransportError):
        await transport.send(channel, message, dataclasses.replace(receiver_settings, data_dir=tmp_path))
    assert push_receiver.accepted == []
    assert push_receiver.refusals == ["vapid: signature does not verify"]


async def test_a_long_message_is_shortened_to_fit_one_push(
    push_receiver: PushReceiver, receiver_settings: Settings, tmp_path: Path
) -> None:
    channel = Channel(
        kind=ChannelKind.WEBPUSH, label="t", url=json.dumps(push_receiver.subscription()), masked_url="m"
    )
    message = Message(title="Long", body="“quoted” " * 2000, url="http://127.0.0.1:8000/today")
    await transport.send(channel, message, dataclasses.replace(receiver_settings, data_dir=tmp_path))
    [push] = await push_receiver.wait_for(1)
    assert push.payload["title"] == "Long"
    assert push.payload["body"].endswith("…")
    assert message.body.startswith(push.payload["body"][:-1])


async def test_an_unusable_configured_key_is_a_passing_error_for_the_operator(
    push_receiver: PushReceiver, receiver_settings: Settings
) -> None:
    channel = Channel(
        kind=ChannelKind.WEBPUSH, label="t", url=json.dumps(push_receiver.subscription()), masked_url="m"
    )
    broken = dataclasses.replace(receiver_settings, vapid_private_key="not a PEM key")
    with pytest.raises(transport.TransportError) as failed:
        await transport.send(channel, Message(title="T", body="B", url="u"), broken)
    assert not failed.value.permanent
    assert "operator" in failed.value.message
    assert push_receiver.http.requests == []


# --------------------------------------------------------------------------------------------------
# What the service worker needs to act on a reminder

REMINDER_EXTRA = {
    "tag": "occurrence:0190c3a4-0000-7000-8000-000000000001",
    "occurrenceId": "0190c3a4-0000-7000-8000-000000000001",
    "actToken": "AbCdEfGhIjKlMnOpQrStUv",
    "actions": [{"action": "done", "title": "Done"}, {"action": "snooze_1h", "title": "Snooze 1 h"}],
}


def _push(receiver: PushReceiver, extra: dict[str, Any] | None) -> webpush.Push:
    return webpush.Push.for_subscription(
        webpush.Subscription.from_json(json.dumps(receiver.subscription())),
        ec.generate_private_key(ec.SECP256R1()),
        "mailto:operator@example.com",
        "http://127.0.0.1:8000/today?occurrence=0190c3a4-0000-7000-8000-000000000001",
        extra=extra,
    )


async def test_a_reminder_push_carries_its_tag_token_and_actions(
    push_receiver: PushReceiver, receiver_settings: Settings
) -> None:
    push = _push(push_receiver, REMINDER_EXTRA)
    answer = await native.fetch(push.request("Now: Walk", "Walk 10 minutes, due 08:00"), receiver_settings)
    assert answer.status == 201
    [push] = await push_receiver.wait_for(1)
    assert push.payload == {
        "title": "Now: Walk",
        "body": "Walk 10 minutes, due 08:00",
        "url": "http://127.0.0.1:8000/today?occurrence=0190c3a4-0000-7000-8000-000000000001",
        **REMINDER_EXTRA,
    }


def test_extra_never_replaces_the_message_and_leaves_out_empty_keys(push_receiver: PushReceiver) -> None:
    extra = {"title": "Forged", "url": "https://elsewhere.example/", "actToken": None, "tag": "occurrence:1"}
    payload = json.loads(_push(push_receiver, extra).payload("Now: Walk", "Body"))
    assert payload["title"] == "Now: Walk"
    assert payload["url"].startswith("http://127.0.0.1:8000/")
    assert payload["tag"] == "occurrence:1"
    assert "actToken" not in payload


def test_a_message_without_extra_keeps_its_three_keys(push_receiver: PushReceiver) -> None:
    payload = json.loads(_push(push_receiver, None).payload("T", "B"))
    assert set(payload) == {"title", "body", "url"}


def test_a_long_reminder_shortens_its_body_but_keeps_what_the_actions_need(
    push_receiver: PushReceiver,
) -> None:
    data = _push(push_receiver, REMINDER_EXTRA).payload("Now: Walk", "“quoted” " * 2000)
    assert len(data) <= webpush.RECORD_SIZE - 17 - 16
    payload = json.loads(data)
    assert payload["body"].endswith("…")
    assert {key: payload[key] for key in REMINDER_EXTRA} == REMINDER_EXTRA
    webpush.encrypt(
        data, push_receiver.subscription()["keys"]["p256dh"], push_receiver.subscription()["keys"]["auth"]
    )


def test_extra_too_big_for_one_push_is_dropped_rather_than_failing_the_send(
    push_receiver: PushReceiver,
) -> None:
    huge = {**REMINDER_EXTRA, "actions": [{"action": "x" * 5000, "title": "X"}]}
    data = _push(push_receiver, huge).payload("Now: Walk", "Body")
    assert len(data) <= webpush.RECORD_SIZE - 17 - 16
    assert json.loads(data)["title"] == "Now: Walk"
    assert "actions" not in json.loads(data)
