"""Channels for the send-path tests: settings that refuse every private destination or allow loopback, and
a channel row that is never stored."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from followthrough.enums import ChannelKind
from followthrough.notifications.models import Channel
from followthrough.settings import Settings

STRICT = Settings(data_dir=Path("unused"), channel_key="k", channel_allowed_hosts="")

LOCAL_ALLOWED = dataclasses.replace(STRICT, channel_allowed_hosts="127.0.0.1,::1,localhost")


def apprise_channel(url: str) -> Channel:
    return Channel(kind=ChannelKind.APPRISE, label="t", url=url, masked_url="m", events=[], extra={})
