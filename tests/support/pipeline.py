"""The delivery pipeline for tests: an app and a worker whose channels reach the local receivers, and helpers
to make actions, channels and queued messages and to read what was queued."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from typing import Any
from uuid import UUID, uuid4

import pytest
from litestar import Litestar
from sqlalchemy import func, select, update

from followthrough.clock import FrozenClock
from followthrough.database import session_scope
from followthrough.deliveries.claims import CLAIMABLE
from followthrough.deliveries.models import Delivery
from followthrough.deliveries.queue import enqueue
from followthrough.deliveries.worker import Worker
from followthrough.enums import ChannelKind, DeliveryStatus, Event
from followthrough.notifications.models import Channel
from followthrough.settings import Settings
from followthrough.worker_setup import build_worker
from tests.conftest import Caller, Callers, Database
from tests.support import actions
from tests.support.apps import SharedApps
from tests.support.receivers import RECEIVER_ALLOWED_HOSTS, HttpReceiver

ALL_EVENTS = [event.value for event in Event]


@pytest.fixture
def pipeline_settings(settings: Settings) -> Settings:
    """The session's database, channels allowed to reach the local receivers, short timeouts. Deliveries
    are claimed at their moment, not ahead (the preparation window has tests of its own)."""
    return replace(
        settings,
        delivery_prepare_seconds=0,
        channel_allowed_hosts=RECEIVER_ALLOWED_HOSTS,
        # Room for a local receiver to answer while the whole test run shares two cores (1 s was missed
        # once); a test of the timeout itself hangs its receiver far longer.
        send_timeout_seconds=3,
        delivery_retry_base_seconds=30,
        delivery_max_attempts=3,
        channel_failure_limit=3,
        delivery_lease_seconds=60,
        delivery_grace_minutes=60,
    )


@pytest.fixture
async def app(pipeline_settings: Settings, clock: FrozenClock, shared_apps: SharedApps) -> Litestar:
    return await shared_apps.serve(pipeline_settings, clock)


@pytest.fixture
async def worker(app: Litestar, pipeline_settings: Settings, clock: FrozenClock) -> AsyncIterator[Worker]:
    """A worker on the app's database. Deliveries earlier tests left waiting are settled first: their
    receivers are gone, and a new receiver may have been given the same port."""
    async with session_scope(app.state.alchemy) as db:
        await db.execute(
            update(Delivery)
            .where(Delivery.status.in_(CLAIMABLE))
            .values(status=DeliveryStatus.SKIPPED, last_error="left by an earlier test")
        )
    made = build_worker(pipeline_settings, clock, alchemy=app.state.alchemy, name=f"test-{uuid4().hex[:8]}")
    yield made
    await made.close()  # its connection pool; the engine is the app's


async def add_channel(
    database: Database,
    caller: Caller,
    receiver: HttpReceiver,
    *,
    events: list[str] | None = None,
    label: str = "Webhook",
    path: str = "/hook",
) -> UUID:
    """A json:// channel to the receiver, stored directly (the channels API is tested on its own)."""
    async with database() as db:
        channel = Channel(
            participant_id=UUID(caller.id),
            kind=ChannelKind.APPRISE,
            label=label,
            url=receiver.json_url(path),
            masked_url=f"json://{receiver.address}{path}",
            events=ALL_EVENTS if events is None else events,
            enabled=True,
        )
        db.add(channel)
        await db.flush()
        return channel.id


create_action = partial(
    actions.create_action, defaults={"title": "Ask for a training budget", "reminderOffsets": [0]}
)
"""A key action reminded at its moment; callers give its schedule."""


def once(local: str) -> dict[str, str]:
    return {"kind": "once", "dueAt": local}


def daily(starts: str) -> dict[str, str]:
    return {"kind": "recurring", "startsAt": starts, "rrule": "FREQ=DAILY"}


async def deliveries_of(database: Database, caller: Caller) -> list[Delivery]:
    async with database() as db:
        rows = await db.scalars(
            select(Delivery)
            .where(Delivery.participant_id == UUID(caller.id))
            .order_by(Delivery.due_at, Delivery.subject_key)
            .execution_options(populate_existing=True)
        )
        return list(rows.all())


async def check_in(caller: Caller, action: dict[str, Any], occurrence_at: str) -> None:
    response = await caller.post(
        "/api/v1/check-ins",
        json={
            "id": str(uuid4()),
            "keyActionId": action["id"],
            "occurrenceAt": occurrence_at,
            "result": "done",
        },
    )
    assert response.status_code in {200, 201}, response.text


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


NOW = utc("2026-03-02T09:00:00")


async def queue_message(
    database: Database,
    caller: Caller,
    text: str,
    *,
    due_at: Any = NOW,
    event: Event = Event.ENCOURAGEMENT_RECEIVED,
) -> int:
    async with database() as db:
        return await enqueue(
            db,
            recipient_id=UUID(caller.id),
            event=event,
            subject_key=f"test:{text}",
            payload={"partnerName": "Grace", "message": text, "keyActionTitle": None},
            due_at=due_at,
            now=NOW,
        )


async def reminded(
    callers: Callers, database: Database, worker: Worker, receiver: HttpReceiver, **action: Any
) -> tuple[Caller, Delivery]:
    """A London participant whose 09:30 reminder was sent at 09:30."""
    ada = await callers.participant(time_zone="Europe/London")
    await add_channel(database, ada, receiver, label="Phone")
    await create_action(ada, schedule=once("2026-03-02T09:30:00"), title="Call Sam", **action)
    await worker.detect()
    [row] = await deliveries_of(database, ada)
    return ada, row


async def run(app: Litestar, step: Any, now: datetime, recipient: Caller) -> int:
    """Runs one detection step; how many deliveries it made for this test's recipient (the database is
    shared with other tests, whose partners may be due at the same instant)."""

    async def made_so_far() -> int:
        async with session_scope(app.state.alchemy) as db:
            mine = Delivery.participant_id == UUID(recipient.id)
            count = await db.scalar(select(func.count()).select_from(Delivery).where(mine))
        return count or 0

    before = await made_so_far()
    async with session_scope(app.state.alchemy) as db:
        await step(db, now, app.state.settings)
    return await made_so_far() - before
