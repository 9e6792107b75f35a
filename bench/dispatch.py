"""Delivery benchmark: a burst of due deliveries sent by real `followthrough worker` processes.

For each scenario (one and two workers on PostgreSQL, one worker on SQLite) it creates a scratch database,
seeds one participant with one json:// channel and N deliveries all falling due at the same instant a few
seconds ahead, starts the workers, and waits until the local receiver has every message. It prints
deliveries per second (from the due instant to the last arrival) and lateness p50/p99 (arrival minus due
time, per delivery; in a burst the last one waits for all the others, so p99 is about N / rate). In the same
run it measures the limit: plain async HTTP POSTs to the same receiver, with httpx and with aiohttp (the
client the worker sends with), keep-alive, the same concurrency as a worker batch. Deliveries are seeded
15 s ahead of their moment, as detection queues them ahead, so workers can claim them within their
preparation window.

A second, paced run per scenario (`--paced-rate`, default half the burst rate) spreads deliveries over time
so lateness shows the pipeline's own delay rather than queueing.

    .venv/bin/python bench/dispatch.py                         # 10,000 deliveries per scenario
    .venv/bin/python bench/dispatch.py --deliveries 2000 --scenarios pg1,sqlite1

Workers run with the default settings (log level INFO included); their output goes to a scratch file.
The receiver is a uvicorn process on 127.0.0.1 recording arrival times. PostgreSQL must be reachable at
127.0.0.1:5432 (trust auth, user postgres); scratch databases are created and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast
from uuid import UUID

import asyncpg
import httpx
import uuid_utils
from sqlalchemy import Table, insert

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))

from followthrough import migrate  # noqa: E402
from followthrough.database import alchemy_config, session_scope  # noqa: E402
from followthrough.deliveries.models import Delivery  # noqa: E402
from followthrough.enums import ChannelKind, DeliveryStatus, Event  # noqa: E402
from followthrough.identity.models import Participant  # noqa: E402
from followthrough.notifications.keys import use_channel_key  # noqa: E402
from followthrough.notifications.models import Channel  # noqa: E402
from followthrough.settings import Settings  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
FOLLOWTHROUGH = Path(sys.executable).parent / "followthrough"
DELIVERY_TABLE = cast("Table", Delivery.__table__)
BATCH = 100
LEAD_SECONDS = 15.0  # detection queues deliveries up to an hour ahead; workers start and prepare meanwhile


# --------------------------------------------------------------------------------------------------
# The receiver: a tiny ASGI app that records when each message arrived


def receiver_app() -> Callable[..., Awaitable[None]]:
    records: list[tuple[float, str]] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            event = await receive()
            body += event.get("body", b"")
            if not event.get("more_body"):
                break
        answer = b'{"ok":true}'
        if scope["path"] == "/stats":
            answer = json.dumps({"count": len(records)}).encode()
        elif scope["path"] == "/records":
            answer = json.dumps(records).encode()
        elif scope["path"] == "/reset":
            records.clear()
        else:
            arrived = time.time()
            try:
                message = str(json.loads(body).get("message", ""))
            except ValueError:
                message = ""
            records.append((arrived, message.strip("“”")))
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(answer)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": answer})

    return app


def serve_receiver(port: int) -> None:
    import uvicorn

    uvicorn.run(receiver_app(), host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --------------------------------------------------------------------------------------------------
# Databases and seeding


@dataclass
class Scratch:
    settings: Settings
    drop: Callable[[], Awaitable[None]]


async def scratch_database(kind: str, data_dir: Path) -> Scratch:
    base = {
        "secret_key": "bench-secret",
        "channel_key": "bench-channel-key",
        "channel_allowed_hosts": "127.0.0.1",
    }
    if kind == "sqlite":
        settings = Settings(data_dir=data_dir, **base)  # type: ignore[arg-type]

        async def nothing() -> None:
            return None

        await asyncio.to_thread(migrate.upgrade, settings)
        return Scratch(settings, nothing)
    name = f"ft_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    settings = Settings(
        data_dir=data_dir, database_url=f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}", **base
    )  # type: ignore[arg-type]
    await asyncio.to_thread(migrate.upgrade, settings)

    async def drop() -> None:
        connection = await asyncpg.connect(PG_ADMIN)
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()

    return Scratch(settings, drop)


async def seed(settings: Settings, url: str, due_times: list[datetime]) -> None:
    use_channel_key(settings)
    alchemy = alchemy_config(settings)
    try:
        async with session_scope(alchemy) as db:
            person = Participant(
                email=f"{uuid.uuid4().hex[:8]}@example.com",
                display_name="Bench",
                password_hash="-",  # noqa: S106 - never signs in
                time_zone="UTC",
            )
            db.add(person)
            await db.flush()
            channel = Channel(
                participant_id=person.id,
                kind=ChannelKind.APPRISE,
                label="Receiver",
                url=url,
                masked_url="json://127.0.0.1/",
                events=[event.value for event in Event],
            )
            db.add(channel)
            await db.flush()
            rows = [
                {
                    "id": UUID(bytes=uuid_utils.uuid7().bytes),
                    "participant_id": person.id,
                    "event": Event.ENCOURAGEMENT_RECEIVED,
                    "subject_key": f"bench:{number}",
                    "channel_id": channel.id,
                    "due_at": due,
                    "next_attempt_at": due,
                    "status": DeliveryStatus.PENDING,
                    "attempts": 0,
                    "payload": {
                        "partnerName": "Bench",
                        "message": f"{number}|{due.timestamp()}",
                        "keyActionTitle": None,
                    },
                }
                for number, due in enumerate(due_times)
            ]
            for offset in range(0, len(rows), 1000):
                await db.execute(insert(DELIVERY_TABLE), rows[offset : offset + 1000])
    finally:
        await alchemy.get_engine().dispose()


# --------------------------------------------------------------------------------------------------
# Running


def start_workers(settings: Settings, count: int, log: Path) -> list[subprocess.Popen[bytes]]:
    environment = {
        **os.environ,
        "FOLLOWTHROUGH_DATA_DIR": str(settings.data_dir),
        "FOLLOWTHROUGH_DATABASE_URL": settings.database_url,
        "FOLLOWTHROUGH_SECRET_KEY": settings.secret_key,
        "FOLLOWTHROUGH_CHANNEL_KEY": settings.channel_key,
        "FOLLOWTHROUGH_CHANNEL_ALLOWED_HOSTS": settings.channel_allowed_hosts,
        "FOLLOWTHROUGH_WORKER_BATCH_SIZE": str(BATCH),
        "FOLLOWTHROUGH_WORKER_POLL_SECONDS": "1",
    }
    output = log.open("ab")
    return [
        subprocess.Popen([str(FOLLOWTHROUGH), "worker"], env=environment, stdout=output, stderr=output)
        for _ in range(count)
    ]


async def wait_for_count(client: httpx.AsyncClient, base: str, count: int, ceiling: float) -> None:
    deadline = time.monotonic() + ceiling
    while (await client.get(f"{base}/stats")).json()["count"] < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"receiver got fewer than {count} messages within {ceiling:.0f} s")
        await asyncio.sleep(0.25)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


@dataclass
class Figures:
    label: str
    count: int
    rate: float
    p50: float
    p99: float
    duplicates: int

    def line(self) -> str:
        return (
            f"{self.label:<34} {self.count:>6} delivered  {self.rate:>7.0f}/s  "
            f"lateness p50 {self.p50:6.2f} s  p99 {self.p99:6.2f} s  duplicates {self.duplicates}"
        )


async def run_scenario(
    label: str, kind: str, workers: int, due_times: list[datetime], base: str, client: httpx.AsyncClient
) -> Figures:
    with tempfile.TemporaryDirectory() as folder:
        scratch = await scratch_database(kind, Path(folder))
        try:
            await client.post(f"{base}/reset")
            await seed(scratch.settings, f"json://127.0.0.1:{base.rsplit(':', 1)[1]}/hook", due_times)
            processes = start_workers(scratch.settings, workers, Path(folder) / "workers.log")
            try:
                ceiling = (due_times[-1] - datetime.now(UTC)).total_seconds() + 600
                await wait_for_count(client, base, len(due_times), ceiling)
            finally:
                for process in processes:
                    process.send_signal(signal.SIGTERM)
                for process in processes:
                    process.wait(60)
            records = (await client.get(f"{base}/records")).json()
        finally:
            await scratch.drop()
    seen: set[str] = set()
    lateness: list[float] = []
    for arrived, message in records:
        number, _, due = message.partition("|")
        if number in seen:
            continue
        seen.add(number)
        lateness.append(arrived - float(due))
    first_due = due_times[0].timestamp()
    last_arrival = max(arrived for arrived, _ in records)
    rate = len(seen) / max(last_arrival - first_due, 1e-9)
    return Figures(
        label,
        len(seen),
        rate,
        percentile(lateness, 0.5),
        percentile(lateness, 0.99),
        len(records) - len(seen),
    )


async def plain_post_limit(base: str, count: int, client: httpx.AsyncClient) -> float:
    """The ceiling: async POSTs of a similar body straight to the receiver, BATCH at a time."""
    body = {"version": "1.0", "title": "Bench", "message": "limit|0", "attachments": [], "type": "info"}
    semaphore = asyncio.Semaphore(BATCH)

    async def one() -> None:
        async with semaphore:
            response = await client.post(f"{base}/hook", json=body)
            response.raise_for_status()

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(count)))
    elapsed = time.perf_counter() - started
    await client.post(f"{base}/reset")
    return count / elapsed


async def aiohttp_post_limit(base: str, count: int) -> float:
    """The limit for the client the worker itself sends with: aiohttp, keep-alive, BATCH at a time over
    the same 16 connections per host as the worker's pool."""
    import aiohttp

    body = {"version": "1.0", "title": "Bench", "message": "limit|0", "attachments": [], "type": "info"}
    semaphore = asyncio.Semaphore(BATCH)
    connector = aiohttp.TCPConnector(limit_per_host=16)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one() -> None:
            async with semaphore, session.post(f"{base}/hook", json=body) as response:
                response.raise_for_status()
                await response.read()

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(count)))
        elapsed = time.perf_counter() - started
        await session.post(f"{base}/reset")
    return count / elapsed


async def raw_post_limit(port: int, count: int, connections: int = 16) -> float:
    """The receiver's own ceiling: keep-alive HTTP/1.1 POSTs written by hand, far cheaper per request than
    httpx, so the client takes less of the CPU it shares with the receiver."""
    body = json.dumps({"version": "1.0", "title": "Bench", "message": "limit|0", "type": "info"}).encode()
    request = (
        f"POST /hook HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body

    async def one_connection(share: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(share):
            writer.write(request)
            head = (await reader.readuntil(b"\r\n\r\n")).lower()
            start = head.index(b"content-length:") + 15
            await reader.readexactly(int(head[start : head.index(b"\r\n", start)]))
        writer.close()
        await writer.wait_closed()

    started = time.perf_counter()
    await asyncio.gather(*(one_connection(count // connections) for _ in range(connections)))
    return (count // connections * connections) / (time.perf_counter() - started)


SCENARIOS = {
    "pg1": ("PostgreSQL, 1 worker", "postgresql", 1),
    "pg2": ("PostgreSQL, 2 workers", "postgresql", 2),
    "sqlite1": ("SQLite, 1 worker", "sqlite", 1),
}


async def main(arguments: argparse.Namespace, port: int) -> None:
    base = f"http://127.0.0.1:{port}"
    limits = httpx.Limits(max_connections=BATCH, max_keepalive_connections=BATCH)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        for _ in range(100):
            try:
                await client.get(f"{base}/stats")
                break
            except httpx.TransportError:
                await asyncio.sleep(0.1)
        limit = await plain_post_limit(base, min(arguments.deliveries, 5000), client)
        print(f"limit: plain httpx POSTs to the receiver, {BATCH} concurrent: {limit:.0f}/s", flush=True)
        fast = await aiohttp_post_limit(base, min(arguments.deliveries, 5000))
        print(f"limit: plain aiohttp POSTs, {BATCH} concurrent over 16 connections: {fast:.0f}/s", flush=True)
        raw = await raw_post_limit(port, min(arguments.deliveries, 5000))
        await client.post(f"{base}/reset")
        print(f"receiver ceiling: hand-written keep-alive POSTs, 16 connections: {raw:.0f}/s", flush=True)
        burst_rates: dict[str, float] = {}
        for key in arguments.scenarios.split(","):
            label, kind, workers = SCENARIOS[key]
            due = datetime.now(UTC) + timedelta(seconds=LEAD_SECONDS)
            figures = await run_scenario(
                f"{label}, burst", kind, workers, [due] * arguments.deliveries, base, client
            )
            burst_rates[key] = figures.rate
            share = (
                f"{figures.rate / limit:.0%} of the httpx limit, {figures.rate / fast:.0%} of the aiohttp "
                f"limit, {figures.rate / raw:.0%} of the ceiling"
            )
            print(f"{figures.line()}  ({share})", flush=True)
        for key in arguments.scenarios.split(","):
            if arguments.paced_count <= 0:
                break
            label, kind, workers = SCENARIOS[key]
            pace = arguments.paced_rate or burst_rates[key] / 2
            start = datetime.now(UTC) + timedelta(seconds=LEAD_SECONDS)
            due_times = [start + timedelta(seconds=n / pace) for n in range(arguments.paced_count)]
            figures = await run_scenario(
                f"{label}, paced {pace:.0f}/s", kind, workers, due_times, base, client
            )
            print(figures.line(), flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve-receiver":
        serve_receiver(int(sys.argv[2]))
        sys.exit(0)
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--deliveries", type=int, default=10_000, help="deliveries per burst")
    parser.add_argument("--scenarios", default="pg1,pg2,sqlite1", help="comma-separated: pg1, pg2, sqlite1")
    parser.add_argument(
        "--paced-count", type=int, default=2000, help="deliveries in each paced run (0: none)"
    )
    parser.add_argument("--paced-rate", type=float, default=0.0, help="deliveries falling due per second")
    arguments = parser.parse_args()
    port = free_port()
    receiver = subprocess.Popen([sys.executable, __file__, "--serve-receiver", str(port)])
    try:
        asyncio.run(main(arguments, port))
    finally:
        receiver.send_signal(signal.SIGTERM)
        receiver.wait(10)
