"""Prometheus figures at /metrics: deliveries by status, lateness, disabled channels, workers' heartbeats,
HTTP figures by route template, who may scrape, and the worker's own endpoint."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import httpx
import pytest
import time_machine
from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import AsyncTestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select, update

from followthrough import cli, metrics
from followthrough.app import create_app
from followthrough.clock import FrozenClock
from followthrough.database import alchemy_config, session_scope
from followthrough.deliveries import heartbeat
from followthrough.deliveries import worker as worker_module
from followthrough.deliveries.models import Delivery
from followthrough.deliveries.worker import Worker
from followthrough.enums import DeliveryStatus, Event
from followthrough.health import worker_beats_on_host
from followthrough.notifications.models import Channel
from followthrough.settings import Settings
from followthrough.worker_setup import build_worker
from tests.conftest import Callers, Database
from tests.support.pipeline import add_channel, app, create_action, once, pipeline_settings, utc, worker
from tests.support.receivers import HttpReceiver, http_receiver
from tests.support.statements import counting_statements

__all__ = ["app", "http_receiver", "pipeline_settings", "worker"]

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(text: str) -> Samples:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def scraper(app: Litestar, address: str = "10.1.2.3") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def scrape(app: Litestar, address: str = "10.1.2.3") -> Samples:
    async with scraper(app, address) as client:
        response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return parse(response.text)


async def add_delivery(
    database: Database, owner: str, channel: UUID, status: DeliveryStatus, due: str
) -> None:
    async with database() as db:
        db.add(
            Delivery(
                participant_id=UUID(owner),
                event=Event.REMINDER_DUE,
                subject_key=f"metrics-test:{uuid4().hex}",
                channel_id=channel,
                due_at=utc(due),
                next_attempt_at=utc(due),
                status=status,
            )
        )


async def test_the_deliveries_are_counted_by_status_with_the_due_ones_and_how_long_they_waited(
    app: Litestar, callers: Callers, database: Database, worker: Worker, http_receiver: HttpReceiver
) -> None:
    ada = await callers.participant()
    channel = await add_channel(database, ada, http_receiver)
    before = await scrape(app)
    # The clock reads 2026-03-02 09:00.
    await add_delivery(database, ada.id, channel, DeliveryStatus.PENDING, "2026-03-02T08:55:00")
    await add_delivery(database, ada.id, channel, DeliveryStatus.PENDING, "2026-03-02T10:00:00")
    await add_delivery(database, ada.id, channel, DeliveryStatus.RETRYING, "2026-03-02T08:59:00")
    for status in (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.MISSED):
        await add_delivery(database, ada.id, channel, status, "2026-03-01T09:00:00")
    after = await scrape(app)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert {status: grew("followthrough_deliveries", status=status) for status in DeliveryStatus} == {
        "pending": 2,
        "sending": 0,
        "retrying": 1,
        "sent": 1,
        "failed": 1,
        "skipped": 0,
        "missed": 1,
    }
    assert grew("followthrough_deliveries_due", status="pending") == 1
    assert grew("followthrough_deliveries_due", status="retrying") == 1
    assert value(after, "followthrough_deliveries_due_oldest_seconds") >= 5 * 60


async def sent_deliveries(database: Database) -> dict[UUID, tuple[UUID, datetime]]:
    """Every sent delivery's id, with its recipient and when it was due."""
    async with database() as db:
        rows = await db.execute(
            select(Delivery.id, Delivery.participant_id, Delivery.due_at).where(
                Delivery.status == DeliveryStatus.SENT
            )
        )
        return {delivery: (person, due_at) for delivery, person, due_at in rows.tuples()}


async def test_a_delivery_sent_late_is_counted_in_the_lateness_histogram(
    app: Litestar,
    callers: Callers,
    database: Database,
    worker: Worker,
    pipeline_settings: Settings,
    http_receiver: HttpReceiver,
    clock: FrozenClock,
) -> None:
    ada = await callers.participant(time_zone="Europe/London")
    await add_channel(database, ada, http_receiver)
    await create_action(ada, schedule=once("2026-03-02T09:30:00"))
    await worker.detect()
    # A send timeout that a loaded test machine cannot miss: this test is about the histogram.
    patient_settings = replace(pipeline_settings, send_timeout_seconds=10)
    patient = build_worker(patient_settings, clock, alchemy=app.state.alchemy, name=worker.name)
    before = await scrape(app)
    sent_before = await sent_deliveries(database)
    clock.set(utc("2026-03-02T09:30:42"))  # no worker ran for 42 seconds
    try:
        await patient.dispatch()
    finally:
        await patient.close()
    after = await scrape(app)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    # The database is shared with other tests, whose deliveries came due by now too: the figures must
    # account for every delivery this dispatch sent, each as late as it was.
    sent_after = await sent_deliveries(database)
    # Seconds late, by recipient, of each delivery this dispatch sent.
    lateness = {
        person: (clock.now() - due_at).total_seconds()
        for delivery, (person, due_at) in sent_after.items()
        if delivery not in sent_before
    }
    late = [
        (clock.now() - due_at).total_seconds()
        for delivery, (_, due_at) in sent_after.items()
        if delivery not in sent_before
    ]
    assert lateness[UUID(ada.id)] == 42
    assert grew("followthrough_delivery_attempts_total", outcome="sent") == len(late)
    assert grew("followthrough_delivery_lateness_seconds_count") == len(late)
    assert grew("followthrough_delivery_lateness_seconds_sum") == pytest.approx(sum(late))
    assert grew("followthrough_delivery_lateness_seconds_bucket", le="30.0") == sum(s <= 30 for s in late)
    assert grew("followthrough_delivery_lateness_seconds_bucket", le="60.0") == sum(s <= 60 for s in late)


async def test_disabled_channels_are_counted_by_why_they_were_disabled(
    app: Litestar, callers: Callers, database: Database, http_receiver: HttpReceiver
) -> None:
    ada = await callers.participant()
    failing = await add_channel(database, ada, http_receiver, label="Failing")
    switched_off = await add_channel(database, ada, http_receiver, label="Off")
    before = await scrape(app)
    async with database() as db:
        await db.execute(
            update(Channel).where(Channel.id == failing).values(enabled=False, consecutive_failures=5)
        )
        await db.execute(update(Channel).where(Channel.id == switched_off).values(enabled=False))
    after = await scrape(app)
    for reason in ("errors", "owner"):
        grew = value(after, "followthrough_channels_disabled", reason=reason) - value(
            before, "followthrough_channels_disabled", reason=reason
        )
        assert grew == 1, reason


async def test_each_running_workers_last_heartbeat_is_shown(app: Litestar, clock: FrozenClock) -> None:
    name = f"metrics-test:{uuid4().hex[:8]}"
    async with session_scope(app.state.alchemy) as db:
        await heartbeat.beat(db, name, clock.now())
    samples = await scrape(app)
    assert value(samples, "followthrough_worker_last_seen_timestamp_seconds", worker=name) == (
        clock.now().timestamp()
    )
    async with session_scope(app.state.alchemy) as db:
        await heartbeat.stop_beating(db, name)
    samples = await scrape(app)
    assert ("followthrough_worker_last_seen_timestamp_seconds", (("worker", name),)) not in samples


async def test_http_figures_group_paths_by_route_and_leave_out_health_checks_and_scrapes(
    app: Litestar, callers: Callers
) -> None:
    ada = await callers.participant()
    missing = uuid4()
    assert (await ada.get(f"/api/v1/barriers/{missing}")).status_code == 404
    assert (await ada.get("/health/live")).status_code == 200
    samples = await scrape(app)
    paths = {dict(labels).get("path") for name, labels in samples if name.startswith("followthrough_http_")}
    assert "/api/v1/barriers/{barrier_id}" in paths
    assert not any(str(missing) in str(path) for path in paths)
    assert not {"/health/live", "/metrics"} & paths


async def test_the_sql_statements_the_app_sends_are_counted(app: Litestar, callers: Callers) -> None:
    ada = await callers.participant()
    before = value(await scrape(app), "followthrough_db_statements_total")
    with counting_statements(app) as statements:
        assert (await ada.get("/api/v1/account")).status_code == 200
    after = value(await scrape(app), "followthrough_db_statements_total")
    # The second scrape's own reads are counted before it answers.
    scrape_cost = value(await scrape(app), "followthrough_db_statements_total") - after
    assert len(statements) > 0
    assert after - before == len(statements) + scrape_cost


# --------------------------------------------------------------------------------------------------
# Who may scrape


@pytest.fixture
async def guarded_app(settings: Settings, clock: FrozenClock) -> AsyncIterator[Litestar]:
    application = create_app(replace(settings, metrics_token="scrape-token"), clock)
    async with AsyncTestClient(application):
        yield application


async def test_a_scrape_from_outside_the_allowed_networks_is_refused_unless_it_holds_the_token(
    guarded_app: Litestar,
) -> None:
    async with scraper(guarded_app, "203.0.113.9") as outsider:
        refused = await outsider.get("/metrics")
        wrong = await outsider.get("/metrics", headers={"authorization": "Bearer guess"})
        allowed = await outsider.get("/metrics", headers={"authorization": "Bearer scrape-token"})
    assert (refused.status_code, wrong.status_code, allowed.status_code) == (403, 403, 200)
    assert refused.json()["requestId"] == refused.headers["x-request-id"]
    assert "followthrough_deliveries" not in refused.text
    assert "followthrough_deliveries" in allowed.text
    # Loopback and private networks may scrape without it.
    assert await scrape(guarded_app, "127.0.0.1")
    assert await scrape(guarded_app, "fd00::5")


async def test_with_metrics_off_there_is_nothing_to_scrape(settings: Settings, clock: FrozenClock) -> None:
    application = create_app(replace(settings, metrics=False), clock)
    async with AsyncTestClient(application), scraper(application, "127.0.0.1") as local:
        assert (await local.get("/metrics")).status_code == 404


def test_a_bad_allowed_network_is_refused_naming_the_variable() -> None:
    with pytest.raises(ValueError, match="FOLLOWTHROUGH_METRICS_ALLOWED_NETWORKS"):
        Settings(metrics_allowed_networks="10.0.0.0/8,intranet")


# --------------------------------------------------------------------------------------------------
# The worker's own endpoint


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_the_worker_serves_its_own_figures_on_its_port_when_asked_to() -> None:
    assert metrics.serve_worker_metrics(Settings()) is None  # off by default
    port = free_port()
    serving = metrics.serve_worker_metrics(Settings(worker_metrics_port=port))
    assert serving is not None
    server, thread = serving
    try:
        async with httpx.AsyncClient() as client:
            response = await client.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
        assert response.status_code == 200
        assert "followthrough_delivery_lateness_seconds_bucket" in response.text
        assert "followthrough_worker_heartbeat_timestamp_seconds" in response.text
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


async def test_the_worker_records_its_heartbeat_time_in_its_own_figures(
    worker: Worker, clock: FrozenClock
) -> None:
    clock.advance(timedelta(seconds=1))
    await worker.beat()
    assert metrics.worker_heartbeat._value.get() == clock.now().timestamp()


# --------------------------------------------------------------------------------------------------
# The worker's health check


async def test_the_worker_check_passes_only_while_a_worker_on_this_host_beats(
    app: Litestar, pipeline_settings: Settings, clock: FrozenClock
) -> None:
    host = f"check-{uuid4().hex[:8]}"
    async with session_scope(app.state.alchemy) as db:
        assert not await worker_beats_on_host(db, host, clock.now(), pipeline_settings)  # none ever beat
        await heartbeat.beat(db, f"{host}:41:abc", clock.now())
        await heartbeat.beat(db, f"other-{host}:42:def", clock.now() + timedelta(minutes=5))
        assert await worker_beats_on_host(db, host, clock.now(), pipeline_settings)
        stale = clock.now() + heartbeat.stale_after(pipeline_settings)
        # Another host's fresh worker does not make this one healthy.
        assert not await worker_beats_on_host(db, host, stale, pipeline_settings)
        assert await worker_beats_on_host(db, host, stale - timedelta(seconds=1), pipeline_settings)


def test_followthrough_worker_check_exits_0_when_fresh_and_1_when_stale(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = f"cli-{uuid4().hex[:8]}"
    monkeypatch.setattr(worker_module, "worker_host", lambda: host)
    monkeypatch.setenv("FOLLOWTHROUGH_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("FOLLOWTHROUGH_DATABASE_URL", settings.database_url)
    beat_at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    async def beat() -> None:
        alchemy = alchemy_config(settings)
        async with session_scope(alchemy) as db:
            await heartbeat.beat(db, f"{host}:7:abc", beat_at)
        await alchemy.get_engine().dispose()

    asyncio.run(beat())
    runner = CliRunner()
    with time_machine.travel(beat_at + timedelta(seconds=1), tick=False):
        assert runner.invoke(cli.main, ["worker", "--check"]).exit_code == 0
    with time_machine.travel(beat_at + heartbeat.stale_after(settings), tick=False):
        assert runner.invoke(cli.main, ["worker", "--check"]).exit_code == 1
