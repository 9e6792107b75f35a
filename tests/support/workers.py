"""Real worker processes for tests: a database seeded with due deliveries, a `followthrough worker` started
on it, and waiting on what it does."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any, cast
from uuid import UUID

import uuid_utils
from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.database import alchemy_config, session_scope
from followthrough.deliveries.models import Delivery
from followthrough.enums import ChannelKind, DeliveryStatus, Event
from followthrough.identity.models import Participant
from followthrough.notifications.keys import use_channel_key
from followthrough.notifications.models import Channel
from followthrough.settings import Settings
from tests.support.receivers import HttpReceiver

FOLLOWTHROUGH = Path(sys.executable).parent / "followthrough"

DELIVERY_TABLE = cast("Table", Delivery.__table__)


async def add_recipient(
    db: AsyncSession, receiver: HttpReceiver, events: list[str] | None = None
) -> tuple[Participant, Channel]:
    """A participant (UTC) with one channel to the receiver, for `events` (all of them by default)."""
    return await add_person_with_channel(db, receiver.json_url(), f"json://{receiver.address}/hook", events)


async def add_person_with_channel(
    db: AsyncSession, url: str, masked_url: str, events: list[str] | None = None
) -> tuple[Participant, Channel]:
    """A participant (UTC) with one json:// channel at `url`, for `events` (all of them by default)."""
    person = Participant(
        email=f"{uuid.uuid4().hex[:8]}@example.com",
        display_name="Ada",
        password_hash="-",
        time_zone="UTC",
    )
    db.add(person)
    await db.flush()
    channel = Channel(
        participant_id=person.id,
        kind=ChannelKind.APPRISE,
        label="Webhook",
        url=url,
        masked_url=masked_url,
        events=[event.value for event in Event] if events is None else events,
    )
    db.add(channel)
    await db.flush()
    return person, channel


async def seed(settings: Settings, receiver: HttpReceiver, count: int, due_at: datetime) -> list[str]:
    """One participant with one channel to the receiver, and `count` due deliveries, each saying a marker."""
    use_channel_key(settings)
    alchemy = alchemy_config(settings)
    markers = [f"m{number:05d}" for number in range(count)]
    try:
        async with session_scope(alchemy) as db:
            person, channel = await add_recipient(db, receiver)
            rows = [
                {
                    "id": UUID(bytes=uuid_utils.uuid7().bytes),
                    "participant_id": person.id,
                    "event": Event.ENCOURAGEMENT_RECEIVED,
                    "subject_key": f"bench:{marker}",
                    "channel_id": channel.id,
                    "due_at": due_at,
                    "next_attempt_at": due_at,
                    "status": DeliveryStatus.PENDING,
                    "attempts": 0,
                    "payload": {"partnerName": "Grace", "message": marker, "keyActionTitle": None},
                }
                for marker in markers
            ]
            for offset in range(0, len(rows), 500):
                await db.execute(insert(DELIVERY_TABLE), rows[offset : offset + 500])
    finally:
        await alchemy.get_engine().dispose()
    return markers


def start_worker(settings: Settings, log: Path, **extra: str) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "FOLLOWTHROUGH_DATA_DIR": str(settings.data_dir),
        "FOLLOWTHROUGH_DATABASE_URL": settings.database_url,
        "FOLLOWTHROUGH_SECRET_KEY": settings.secret_key,
        "FOLLOWTHROUGH_CHANNEL_KEY": settings.channel_key,
        "FOLLOWTHROUGH_CHANNEL_ALLOWED_HOSTS": settings.channel_allowed_hosts,
        "FOLLOWTHROUGH_WORKER_POLL_SECONDS": "1",
        **{f"FOLLOWTHROUGH_{name.upper()}": value for name, value in extra.items()},
    }
    with log.open("ab") as output:
        return subprocess.Popen([str(FOLLOWTHROUGH), "worker"], env=environment, stdout=output, stderr=output)


async def wait_until(condition: Any, ceiling: float, what: str) -> None:
    """Poll a real process's progress; the ceiling is for slow machines, not an assertion."""
    deadline = time.monotonic() + ceiling
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)
