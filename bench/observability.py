"""What the HTTP metrics and the request ids cost per request, and what a scrape costs.

Requests: the same app three ways in one run, driven in-process through ASGI (no sockets, so the layers under
test are not hidden by the network): metrics on (the default), metrics off, and metrics off without the
request-id layer. Each serves a route that does nothing (`GET /bench/noop`), so the difference is all theirs.
Rounds alternate between the variants so that the machine's noise falls on each alike; the figure is the
median of the rounds.

Scrape: the time of one `/metrics` answer with `--deliveries` delivery rows on SQLite.

    .venv/bin/python bench/observability.py
    .venv/bin/python bench/observability.py --requests 5000 --rounds 7 --deliveries 100000
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import AsyncExitStack
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))

from litestar import Litestar, get  # noqa: E402
from litestar.plugins.prometheus import PrometheusMiddleware  # noqa: E402
from litestar.testing import AsyncTestClient  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from followthrough import migrate  # noqa: E402
from followthrough.app import create_app  # noqa: E402
from followthrough.database import session_scope  # noqa: E402
from followthrough.deliveries.models import Delivery  # noqa: E402
from followthrough.enums import ChannelKind, DeliveryStatus, Event  # noqa: E402
from followthrough.identity.models import Participant  # noqa: E402
from followthrough.metrics import http_metrics  # noqa: E402
from followthrough.notifications.models import Channel  # noqa: E402
from followthrough.requestid import RequestIds  # noqa: E402
from followthrough.settings import Settings  # noqa: E402


@get("/bench/noop", exclude_from_auth=True, include_in_schema=False)
async def noop() -> dict[str, str]:
    return {"status": "ok"}


def build(settings: Settings, *, metrics: bool, request_ids: bool, stock: bool = False) -> Litestar:
    """The app with or without metrics and request ids; `stock` measures with Litestar's own Prometheus
    middleware instead of ours (`metrics.CheapHttpMetrics`)."""
    ours = http_metrics.middleware_class
    http_metrics.middleware_class = PrometheusMiddleware if stock else ours
    try:
        app = create_app(replace(settings, metrics=metrics))
    finally:
        http_metrics.middleware_class = ours
    app.register(noop)
    if not request_ids and isinstance(app.asgi_handler, RequestIds):
        app.asgi_handler = app.asgi_handler.app
    return app


async def drive(app: Litestar, requests: int) -> float:
    """Seconds per request for `requests` GETs of /bench/noop, one after another."""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/bench/noop",
        "raw_path": b"/bench/noop",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("10.0.0.1", 50000),
        "server": ("testserver", 80),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            assert message["status"] == 200, message

    started = time.perf_counter()
    for _ in range(requests):
        await app(dict(scope), receive, send)  # type: ignore[arg-type]
    return (time.perf_counter() - started) / requests


async def seed_deliveries(settings: Settings, app: Litestar, count: int) -> None:
    now = datetime.now(UTC)
    async with session_scope(app.state.alchemy) as db:
        participant = Participant(
            email=f"bench-{uuid.uuid4().hex[:8]}@example.com",
            display_name="Bench",
            time_zone="UTC",
            password_hash="not a hash",  # noqa: S106 (never signs in)
        )
        db.add(participant)
        await db.flush()
        channel = Channel(
            participant_id=participant.id,
            kind=ChannelKind.APPRISE,
            label="Bench",
            url="json://127.0.0.1/hook",
            masked_url="json://127.0.0.1/hook",
            events=[],
            enabled=True,
        )
        db.add(channel)
        await db.flush()
        statuses = [DeliveryStatus.SENT] * 8 + [DeliveryStatus.PENDING, DeliveryStatus.FAILED]
        for offset in range(0, count, 5000):
            rows = [
                {
                    "id": uuid.uuid4(),
                    "participant_id": participant.id,
                    "event": Event.REMINDER_DUE,
                    "subject_key": f"bench:{number}",
                    "channel_id": channel.id,
                    "due_at": now - timedelta(minutes=number % 5000),
                    "next_attempt_at": now + timedelta(minutes=number % 50 - 25),
                    "status": statuses[number % len(statuses)],
                    "attempts": 1,
                    "payload": {},
                    "created_at": now,
                    "updated_at": now,
                }
                for number in range(offset, min(offset + 5000, count))
            ]
            await db.execute(insert(Delivery), rows)


async def scrape_seconds(app: Litestar, scrapes: int) -> float:
    import httpx

    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        await client.get("/metrics")
        timings = []
        for _ in range(scrapes):
            started = time.perf_counter()
            response = await client.get("/metrics")
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--deliveries", type=int, default=50000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder), password_hash_cost="low")  # noqa: S106 (a cost, no secret)
        migrate.upgrade(settings)
        asyncio.run(run(settings, args))


async def run(settings: Settings, args: argparse.Namespace) -> None:
    variants = {
        "metrics on, request ids on (default)": build(settings, metrics=True, request_ids=True),
        "Litestar's stock middleware, request ids on": build(
            settings, metrics=True, request_ids=True, stock=True
        ),
        "metrics off, request ids on": build(settings, metrics=False, request_ids=True),
        "metrics off, request ids off": build(settings, metrics=False, request_ids=False),
    }
    async with AsyncExitStack() as running:
        for app in variants.values():
            # The test client runs the app's start-up and shutdown; requests go to the app directly.
            await running.enter_async_context(AsyncTestClient(app))
            await drive(app, 200)  # warm-up
        await measure(settings, variants, args)


async def measure(settings: Settings, variants: dict[str, Litestar], args: argparse.Namespace) -> None:
    rounds: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.rounds):
        for name, app in variants.items():
            rounds[name].append(await drive(app, args.requests))
    floor = statistics.median(rounds["metrics off, request ids off"])
    print(f"{args.requests} requests x {args.rounds} rounds, in-process ASGI, GET /bench/noop")
    print(f"{'variant':44} {'us/request':>11} {'vs floor':>9}")
    for name, timings in rounds.items():
        median = statistics.median(timings)
        print(f"{name:44} {median * 1e6:11.1f} {median / floor:9.2f}")
    app = variants["metrics on, request ids on (default)"]
    await seed_deliveries(settings, app, args.deliveries)
    print(
        f"/metrics with {args.deliveries} deliveries on SQLite: {await scrape_seconds(app, 20) * 1e3:.1f} ms"
    )


if __name__ == "__main__":
    main()
