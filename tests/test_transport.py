"""Sending one message (the transport contract) and recording its outcome on the channel (health)."""

from __future__ import annotations

import contextvars
import dataclasses
import logging
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest

from followthrough.clock import FrozenClock
from followthrough.enums import ChannelKind
from followthrough.logs import configure_logging
from followthrough.notifications import transport
from followthrough.notifications.health import record_send_outcome
from followthrough.notifications.messages import Message
from followthrough.notifications.models import Channel
from followthrough.settings import Settings
from tests.conftest import Caller, Database
from tests.support.receivers import HttpReceiver, free_port, http_receiver

__all__ = ["http_receiver"]

MESSAGE = Message(title="Now: Ask for the budget", body="Due Mon 2 Mar, 08:00.", url="http://x/today")


def _channel(url: str, participant_id: uuid.UUID | None = None) -> Channel:
    return Channel(
        participant_id=participant_id,
        kind=ChannelKind.APPRISE,
        label="Hook",
        url=url,
        masked_url=transport.masked_url(transport.instantiate(url)),
        events=["reminder.due"],
        enabled=True,
        consecutive_failures=0,
        extra={},
    )


@pytest.fixture
def fast(settings: Settings) -> Settings:
    return dataclasses.replace(settings, send_timeout_seconds=1)


# --------------------------------------------------------------------------------------------------
# Sending


async def test_a_message_arrives_with_its_title_and_body(http_receiver: HttpReceiver, fast: Settings) -> None:
    await transport.send(_channel(http_receiver.json_url("/in")), MESSAGE, fast)
    [request] = http_receiver.requests
    assert request.path == "/in"
    assert request.json()["title"] == MESSAGE.title
    assert request.json()["message"] == MESSAGE.body


async def test_a_server_error_is_a_passing_failure(http_receiver: HttpReceiver, fast: Settings) -> None:
    http_receiver.fail_next(1, status=502)
    with pytest.raises(transport.TransportError) as failed:
        await transport.send(_channel(http_receiver.json_url("/secret-Path-99x")), MESSAGE, fast)
    assert not failed.value.permanent
    assert "502" in failed.value.message
    assert "secret-Path-99x" not in failed.value.message


async def test_a_closed_port_is_a_passing_failure(fast: Settings) -> None:
    with pytest.raises(transport.TransportError) as failed:
        await transport.send(_channel(f"json://127.0.0.1:{free_port()}/"), MESSAGE, fast)
    assert not failed.value.permanent
    assert "Connection error" in failed.value.message


async def test_a_server_that_never_answers_times_out(http_receiver: HttpReceiver, fast: Settings) -> None:
    http_receiver.hang_next(1)
    with pytest.raises(transport.TransportError) as failed:
        await transport.send(_channel(http_receiver.json_url()), MESSAGE, fast)
    assert not failed.value.permanent
    assert failed.value.message == "No answer within 1 second"
    assert len(http_receiver.requests) == 1


async def test_a_url_apprise_cannot_use_is_a_permanent_failure(fast: Settings) -> None:
    channel = _channel("json://example.com/")
    channel.url = "json://"
    with pytest.raises(transport.TransportError) as failed:
        await transport.send(channel, MESSAGE, fast)
    assert failed.value.permanent
    assert failed.value.message.startswith("The channel URL is not a valid json:// URL")


# --------------------------------------------------------------------------------------------------
# Secrets


def test_the_secret_parts_of_a_url() -> None:
    parts = transport.secret_parts(
        "json://hook-user:pw-Secret-1@example.com/tok-Path-123?-key=query-Secret-9"
    )
    for secret in ("pw-Secret-1", "tok-Path-123", "query-Secret-9"):
        assert secret in parts
    assert "example.com" not in parts
    tgram = transport.secret_parts("tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/12315544/")
    assert "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" in tgram


@pytest.mark.parametrize(
    ("url", "hidden", "shown"),
    [
        ("json://u:pw-Secret-1@example.com/hook", "pw-Secret-1", "json://u:****@example.com/hook"),
        ("json://example.com/abc123def456", "abc123def456", "json://example.com/****"),
        ("json://example.com/api?+Authorization=Bearer-xyz", "Bearer-xyz", "+Authorization=****"),
        ("ntfys://ntfy.sh/my-topic-x7k2p9", "my-topic-x7k2p9", "ntfys://ntfy.sh/****"),
        (
            "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/1/",
            "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
            "tgram://",
        ),
        ("mailto://alice:hunter2-Secret@example.com", "hunter2-Secret", "alice:****@"),
    ],
)
def test_masked_urls_hide_secrets(url: str, hidden: str, shown: str) -> None:
    masked = transport.masked_url(transport.instantiate(url))
    assert hidden not in masked
    assert shown in masked
    assert "overflow=" not in masked


def test_log_records_made_while_a_url_is_in_use_are_redacted_in_any_thread(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="apprise")
    log = logging.getLogger("apprise.test")
    url = "json://user:pw-Secret-77@example.com/path-Secret-88"
    with transport.keeping_secret(url):
        log.debug("posting to %s", url)
        worker = threading.Thread(
            target=contextvars.copy_context().run, args=(log.warning, "thread saw pw-Secret-77")
        )
        worker.start()
        worker.join()
        try:
            raise RuntimeError("failed at /path-Secret-88")
        except RuntimeError:
            log.exception("boom")
    log.info("outside: pw-Secret-77")
    messages = [record.getMessage() + (record.exc_text or "") for record in caplog.records]
    assert "pw-Secret-77" not in "".join(messages[:3])
    assert "path-Secret-88" not in "".join(messages[:3])
    assert messages[0] == "posting to ****"
    assert messages[1] == "thread saw ****"
    assert messages[3] == "outside: pw-Secret-77"  # outside a send, nothing is rewritten


@pytest.fixture
def apprise_logger() -> Iterator[logging.Logger]:
    logger = logging.getLogger("apprise")
    level = logger.level
    yield logger
    logger.setLevel(level)


@pytest.mark.parametrize(
    ("log_level", "apprise_levels"), [("INFO", {"WARNING"}), ("DEBUG", {"INFO", "WARNING"})]
)
async def test_apprise_logs_each_message_sent_only_at_debug_but_failures_always(
    http_receiver: HttpReceiver,
    fast: Settings,
    caplog: pytest.LogCaptureFixture,
    apprise_logger: logging.Logger,
    log_level: str,
    apprise_levels: set[str],
) -> None:
    configure_logging(dataclasses.replace(fast, log_level=log_level))
    caplog.set_level(logging.DEBUG)  # everything reaches the root; the apprise logger's own level decides
    # A service Apprise sends itself (generic web hooks are sent with aiohttp, without Apprise's lines).
    channel = _channel(f"ntfy://{http_receiver.address}/reminders")
    await transport.send(channel, MESSAGE, fast)
    http_receiver.fail_next(1, status=500)
    with pytest.raises(transport.TransportError):
        await transport.send(channel, MESSAGE, fast)
    logged = {record.levelname for record in caplog.records if record.name.startswith("apprise")}
    assert logged - {"DEBUG"} == apprise_levels


# --------------------------------------------------------------------------------------------------
# Health


async def _stored(database: Database, owner: Caller, url: str) -> uuid.UUID:
    async with database() as db:
        channel = _channel(url, uuid.UUID(owner.id))
        db.add(channel)
        await db.commit()
        return channel.id


async def _load(database: Database, channel_id: uuid.UUID) -> Channel:
    async with database() as db:
        channel = await db.get(Channel, channel_id)
        assert channel is not None
        return channel


async def test_a_success_records_when_and_clears_the_failure_count(
    owner: Caller, database: Database, clock: FrozenClock, settings: Settings
) -> None:
    channel_id = await _stored(database, owner, "json://example.com/a")
    async with database() as db:
        channel = await db.get(Channel, channel_id)
        assert channel is not None
        assert not await record_send_outcome(
            db, channel, transport.TransportError("503"), clock.now(), settings
        )
        assert channel.consecutive_failures == 1
        later = clock.now() + timedelta(minutes=5)
        assert not await record_send_outcome(db, channel, None, later, settings)
        await db.commit()
    stored = await _load(database, channel_id)
    assert stored.consecutive_failures == 0
    assert stored.last_success_at == later
    assert stored.last_error == "503"
    assert stored.last_error_at == clock.now()
    assert stored.enabled


async def test_a_permanent_error_disables_at_once(
    owner: Caller, database: Database, clock: FrozenClock, settings: Settings
) -> None:
    channel_id = await _stored(database, owner, "json://example.com/b")
    async with database() as db:
        channel = await db.get(Channel, channel_id)
        assert channel is not None
        error = transport.TransportError("The push subscription is gone", permanent=True)
        assert await record_send_outcome(db, channel, error, clock.now(), settings)
        await db.commit()
    stored = await _load(database, channel_id)
    assert not stored.enabled
    assert stored.disabled_reason == (
        "Switched off after an error that will not go away by retrying: The push subscription is gone"
    )


async def test_the_limit_disables_exactly_once_even_for_stale_copies(
    owner: Caller, database: Database, clock: FrozenClock, settings: Settings
) -> None:
    channel_id = await _stored(database, owner, "json://example.com/c")
    error = transport.TransportError("502")
    async with database() as db:
        channel = await db.get(Channel, channel_id)
        assert channel is not None
        for _ in range(settings.channel_failure_limit - 1):
            assert not await record_send_outcome(db, channel, error, clock.now(), settings)
        await db.commit()
    # Two workers each loaded the channel while it was still enabled, and both fail.
    async with database() as first, database() as second:
        mine, theirs = await first.get(Channel, channel_id), await second.get(Channel, channel_id)
        assert mine is not None
        assert theirs is not None
        assert await record_send_outcome(first, mine, error, clock.now(), settings)
        await first.commit()
        assert not await record_send_outcome(second, theirs, error, clock.now(), settings)
        await second.commit()
    stored = await _load(database, channel_id)
    assert stored.consecutive_failures == settings.channel_failure_limit + 1
    assert not stored.enabled
    assert f"{settings.channel_failure_limit} failed sends in a row" in (stored.disabled_reason or "")
