"""The preparation window: a worker claims what falls due within it, builds the message, and lets it leave
at its moment, never before; a stop while it waits puts it back in the queue at that moment."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from litestar import Litestar

from followthrough.clock import FrozenClock
from followthrough.deliveries.worker import Worker
from followthrough.enums import DeliveryStatus
from followthrough.settings import Settings
from followthrough.worker_setup import build_worker
from tests.conftest import Callers, Database
from tests.support.pipeline import (
    NOW,
    add_channel,
    app,
    deliveries_of,
    pipeline_settings,
    queue_message,
    worker,
)
from tests.support.receivers import HttpReceiver, ReceivedRequest, http_receiver

# Claims ahead of the moment: leases and SKIP LOCKED differ by dialect.
pytestmark = pytest.mark.dialect

__all__ = ["app", "http_receiver", "pipeline_settings", "worker"]

WINDOW = 30


@pytest.fixture
async def ahead(
    app: Litestar, pipeline_settings: Settings, clock: FrozenClock, worker: Worker
) -> AsyncIterator[Worker]:
    """A worker (after the `worker` fixture settled earlier tests' leftovers) that prepares 30 s ahead."""
    settings = replace(pipeline_settings, delivery_prepare_seconds=WINDOW)
    made = build_worker(settings, clock, alchemy=app.state.alchemy, name="ahead")
    yield made
    await made.close()


async def test_a_delivery_due_within_the_window_is_claimed_early_and_leaves_at_its_moment(
    callers: Callers, database: Database, ahead: Worker, clock: FrozenClock
) -> None:
    arrivals: list[datetime] = []

    def respond(_request: ReceivedRequest) -> tuple[int, bytes]:
        arrivals.append(clock.now())
        return 200, b'{"ok": true}'

    receiver = HttpReceiver(responder=respond).start()
    try:
        ada = await callers.participant()
        await add_channel(database, ada, receiver)
        moment = NOW + timedelta(seconds=20)
        await queue_message(database, ada, "Ready ahead", due_at=moment)

        assert await ahead.dispatch() == 1  # claimed at NOW, 20 s before its moment

        assert arrivals == [moment]  # the frozen clock waited until the moment, and not a second less
        [row] = await deliveries_of(database, ada)
        assert (row.status, row.sent_at, row.attempts) == (DeliveryStatus.SENT, moment, 1)
    finally:
        receiver.close()


async def test_nothing_beyond_the_window_is_claimed(
    callers: Callers, database: Database, ahead: Worker, http_receiver: HttpReceiver
) -> None:
    ada = await callers.participant()
    await add_channel(database, ada, http_receiver)
    await queue_message(database, ada, "Later", due_at=NOW + timedelta(seconds=WINDOW + 1))

    assert await ahead.dispatch() == 0
    [row] = await deliveries_of(database, ada)
    assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 0)
    assert http_receiver.requests == []


async def test_a_stop_while_waiting_puts_the_delivery_back_at_its_moment(
    callers: Callers, database: Database, ahead: Worker, http_receiver: HttpReceiver
) -> None:
    ada = await callers.participant()
    await add_channel(database, ada, http_receiver)
    moment = NOW + timedelta(seconds=20)
    await queue_message(database, ada, "Interrupted", due_at=moment)

    ahead.stop()  # the stop arrives while the message waits for its moment
    assert await ahead.dispatch() == 1

    [row] = await deliveries_of(database, ada)
    assert (row.status, row.attempts, row.lease_owner) == (DeliveryStatus.PENDING, 0, None)
    assert row.next_attempt_at == moment  # not earlier: the next worker must not send it early
    assert http_receiver.requests == []
