"""What sending needs from the whole process (`egress`): nothing is installed until a process starts, start
installs it once, and the guards refuse private addresses for Apprise's own transports (SMTP) and for
aiohttp sends alike."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from followthrough.notifications import egress, safety, transport
from followthrough.notifications.messages import Message
from followthrough.settings import Settings
from tests.support.channels import STRICT, apprise_channel
from tests.support.receivers import HttpReceiver, SmtpReceiver, http_receiver, smtp_receiver

__all__ = ["http_receiver", "smtp_receiver"]

ROOT = Path(__file__).resolve().parents[1]
MESSAGE = Message(title="Hello", body="Body", url="http://127.0.0.1:8000/today")

# Prints, as JSON, what is patched after each step of a fresh process's life.
PROBE = textwrap.dedent(
    """
    import asyncio, json, logging, socket, sys
    from pathlib import Path

    import requests.api

    pristine = socket.getaddrinfo, logging.getLogRecordFactory(), requests.api.request

    from followthrough.app import create_app
    from followthrough.cli import main
    from followthrough.enums import ChannelKind
    from followthrough.notifications import transport
    from followthrough.notifications.messages import Message
    from followthrough.notifications.models import Channel
    from followthrough.settings import Settings

    def patched():
        now = socket.getaddrinfo, logging.getLogRecordFactory(), requests.api.request
        names = ("dns", "logs", "requests")
        return [name for name, before, after in zip(names, pristine, now) if before is not after]

    seen = {"imported": patched()}
    settings = Settings(data_dir=Path(sys.argv[1]), channel_key="k")
    channel = Channel(kind=ChannelKind.APPRISE, label="t", url="mailto://u:p@example.com", masked_url="m")
    try:
        asyncio.run(transport.send(channel, Message(title="T", body="B", url="u"), settings))
    except RuntimeError as error:
        seen["send before start"] = str(error)
    seen["after a send"] = patched()
    create_app(settings)
    seen["created"] = patched()
    factory = logging.getLogRecordFactory()
    create_app(settings)
    seen["created twice, factory kept"] = logging.getLogRecordFactory() is factory
    print(json.dumps(seen))
    """
)


def _probe(tmp_path: Path) -> dict[str, object]:
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "backend")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_nothing_is_patched_until_the_app_starts_and_starting_twice_installs_once(tmp_path: Path) -> None:
    seen = _probe(tmp_path)
    assert seen["imported"] == []
    assert seen["send before start"] == egress.NOT_INSTALLED
    assert seen["after a send"] == []
    assert seen["created"] == ["dns", "logs"]  # and never `requests`
    assert seen["created twice, factory kept"] is True


def test_installing_again_changes_nothing() -> None:
    egress.install()
    resolver, factory = socket.getaddrinfo, logging.getLogRecordFactory()
    egress.install()
    assert socket.getaddrinfo is resolver
    assert logging.getLogRecordFactory() is factory
    assert egress.installed()


def test_the_worker_command_installs_at_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from followthrough import cli, worker_setup

    seen: list[bool] = []

    async def run(settings: Settings) -> None:
        seen.append(egress.installed())

    monkeypatch.setattr(egress, "_installed", [])
    monkeypatch.setattr(socket, "getaddrinfo", socket.getaddrinfo)
    monkeypatch.setattr(logging, "_logRecordFactory", logging.getLogRecordFactory())
    monkeypatch.setattr(worker_setup, "run_until_signalled", run)
    environment = {"FOLLOWTHROUGH_DATA_DIR": str(tmp_path), "FOLLOWTHROUGH_CHANNEL_KEY": "k"}
    result = CliRunner().invoke(cli.main, ["worker"], env=environment)
    assert result.exit_code == 0, result.output
    assert seen == [True]


async def test_apprise_smtp_is_refused_a_private_address_as_it_connects(
    smtp_receiver: SmtpReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def passes(plugin: object, settings: Settings) -> None:
        """As if DNS had answered a public address when the check ran, and changed since."""

    monkeypatch.setattr(safety, "check_plugin", passes)
    with pytest.raises(transport.TransportError) as refused:
        await transport.send(apprise_channel(smtp_receiver.mailto_url()), MESSAGE, STRICT)
    assert refused.value.permanent
    assert "127.0.0.1 is a loopback address" in refused.value.message
    assert smtp_receiver.messages == []


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]"])
async def test_an_aiohttp_send_is_refused_a_private_address_without_the_process_wide_guard(
    http_receiver: HttpReceiver, monkeypatch: pytest.MonkeyPatch, host: str
) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", egress._original_getaddrinfo)
    with pytest.raises(transport.TransportError) as refused:
        await transport.send(apprise_channel(f"json://{host}:{http_receiver.port}/hook"), MESSAGE, STRICT)
    assert refused.value.permanent
    assert refused.value.message.startswith("Refused destination: ")
    assert http_receiver.requests == []


async def test_an_allowed_aiohttp_send_still_arrives_without_the_process_wide_guard(
    http_receiver: HttpReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", egress._original_getaddrinfo)
    allowed = dataclasses.replace(STRICT, channel_allowed_hosts="127.0.0.1")
    await transport.send(apprise_channel(http_receiver.json_url()), MESSAGE, allowed)
    assert len(http_receiver.requests) == 1


def test_a_worker_loads_apprise_plugins_at_start_not_at_its_first_send() -> None:
    # A fresh interpreter: in this one, earlier tests have long since loaded them.
    probe = textwrap.dedent(
        """
        from apprise.manager_plugins import NotificationManager
        from followthrough.notifications import load_plugins
        assert NotificationManager()._module_map is None
        load_plugins()
        assert NotificationManager()._module_map, "no plugin loaded"
        """
    )
    subprocess.run([sys.executable, "-c", probe], cwd=ROOT, timeout=120, check=True)
