"""How long the calendar feed takes to serve for a participant with 50 key actions, against Today.

It makes a participant in New York with 50 active key actions of mixed rules (daily, weekly, monthly with
BYSETPOS, COUNT and UNTIL rules, once actions; each with a cue, a barrier and two reminders) and their feed.
Then, alternating so that both see the same machine state, it fetches the feed (the full body, no
If-None-Match) and GET /api/v1/today. Today is the baseline: the read a person makes most. The read cache is
off, so Today does its queries every time, as the feed does. It prints the median and 95th percentile in
milliseconds, the ratio of the medians, the feed's size, and the time to build the body alone (no database,
no HTTP), with every event serialised anew and with the events kept from an earlier fetch.

The app runs in this process (the ASGI app driven by httpx, no network), with a frozen clock, on a fresh
SQLite database and, unless `--db sqlite`, a scratch PostgreSQL database at 127.0.0.1:5432 (trust auth, user
postgres), created and dropped here.

    .venv/bin/python bench/calendar_feed.py
    .venv/bin/python bench/calendar_feed.py --db sqlite --requests 100
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))

from followthrough import migrate  # noqa: E402
from followthrough.actions.models import KeyAction  # noqa: E402
from followthrough.app import create_app  # noqa: E402
from followthrough.calendarfeed import ics  # noqa: E402
from followthrough.calendarfeed.ics import FeedAction, calendar_bytes  # noqa: E402
from followthrough.clock import FrozenClock  # noqa: E402
from followthrough.database import session_scope  # noqa: E402
from followthrough.identity.auth import API_TOKEN_PREFIX, hash_token, new_token  # noqa: E402
from followthrough.identity.models import ApiToken, Participant  # noqa: E402
from followthrough.identity.passwords import hash_password  # noqa: E402
from followthrough.settings import Settings  # noqa: E402

PG_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
API = "/api/v1"
NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
ACTIONS = 50
SCHEDULES: list[dict[str, str]] = [
    {"kind": "recurring", "startsAt": "2026-01-05T07:30:00", "rrule": "FREQ=DAILY"},
    {"kind": "recurring", "startsAt": "2026-01-05T18:00:00", "rrule": "FREQ=WEEKLY;BYDAY=MO,WE,FR"},
    {
        "kind": "recurring",
        "startsAt": "2026-01-01T09:00:00",
        "rrule": "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
    },
    {"kind": "recurring", "startsAt": "2026-02-01T10:00:00", "rrule": "FREQ=WEEKLY;BYDAY=SA;COUNT=20"},
    {
        "kind": "recurring",
        "startsAt": "2026-02-01T02:30:00",
        "rrule": "FREQ=DAILY;INTERVAL=2;UNTIL=20261231T235959",
    },
    {"kind": "once", "dueAt": "2026-04-15T12:00:00"},
]


@contextmanager
def database(kind: str) -> Iterator[Settings]:
    with tempfile.TemporaryDirectory(prefix="ft-feed-") as data_dir:
        common: dict[str, Any] = {
            "data_dir": Path(data_dir),
            "secret_key": secrets.token_urlsafe(32),
            "channel_key": secrets.token_urlsafe(32),
            "password_hash_cost": "low",
            "log_level": "ERROR",
            "read_cache": False,
        }
        if kind == "sqlite":
            yield Settings(**common)
            return
        name = f"ft_feed_{uuid.uuid4().hex[:12]}"
        asyncio.run(_pg(f'CREATE DATABASE "{name}"'))
        try:
            yield Settings(**common, database_url=f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}")
        finally:
            asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _pg(statement: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def _participant_token(app: Any) -> str:
    async with session_scope(app.state.alchemy) as session:
        participant = Participant(
            email=f"feed-{uuid.uuid4().hex[:10]}@bench.invalid",
            display_name="Bench",
            password_hash=await hash_password(secrets.token_urlsafe(16), "low"),
            time_zone="America/New_York",
        )
        session.add(participant)
        await session.flush()
        token = new_token(API_TOKEN_PREFIX)
        session.add(
            ApiToken(
                participant_id=participant.id,
                name="bench",
                token_hash=hash_token(token),
                token_prefix=token[:10],
            )
        )
        return token


async def _timed(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> tuple[float, int]:
    started = time.perf_counter()
    response = await client.get(url, headers=headers)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"GET {url}: {response.status_code} {response.text[:200]}")
    return elapsed, len(response.content)


def _summary(times: list[float]) -> str:
    ordered = sorted(times)
    return f"p50 {statistics.median(ordered):6.1f} ms   p95 {ordered[int(len(ordered) * 0.95) - 1]:6.1f} ms"


async def run(settings: Settings, requests: int) -> None:
    app = create_app(settings, FrozenClock(NOW))
    # The lifespan in this event loop, where the requests run (a test client would start it in another).
    async with app.lifespan():
        transport = httpx.ASGITransport(app=app, client=("10.8.0.1", 5))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            auth = {"authorization": f"Bearer {await _participant_token(app)}"}
            barrier = await client.post(
                f"{API}/barriers", headers=auth, json={"title": "Too many meetings", "level": "organization"}
            )
            for index in range(ACTIONS):
                created = await client.post(
                    f"{API}/key-actions",
                    headers=auth,
                    json={
                        "title": f"Key action {index}",
                        "schedule": SCHEDULES[index % len(SCHEDULES)],
                        "cue": "When I close the laptop",
                        "barrierId": barrier.json()["id"],
                        "reminderOffsets": [0, 30],
                    },
                )
                assert created.status_code == 201, created.text
            made = await client.post(f"{API}/calendar-feed", headers=auth)
            feed_path = urlsplit(made.json()["url"]).path
            for _ in range(5):  # warm-up: caches of parsed rules and time zones, the connection pool
                await _timed(client, feed_path, {})
                await _timed(client, f"{API}/today", auth)
            feed_times, today_times = [], []
            size = 0
            for _ in range(requests):
                elapsed, size = await _timed(client, feed_path, {})
                feed_times.append(elapsed)
                today_times.append((await _timed(client, f"{API}/today", auth))[0])
            cold, warm = await _build_only(app)
    ratio = statistics.median(feed_times) / statistics.median(today_times)
    print(f"  feed ({ACTIONS} key actions, {size / 1024:.0f} KiB)  {_summary(feed_times)}")
    print(f"  today (baseline)                  {_summary(today_times)}")
    print(f"  feed / today (medians)            {ratio:.2f}")
    print(f"  body alone, every event new       {_summary(cold)}")
    print(f"  body alone, events kept           {_summary(warm)}")


async def _build_only(app: Any) -> tuple[list[float], list[float]]:
    """Building the body from loaded rows: cold (every event serialised anew) and warm (events kept)."""
    async with session_scope(app.state.alchemy) as session:
        actions = list(await session.scalars(select(KeyAction)))
    items = [FeedAction(action, "Too many meetings") for action in actions]
    cold, warm = [], []
    for _ in range(20):
        ics._EVENTS.clear()
        started = time.perf_counter()
        calendar_bytes("Bench", "America/New_York", items, "http://bench", NOW)
        cold.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        calendar_bytes("Bench", "America/New_York", items, "http://bench", NOW)
        warm.append((time.perf_counter() - started) * 1000)
    return cold, warm


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--requests", type=int, default=200)
    arguments = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request otherwise
    kinds = ["sqlite", "postgresql"] if arguments.db == "both" else [arguments.db]
    for kind in kinds:
        with database(kind) as settings:
            migrate.upgrade(settings)
            print(f"{kind}:")
            asyncio.run(run(settings, arguments.requests))


if __name__ == "__main__":
    main()
