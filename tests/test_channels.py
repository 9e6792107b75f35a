"""The channels API: adding destinations, showing them masked, switching them, and "Send test"."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import text

from followthrough.enums import Event
from followthrough.notifications import WEBHOOK_ONLY_EVENTS
from followthrough.notifications.models import Channel
from tests.conftest import Caller, Database
from tests.support.answers import error_fields
from tests.support.receivers import (
    SMTP_PASSWORD,
    HttpReceiver,
    SmtpReceiver,
    http_receiver,
    receiver_app,
    receiver_settings,
    smtp_receiver,
)

__all__ = ["http_receiver", "receiver_app", "receiver_settings", "smtp_receiver"]

CHANNELS = "/api/v1/channels"
SECRET_PATH = "hook-Secret-Path-7f3a9c"
SECRET_PASSWORD = "pw-Secret-Zx91Lq"


@pytest.fixture
async def app(receiver_app: Litestar) -> Litestar:
    """Channels here may reach the local receivers, and sends time out after 2 seconds."""
    return receiver_app


async def _create(caller: Caller, **body: Any) -> dict[str, Any]:
    response = await caller.post(CHANNELS, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _secret_json_url(receiver: HttpReceiver) -> str:
    return f"json://hook-user:{SECRET_PASSWORD}@{receiver.address}/{SECRET_PATH}"


# --------------------------------------------------------------------------------------------------
# Create, read, list


async def test_owner_adds_an_apprise_channel_and_sees_it_masked(
    owner: Caller, http_receiver: HttpReceiver
) -> None:
    created = await _create(owner, url=_secret_json_url(http_receiver), label="My webhook")
    assert created["kind"] == "apprise"
    assert created["label"] == "My webhook"
    assert created["service"] == "JSON"
    assert created["enabled"] is True
    # Every event a channel can take: "Send test" has an event of its own, for the delivery log only.
    # Every event with words; the webhook-only events (docs/webhooks.md) are not offered to Apprise.
    assert created["events"] == [
        event.value for event in Event if event is not Event.CHANNEL_TEST and event not in WEBHOOK_ONLY_EVENTS
    ]
    assert created["health"] == {
        "lastSuccessAt": None,
        "lastErrorAt": None,
        "lastError": None,
        "consecutiveFailures": 0,
        "disabledReason": None,
    }
    assert SECRET_PASSWORD not in created["destination"]
    assert created["destination"].startswith("json://hook-user:****@127.0.0.1:")
    assert "url" not in created

    read = await owner.get(f"{CHANNELS}/{created['id']}")
    listed = await owner.get(CHANNELS)
    assert read.json() == created
    assert listed.json()["items"] == [created]
    assert listed.json()["total"] == 1
    assert SECRET_PASSWORD not in read.text + listed.text


async def test_the_label_defaults_to_the_service_name(owner: Caller, http_receiver: HttpReceiver) -> None:
    created = await _create(owner, url=http_receiver.form_url())
    assert created["label"] == "Form"


async def test_a_channel_can_receive_only_some_events(owner: Caller, http_receiver: HttpReceiver) -> None:
    created = await _create(
        owner, url=http_receiver.json_url(), events=["review.weekly", "reminder.due", "reminder.due"]
    )
    assert created["events"] == ["reminder.due", "review.weekly"]


async def test_header_values_in_the_url_are_masked_too(owner: Caller, http_receiver: HttpReceiver) -> None:
    created = await _create(owner, url=f"{http_receiver.json_url()}?+X-Token=header-Secret-55")
    assert "header-Secret-55" not in created["destination"]
    assert "X-Token=****" in created["destination"]


async def test_the_url_is_encrypted_at_rest(
    owner: Caller, http_receiver: HttpReceiver, database: Database
) -> None:
    created = await _create(owner, url=_secret_json_url(http_receiver))
    async with database() as db:
        stored = (await db.execute(text("SELECT url, masked_url FROM channel"))).all()
        channel = await db.get(Channel, uuid.UUID(created["id"]))
    assert stored
    for raw_url, raw_masked in stored:
        assert SECRET_PASSWORD not in raw_url
        assert SECRET_PATH not in raw_url
        assert "json://" not in raw_url
        assert SECRET_PASSWORD not in raw_masked
    assert channel is not None
    assert channel.url == _secret_json_url(http_receiver)


async def test_the_same_url_twice_is_a_conflict(owner: Caller, http_receiver: HttpReceiver) -> None:
    await _create(owner, url=http_receiver.json_url())
    again = await owner.post(CHANNELS, json={"url": http_receiver.json_url()})
    assert again.status_code == 409
    assert error_fields(again) == ["url"]


async def test_stranger_cannot_see_or_touch_anothers_channel(
    owner: Caller, stranger: Caller, http_receiver: HttpReceiver
) -> None:
    created = await _create(owner, url=http_receiver.json_url())
    path = f"{CHANNELS}/{created['id']}"
    assert (await stranger.get(path)).status_code == 404
    assert (await stranger.patch(path, json={"label": "mine"})).status_code == 404
    assert (await stranger.post(f"{path}/test")).status_code == 404
    assert (await stranger.delete(path)).status_code == 404
    assert (await stranger.get(CHANNELS)).json()["items"] == []
    assert (await owner.get(path)).json()["label"] == created["label"]
    assert http_receiver.requests == []


async def test_unknown_ids_answer_404(owner: Caller) -> None:
    path = f"{CHANNELS}/{uuid.uuid4()}"
    assert (await owner.get(path)).status_code == 404
    assert (await owner.patch(path, json={"label": "x"})).status_code == 404
    assert (await owner.post(f"{path}/test")).status_code == 404
    assert (await owner.delete(path)).status_code == 404


async def test_channels_need_a_sign_in(callers: Any) -> None:
    anonymous = callers.anonymous()
    assert (await anonymous.get(CHANNELS)).status_code == 401


# --------------------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({"url": "nosuchservice://host/path"}, "url", "not a service Apprise knows"),
        ({"url": "just some words"}, "url", "not an Apprise URL"),
        ({"url": "json://"}, "url", "not a valid json:// URL"),
        ({"url": "discord://abc"}, "url", "Discord"),
        ({"url": "json://" + "a" * 2000}, "url", "2000"),
        ({"url": ""}, "url", ""),
        ({"url": "json://127.0.0.1.nip.invalid", "label": ""}, "label", ""),
        ({"url": "json://example.com", "label": "x" * 81}, "label", "80"),
        ({"url": "json://example.com", "events": ["reminder.sometime"]}, "events[0]", ""),
        ({"url": "json://example.com", "events": []}, "events", ""),
        ({}, "url", "required"),
        ({"kind": "email", "url": "json://example.com"}, "kind", ""),
        ({"url": "json://example.com", "secret": 1}, "secret", ""),
        ({"url": "json://169.254.169.254/latest", "label": "x"}, "url", "metadata"),
        ({"url": "json://10.0.0.8/hook"}, "url", "private"),
        ({"url": "ftpush://push.example.com/x"}, "url", "subscription"),
        (
            {
                "url": "json://example.com",
                "subscription": {"endpoint": "x", "keys": {"p256dh": "a", "auth": "b"}},
            },
            "subscription",
            "webpush",
        ),
    ],
)
async def test_bad_channels_are_refused_naming_the_field(
    owner: Caller, body: dict[str, Any], field: str, says: str
) -> None:
    response = await owner.post(CHANNELS, json=body)
    assert response.status_code in {400, 422}, response.text
    assert error_fields(response) == [field]
    assert says in response.json()["errors"][0]["message"]
    assert (await owner.get(CHANNELS)).json()["total"] == 0


async def test_updates_check_their_input(owner: Caller, http_receiver: HttpReceiver) -> None:
    created = await _create(owner, url=http_receiver.json_url())
    path = f"{CHANNELS}/{created['id']}"
    for body, field in [
        ({"url": "json://192.168.1.20/"}, "url"),
        ({"url": "nosuch://x"}, "url"),
        ({"label": " "}, "label"),
        ({"events": ["nope"]}, "events[0]"),
        ({"enabled": "yes"}, "enabled"),
        ({"id": created["id"]}, "id"),
    ]:
        response = await owner.patch(path, json=body)
        assert response.status_code in {400, 422}, response.text
        assert error_fields(response) == [field]
    assert (await owner.get(path)).json() == created


# --------------------------------------------------------------------------------------------------
# Update and delete


async def test_owner_updates_label_events_and_url(owner: Caller, http_receiver: HttpReceiver) -> None:
    created = await _create(owner, url=http_receiver.json_url("/old"))
    path = f"{CHANNELS}/{created['id']}"
    response = await owner.patch(
        path, json={"label": "Phone", "events": ["invite.accepted"], "url": http_receiver.json_url("/new")}
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["label"] == "Phone"
    assert updated["events"] == ["invite.accepted"]
    assert updated["destination"].startswith(f"json://{http_receiver.address}/new")

    tested = await owner.post(f"{path}/test")
    assert tested.json()["sent"] is True
    assert [request.path for request in http_receiver.requests] == ["/new"]


async def test_owner_deletes_a_channel(owner: Caller, http_receiver: HttpReceiver) -> None:
    created = await _create(owner, url=http_receiver.json_url())
    path = f"{CHANNELS}/{created['id']}"
    assert (await owner.delete(path)).status_code == 204
    assert (await owner.get(path)).status_code == 404
    assert (await owner.get(CHANNELS)).json()["total"] == 0


# --------------------------------------------------------------------------------------------------
# Send test, and health


async def test_send_test_reaches_a_json_receiver(owner: Caller, http_receiver: HttpReceiver) -> None:
    created = await _create(owner, url=http_receiver.json_url("/hook"), label="Kitchen")
    response = await owner.post(f"{CHANNELS}/{created['id']}/test")
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["sent"] is True
    assert result["error"] is None
    assert result["channel"]["health"]["lastSuccessAt"] == "2026-03-02T09:00:00Z"
    [request] = http_receiver.requests
    assert request.path == "/hook"
    assert request.json()["title"] == "Followthrough test"
    assert "Kitchen" in request.json()["message"]


async def test_send_test_reaches_a_form_receiver(owner: Caller, http_receiver: HttpReceiver) -> None:
    created = await _create(owner, url=http_receiver.form_url("/form"))
    result = (await owner.post(f"{CHANNELS}/{created['id']}/test")).json()
    assert result["sent"] is True
    [request] = http_receiver.requests
    assert request.form()["title"] == "Followthrough test"


async def test_send_test_reaches_an_smtp_server(owner: Caller, smtp_receiver: SmtpReceiver) -> None:
    created = await _create(owner, url=smtp_receiver.mailto_url("bob@example.com"), label="Work mail")
    assert SMTP_PASSWORD not in created["destination"]
    result = (await owner.post(f"{CHANNELS}/{created['id']}/test")).json()
    assert result["sent"] is True, result
    [mail] = await smtp_receiver.wait_for(1)
    assert mail.recipients == ["bob@example.com"]
    assert mail.authenticated_as == "alice"
    assert mail.subject == "Followthrough test"
    assert "Work mail" in mail.text()


async def test_a_failed_test_send_is_reported_and_counted(owner: Caller, http_receiver: HttpReceiver) -> None:
    created = await _create(owner, url=http_receiver.json_url())
    http_receiver.fail_next(1, status=500)
    result = (await owner.post(f"{CHANNELS}/{created['id']}/test")).json()
    assert result["sent"] is False
    assert result["permanent"] is False
    assert "500" in result["error"]
    health = result["channel"]["health"]
    assert health["consecutiveFailures"] == 1
    assert health["lastErrorAt"] == "2026-03-02T09:00:00Z"
    assert "500" in health["lastError"]
    assert result["channel"]["enabled"] is True

    recovered = (await owner.post(f"{CHANNELS}/{created['id']}/test")).json()
    assert recovered["sent"] is True
    assert recovered["channel"]["health"]["consecutiveFailures"] == 0
    assert "500" in recovered["channel"]["health"]["lastError"]


async def test_a_receiver_that_hangs_counts_as_a_timeout(owner: Caller, http_receiver: HttpReceiver) -> None:
    created = await _create(owner, url=http_receiver.json_url())
    http_receiver.hang_next(1)
    result = (await owner.post(f"{CHANNELS}/{created['id']}/test")).json()
    assert result["sent"] is False
    assert result["permanent"] is False
    assert "2 seconds" in result["error"]
    assert result["channel"]["health"]["consecutiveFailures"] == 1


async def test_repeated_failures_switch_a_channel_off_until_its_owner_switches_it_on(
    owner: Caller, http_receiver: HttpReceiver, app: Litestar
) -> None:
    limit = app.state.settings.channel_failure_limit
    created = await _create(owner, url=http_receiver.json_url())
    path = f"{CHANNELS}/{created['id']}"
    http_receiver.fail_next(limit, status=503)
    results = [(await owner.post(f"{path}/test")).json() for _ in range(limit)]
    assert [result["channel"]["enabled"] for result in results] == [True] * (limit - 1) + [False]
    last = results[-1]["channel"]
    assert last["health"]["consecutiveFailures"] == limit
    assert f"{limit} failed sends in a row" in last["health"]["disabledReason"]

    switched_on = (await owner.patch(path, json={"enabled": True})).json()
    assert switched_on["enabled"] is True
    assert switched_on["health"]["consecutiveFailures"] == 0
    assert switched_on["health"]["disabledReason"] is None
    assert switched_on["health"]["lastError"] is not None


async def test_switching_a_channel_off_by_hand_gives_no_reason(
    owner: Caller, http_receiver: HttpReceiver
) -> None:
    created = await _create(owner, url=http_receiver.json_url())
    off = (await owner.patch(f"{CHANNELS}/{created['id']}", json={"enabled": False})).json()
    assert off["enabled"] is False
    assert off["health"]["disabledReason"] is None


# --------------------------------------------------------------------------------------------------
# Secrets stay out of logs


async def test_no_log_line_holds_the_url_secrets(
    owner: Caller, http_receiver: HttpReceiver, smtp_receiver: SmtpReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("apprise", "urllib3", "followthrough", "mail.log"):
        caplog.set_level(logging.DEBUG, logger=name)
    json_channel = await _create(owner, url=_secret_json_url(http_receiver))
    mail_channel = await _create(owner, url=smtp_receiver.mailto_url())
    assert (await owner.post(f"{CHANNELS}/{json_channel['id']}/test")).json()["sent"] is True
    http_receiver.fail_next(1, status=500)
    assert (await owner.post(f"{CHANNELS}/{json_channel['id']}/test")).json()["sent"] is False
    assert (await owner.post(f"{CHANNELS}/{mail_channel['id']}/test")).json()["sent"] is True
    refused = await owner.post(CHANNELS, json={"url": f"json://u:{SECRET_PASSWORD}@10.1.2.3/{SECRET_PATH}"})
    assert refused.status_code == 422

    # The SMTP receiver is the test's, not the app's: its own protocol log is not searched.
    records = [record for record in caplog.records if not record.name.startswith("mail.log")]
    logged = "\n".join(f"{record.name} {record.getMessage()} {record.exc_text or ''}" for record in records)
    assert "apprise" in {record.name.split(".")[0] for record in records}
    for secret in (SECRET_PASSWORD, SECRET_PATH, SMTP_PASSWORD):
        assert secret not in logged
