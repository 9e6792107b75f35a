"""The worker as a whole: several side by side on PostgreSQL, one killed mid-batch, one stopped with
SIGTERM, and the one `serve` runs inside the API process.

The PostgreSQL tests use a database of their own, so that every delivery in it is theirs to count.
"""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update

from followthrough import migrate
from followthrough.app import create_app
from followthrough.clock import FrozenClock
from followthrough.database import alchemy_config, session_scope
from followthrough.deliveries.claims import CLAIMABLE
from followthrough.deliveries.models import Delivery
from followthrough.deliveries.queue import enqueue
from followthrough.deliveries.worker import Worker
from followthrough.enums import DeliveryStatus, Event
from followthrough.notifications.keys import use_channel_key
from followthrough.settings import Settings
from followthrough.worker_setup import build_worker
from tests.conftest import pg_admin
from tests.support.receivers import RECEIVER_ALLOWED_HOSTS, HttpReceiver, ReceivedRequest
from tests.support.workers import add_recipient, seed, start_worker, wait_until

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def own_postgres(tmp_path: Path) -> Iterator[Settings]:
    """A fresh, migrated PostgreSQL database for one test."""
    name = f"ft_worker_{uuid.uuid4().hex[:10]}"
    pg_admin(f'CREATE DATABASE "{name}"')
    settings = Settings(
        data_dir=tmp_path,
        database_url=f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}",
        secret_key="worker-test-secret",
        channel_key="worker-test-channel-key",
        channel_allowed_hosts=RECEIVER_ALLOWED_HOSTS,
        send_timeout_seconds=5,
        password_hash_cost="low",
    )
    migrate.upgrade(settings)
    try:
        yield settings
    finally:
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def received_markers(requests: list[ReceivedRequest]) -> Counter[str]:
    counted: Counter[str] = Counter()
    for request in requests:
        if request.status == 200:
            counted[request.json()["message"].split("”")[0].lstrip("“")] += 1
    return counted


async def statuses(settings: Settings) -> Counter[DeliveryStatus]:
    alchemy = alchemy_config(settings)
    try:
        async with session_scope(alchemy) as db:
            rows = await db.execute(select(Delivery.status, func.count()).group_by(Delivery.status))
            return Counter({status: count for status, count in rows.tuples()})
    finally:
        await alchemy.get_engine().dispose()


async def test_two_workers_on_postgresql_send_each_of_2000_deliveries_exactly_once(
    own_postgres: Settings,
) -> None:
    receiver = HttpReceiver().start()
    try:
        markers = await seed(own_postgres, receiver, 2000, NOW)
        clock = FrozenClock(NOW)
        # Separate engines, as separate processes would have; each claims batches until none is left.
        workers = [build_worker(own_postgres, clock, name=f"worker-{number}") for number in range(2)]

        async def drain(worker: Worker) -> int:
            claimed = 0
            while batch := await worker.dispatch():
                claimed += batch
            await worker.close()
            return claimed

        claimed = await asyncio.gather(*(drain(worker) for worker in workers))

        assert sum(claimed) == 2000
        assert all(count > 0 for count in claimed), claimed  # both did part of the work
        counted = received_markers(await receiver.wait_for(2000))
        assert set(counted) == set(markers)
        assert set(counted.values()) == {1}
        assert len(receiver.requests) == 2000
        assert await statuses(own_postgres) == Counter({DeliveryStatus.SENT: 2000})
    finally:
        receiver.close()


def slow_responder(seconds: float) -> Any:
    def respond(_request: ReceivedRequest) -> tuple[int, bytes]:
        time.sleep(seconds)
        return 200, b'{"ok": true}'

    return respond


@pytest.mark.slow
async def test_a_worker_killed_mid_batch_loses_nothing_once_another_takes_over_its_claims(
    own_postgres: Settings, tmp_path: Path
) -> None:
    total, batch = 200, 20
    receiver = HttpReceiver(responder=slow_responder(0.2)).start()
    log = tmp_path / "workers.log"
    options = {"delivery_lease_seconds": "35", "worker_batch_size": str(batch)}
    try:
        markers = await seed(own_postgres, receiver, total, datetime.now(UTC) - timedelta(minutes=1))
        first = start_worker(own_postgres, log, **options)

        async def some_arrived() -> bool:
            return len(receiver.requests) >= 50

        await wait_until(some_arrived, 60, "the first worker to send 50")
        first.send_signal(signal.SIGKILL)  # mid-batch: 20 sends of 0.2 s each are in flight
        assert first.wait(10) == -signal.SIGKILL
        left_sending = (await statuses(own_postgres))[DeliveryStatus.SENDING]

        second = start_worker(own_postgres, log, **options)

        async def all_settled() -> bool:
            counts = await statuses(own_postgres)
            return counts[DeliveryStatus.SENT] == total

        await wait_until(all_settled, 180, "the second worker to settle every delivery")
        second.send_signal(signal.SIGTERM)
        assert second.wait(30) == 0, log.read_text()

        counted = received_markers(receiver.requests)
        assert set(counted) == set(markers), "a delivery was lost"
        duplicates = sum(counted.values()) - total
        # Only what the killed worker had in flight (sent, but its outcome never recorded) can go twice.
        assert duplicates <= batch
        assert left_sending > 0
        print(f"\nkilled mid-batch: {left_sending} left sending, {duplicates} sent twice of {total}")
    finally:
        receiver.close()


@pytest.mark.slow
async def test_sigterm_lets_the_worker_finish_its_batch_and_leave_nothing_half_written(
    own_postgres: Settings, tmp_path: Path
) -> None:
    receiver = HttpReceiver(responder=slow_responder(0.3)).start()
    log = tmp_path / "worker.log"
    try:
        await seed(own_postgres, receiver, 60, datetime.now(UTC) - timedelta(minutes=1))
        worker = start_worker(own_postgres, log, worker_batch_size="20")

        async def sending() -> bool:
            return len(receiver.requests) >= 1

        await wait_until(sending, 60, "the first sends")
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(30) == 0, log.read_text()

        counts = await statuses(own_postgres)
        assert counts[DeliveryStatus.SENDING] == 0  # the batch in flight was recorded
        assert counts[DeliveryStatus.SENT] == len(receiver.requests)
        assert counts[DeliveryStatus.PENDING] > 0  # and it stopped rather than draining everything
    finally:
        receiver.close()


# The embedded worker claims with dialect-specific SQL.
@pytest.mark.dialect
async def test_serve_runs_the_worker_inside_the_api_process(settings: Settings) -> None:
    receiver = HttpReceiver().start()
    embedded = replace(
        settings, embedded_worker=True, channel_allowed_hosts=RECEIVER_ALLOWED_HOSTS, worker_poll_seconds=1
    )
    # The test's own engine: the app's lives in the test client's event loop.
    alchemy = alchemy_config(embedded)
    use_channel_key(embedded)
    try:
        async with session_scope(alchemy) as db:  # what earlier tests left waiting is not ours
            await db.execute(
                update(Delivery).where(Delivery.status.in_(CLAIMABLE)).values(status=DeliveryStatus.SKIPPED)
            )
            person, _ = await add_recipient(db, receiver, events=["encouragement.received"])
            await enqueue(
                db,
                recipient_id=person.id,
                event=Event.ENCOURAGEMENT_RECEIVED,
                subject_key="embedded",
                payload={"partnerName": "Grace", "message": "From inside", "keyActionTitle": None},
                due_at=NOW,
                now=NOW,
            )
        async with AsyncTestClient(create_app(embedded, FrozenClock(NOW))) as client:
            [received] = await receiver.wait_for(1)
            assert (await client.get("/health/live")).status_code == 200
        assert "From inside" in received.json()["message"]
        async with session_scope(alchemy) as db:
            status = await db.scalar(select(Delivery.status).where(Delivery.participant_id == person.id))
        assert status == DeliveryStatus.SENT  # recorded before the app (and its worker) stopped
    finally:
        await alchemy.get_engine().dispose()
        receiver.close()
