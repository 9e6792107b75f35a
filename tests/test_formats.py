"""Each format a message takes, rendered and sent for real to a local receiver standing in for the service:
HTML email with buttons (and its text part), Markdown chat, ntfy with its action buttons, plain webhooks."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from followthrough.enums import ChannelKind, Event
from followthrough.notifications import transport
from followthrough.notifications.messages import Message, render
from followthrough.notifications.models import Channel
from followthrough.settings import Settings
from tests.support.receivers import (
    RECEIVER_ALLOWED_HOSTS,
    HttpReceiver,
    PushReceiver,
    SmtpReceiver,
    http_receiver,
    push_receiver,
    smtp_receiver,
)

__all__ = ["http_receiver", "push_receiver", "smtp_receiver"]

BASE = "https://ft.example.org"
TOKEN = "Tk9_abcdefghijklmnop-Q"
PAGE = f"{BASE}/act/{TOKEN}"
HOSTILE = 'Ask <script>alert(1)</script> & [win](https://evil.example) "now"'


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        public_url=f"{BASE}/",
        channel_allowed_hosts=RECEIVER_ALLOWED_HOSTS,
        send_timeout_seconds=3,
    )


def _reminder(settings: Settings, **changes: Any) -> Message:
    payload: dict[str, Any] = {
        "keyActionTitle": "Ask for the budget",
        "cue": "When I open my laptop",
        "occurrenceId": "occ-1",
        "dueAt": "2026-03-02T08:00:00+00:00",
        "timeZone": "Europe/London",
        "actToken": TOKEN,
        **changes,
    }
    return render(Event.REMINDER_DUE, payload, settings)


def _channel(url: str, kind: ChannelKind = ChannelKind.APPRISE) -> Channel:
    masked = "m" if kind is ChannelKind.WEBPUSH else transport.masked_url(transport.instantiate(url))
    return Channel(
        participant_id=uuid.uuid4(),
        kind=kind,
        label="Mine",
        url=url,
        masked_url=masked,
        events=["reminder.due"],
        enabled=True,
        consecutive_failures=0,
        extra={},
    )


def _part(mail: Any, content_type: str) -> str:
    [part] = [part for part in mail.message.walk() if part.get_content_type() == content_type]
    return str(part.get_payload(decode=True).decode())


# --------------------------------------------------------------------------------------------------
# Email: HTML with buttons, and a text part


async def test_email_gets_html_buttons_to_the_act_page_and_a_text_part(
    smtp_receiver: SmtpReceiver, settings: Settings
) -> None:
    await transport.send(_channel(smtp_receiver.mailto_url("ada@example.com")), _reminder(settings), settings)
    [mail] = await smtp_receiver.wait_for(1)
    assert mail.subject == "Now: Ask for the budget"
    assert mail.message.get_content_type() == "multipart/alternative"
    page = _part(mail, "text/html")
    for label, choice in [
        ("Done", "done"),
        ("Partly / not done", "partly"),
        ("Snooze 15 min", "snooze_15m"),
        ("Snooze 1 h", "snooze_1h"),
        ("Snooze tonight", "snooze_tonight"),
    ]:
        assert f'<a href="{PAGE}?choice={choice}" style="display:inline-block' in page
        assert f">{label}</a>" in page
    assert f'All choices: <a href="{PAGE}">{PAGE}</a>' in page
    text = _part(mail, "text/plain").splitlines()
    assert text[:2] == ["Due Mon 2 Mar, 08:00.", "Your cue: When I open my laptop"]
    assert "Done Partly / not done Snooze 15 min Snooze 1 h Snooze tonight" in text
    assert f"All choices: {PAGE}" in text
    assert "/api/" not in page + "".join(text)


async def test_user_text_in_an_email_is_escaped(smtp_receiver: SmtpReceiver, settings: Settings) -> None:
    message = _reminder(settings, cue=HOSTILE)
    await transport.send(_channel(smtp_receiver.mailto_url("ada@example.com")), message, settings)
    [mail] = await smtp_receiver.wait_for(1)
    page = _part(mail, "text/html")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; [win](https://evil.example) &quot;now&quot;" in page
    assert 'href="https://evil.example' not in page


async def test_an_email_channel_that_asks_for_text_gets_text(
    smtp_receiver: SmtpReceiver, settings: Settings
) -> None:
    message = _reminder(settings)
    url = smtp_receiver.mailto_url("ada@example.com") + "&format=text"
    await transport.send(_channel(url), message, settings)
    [mail] = await smtp_receiver.wait_for(1)
    assert mail.message.get_content_type() == "text/plain"
    assert mail.text().replace("\r\n", "\n").strip() == message.body


# --------------------------------------------------------------------------------------------------
# Chat that takes Markdown (Rocket.Chat's webhook, self-hosted, here the local receiver)


async def test_a_markdown_service_gets_markdown_links(
    http_receiver: HttpReceiver, settings: Settings
) -> None:
    message = _reminder(settings, cue=HOSTILE)
    url = f"rocket://hookid42%2Fhooktoken42@{http_receiver.address}/%23general"
    assert transport.body_format(transport.instantiate(url)) == "markdown"
    await transport.send(_channel(url), message, settings)
    [request] = await http_receiver.wait_for(1)
    assert request.path == "/hooks/hookid42/hooktoken42"
    text = request.json()["text"]
    assert f"[Done]({PAGE}?choice=done) · [Partly / not done]({PAGE}?choice=partly)" in text
    assert f"[All choices]({PAGE})" in text
    # User text cannot make a link or markup.
    assert r"\<script\>alert(1)\</script\> & \[win\](https://evil.example)" in text
    assert "/api/" not in text


# --------------------------------------------------------------------------------------------------
# ntfy: action buttons, one of which POSTs


async def test_ntfy_shows_a_done_button_that_posts_and_a_view_button(
    http_receiver: HttpReceiver, settings: Settings
) -> None:
    channel = _channel(f"ntfy://{http_receiver.address}/reminders")
    stored_url = channel.url
    await transport.send(channel, _reminder(settings), settings)
    [request] = await http_receiver.wait_for(1)
    actions = json.loads(request.headers["x-actions"])
    assert actions == [
        {
            "action": "http",
            "label": "Done",
            "url": f"{BASE}/api/v1/act/{TOKEN}",
            "method": "POST",
            "headers": {"Content-Type": "application/json"},
            "body": '{"choice": "done"}',
            "clear": True,
        },
        {"action": "view", "label": "Snooze…", "url": PAGE},
    ]
    sent = request.json()
    assert sent["topic"] == "reminders"
    assert sent["message"] == _reminder(settings).body
    assert "/api/" not in sent["message"]
    # The buttons belonged to that message only: the channel is unchanged, the next message has none.
    assert channel.url == stored_url
    await transport.send(channel, render(Event.INVITE_ACCEPTED, {"partnerName": "Grace"}, settings), settings)
    [_, after] = await http_receiver.wait_for(2)
    assert "x-actions" not in after.headers


async def test_ntfy_actions_the_person_set_on_the_url_are_kept(
    http_receiver: HttpReceiver, settings: Settings
) -> None:
    own = "view, Open site, https://example.com/"
    channel = _channel(f"ntfy://{http_receiver.address}/reminders?actions={own.replace(' ', '%20')}")
    await transport.send(channel, _reminder(settings), settings)
    [request] = await http_receiver.wait_for(1)
    assert request.headers["x-actions"] == own


# --------------------------------------------------------------------------------------------------
# Plain text: generic webhooks


async def test_a_json_hook_gets_the_plain_text(http_receiver: HttpReceiver, settings: Settings) -> None:
    message = _reminder(settings, cue=HOSTILE)
    await transport.send(_channel(http_receiver.json_url()), message, settings)
    [request] = await http_receiver.wait_for(1)
    assert request.json()["message"] == message.body
    assert f"Done: {PAGE}?choice=done" in message.body
    assert f"Your cue: {HOSTILE}" in message.body
    assert "/api/" not in message.body


# --------------------------------------------------------------------------------------------------
# Web Push: the reminder's extras reach the service worker


async def test_web_push_carries_the_tag_token_and_actions(
    push_receiver: PushReceiver, settings: Settings
) -> None:
    channel = _channel(json.dumps(push_receiver.subscription()), ChannelKind.WEBPUSH)
    await transport.send(channel, _reminder(settings), settings)
    [push] = await push_receiver.wait_for(1)
    assert push.payload["tag"] == "occurrence:occ-1"
    assert push.payload["occurrenceId"] == "occ-1"
    assert push.payload["actToken"] == TOKEN
    assert [action["action"] for action in push.payload["actions"]] == ["done", "snooze_1h"]


# --------------------------------------------------------------------------------------------------
# Every event, every format


def _every_event(settings: Settings) -> list[Message]:
    return [
        _reminder(settings),
        _reminder(settings, nudge=True, snoozedFrom="2026-03-02T11:38:00+00:00"),
        render(Event.REVIEW_WEEKLY, {"weekStart": "2026-03-02", "openOccurrences": 2}, settings),
        render(Event.ENCOURAGEMENT_RECEIVED, {"partnerName": HOSTILE, "message": HOSTILE}, settings),
        render(Event.INVITE_ACCEPTED, {"partnerName": HOSTILE}, settings),
        render(
            Event.PARTNER_DIGEST,
            {
                "weekStart": "2026-03-02",
                "people": [
                    {"participantId": "p1", "name": HOSTILE, "done": 1, "due": 2, "completionRate": 0.5}
                ],
                "actTokens": {"p1": TOKEN},
                "oneTapLinks": {"p1": f"{BASE}/api/v1/encourage/old"},
            },
            settings,
        ),
        render(
            Event.PARTNER_MISSED,
            {"participantName": HOSTILE, "keyActionTitle": HOSTILE, "dueAt": "2026-03-02T08:00:00+00:00"},
            settings,
        ),
        render(Event.CHANNEL_DISABLED, {"channelLabel": HOSTILE, "lastError": HOSTILE}, settings),
        render(Event.CHANNEL_TEST, {"channelLabel": HOSTILE}, settings),
    ]


@pytest.mark.parametrize("body_format", ["text", "markdown", "html"])
def test_no_body_links_to_the_api_and_html_never_carries_user_markup(
    settings: Settings, body_format: str
) -> None:
    for message in _every_event(settings):
        body = message.body_in(body_format)
        assert "/api/" not in body
        if body_format == "html":
            assert "<script>" not in body
            assert 'href="https://evil.example' not in body
        if body_format == "markdown":
            assert "](https://evil.example)" not in body.replace(r"\](https://evil.example)", "")
