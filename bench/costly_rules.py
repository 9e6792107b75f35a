"""How long each request takes for key actions with hostile schedules (issue 11, finding 9).

For each rule it creates the key action (the request that materialises its occurrences), then reads it back
the ways a person does: the key action (its next occurrence), a year of its occurrences, Today, its progress
since the start, the account's progress; then it pauses and resumes it (which schedules it again from now).
A refused rule shows its 422 and the field named. It prints the wall time of every request in milliseconds
and the number of occurrences the creation stored.

The app runs in this process (the ASGI app driven by httpx, no network), with a frozen clock at a fixed
Monday, on a fresh SQLite database and, unless `--db sqlite`, a scratch PostgreSQL database at
127.0.0.1:5432 (trust auth, user postgres), created and dropped here.

    .venv/bin/python bench/costly_rules.py
    .venv/bin/python bench/costly_rules.py --db sqlite --repeat 3
    .venv/bin/python bench/costly_rules.py --repeat 3 --freeze-gc

With `--freeze-gc` the objects alive once the app has started are moved out of the collector's sight
(gc.freeze()), as `followthrough serve` does at start-up: a full collection then walks only what requests
allocate, instead of about 200,000 objects (some 130 ms on a slow machine, landing on whichever request
triggers it).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import secrets
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))

from followthrough import migrate  # noqa: E402
from followthrough.actions.models import Occurrence  # noqa: E402
from followthrough.app import create_app  # noqa: E402
from followthrough.clock import FrozenClock  # noqa: E402
from followthrough.database import session_scope  # noqa: E402
from followthrough.identity.auth import API_TOKEN_PREFIX, hash_token, new_token  # noqa: E402
from followthrough.identity.models import ApiToken, Participant  # noqa: E402
from followthrough.identity.passwords import hash_password  # noqa: E402
from followthrough.settings import Settings  # noqa: E402

PG_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
API = "/api/v1"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EVERY_HOUR = ",".join(str(hour) for hour in range(24))
EVERY_MONTH_DAY = ",".join(str(day) for day in range(1, 32))
SET_POSITIONS = ",".join(str(position) for position in [*range(1, 40), *range(-40, 0)])
FROM_1970, TODAY_8 = "1970-01-01T00:00:00", "2026-03-02T08:00:00"
UNTIL_9999 = "UNTIL=99991231T235959"
# (label, starts at, rrule); each rrule within the 500 characters the API takes.
RULES: list[tuple[str, str, str]] = [
    ("daily from today (reference)", TODAY_8, "FREQ=DAILY"),
    ("HOURLY from 1970", FROM_1970, "FREQ=HOURLY"),
    ("HOURLY from 1970 UNTIL 9999", FROM_1970, f"FREQ=HOURLY;{UNTIL_9999}"),
    ("HOURLY from 2200", "2200-01-01T00:00:00", "FREQ=HOURLY"),
    ("DAILY every hour from 1970", FROM_1970, f"FREQ=DAILY;BYHOUR={EVERY_HOUR}"),
    (
        "MONTHLY every day and hour, BYSETPOS +-1..40",
        FROM_1970,
        f"FREQ=MONTHLY;BYMONTHDAY={EVERY_MONTH_DAY};BYHOUR={EVERY_HOUR};BYSETPOS={SET_POSITIONS}",
    ),
    ("DAILY every hour BYSETPOS=-1", FROM_1970, f"FREQ=DAILY;BYHOUR={EVERY_HOUR};BYSETPOS=-1"),
    ("MINUTELY", TODAY_8, "FREQ=MINUTELY"),
    ("SECONDLY", TODAY_8, "FREQ=SECONDLY"),
    ("COUNT=10^9 hourly", TODAY_8, "FREQ=HOURLY;COUNT=1000000000"),
    ("COUNT=1000 hourly from 1970", FROM_1970, "FREQ=HOURLY;COUNT=1000"),
    ("DAILY UNTIL=9999 from 1970", FROM_1970, f"FREQ=DAILY;{UNTIL_9999}"),
    ("YEARLY 31 February (never)", FROM_1970, "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31"),
    ("YEARLY leap Mondays (28 years apart)", FROM_1970, "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO"),
    ("HOURLY 29 February only", FROM_1970, "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=29"),
    (
        "WEEKLY BYWEEKNO=53 every hour",
        FROM_1970,
        f"FREQ=WEEKLY;BYWEEKNO=53;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYHOUR={EVERY_HOUR}",
    ),
]


@contextmanager
def database(kind: str) -> Iterator[Settings]:
    with tempfile.TemporaryDirectory(prefix="ft-costly-") as data_dir:
        common: dict[str, Any] = {
            "data_dir": Path(data_dir),
            "secret_key": secrets.token_urlsafe(32),
            "channel_key": secrets.token_urlsafe(32),
            "password_hash_cost": "low",
            "log_level": "ERROR",
        }
        if kind == "sqlite":
            yield Settings(**common)
            return
        name = f"ft_costly_{uuid.uuid4().hex[:12]}"
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


class Timed:
    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers
        self.times: dict[str, float] = {}

    async def send(self, name: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
        started = time.perf_counter()
        response = await self.client.request(method, url, headers=self.headers, **kwargs)
        elapsed = (time.perf_counter() - started) * 1000
        self.times[name] = max(self.times.get(name, 0.0), elapsed)
        if response.status_code >= 500:
            raise RuntimeError(f"{method} {url}: {response.status_code} {response.text[:200]}")
        return response


async def run_rule(app: Any, label: str, starts_at: str, rule: str, repeat: int) -> str:
    transport = httpx.ASGITransport(
        app=app, client=(f"10.9.{secrets.randbelow(250)}.{secrets.randbelow(250)}", 5)
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        timed = Timed(client, {"authorization": f"Bearer {await _participant_token(app)}"})
        schedule = {"kind": "recurring", "startsAt": starts_at, "rrule": rule}
        stored = 0
        for _ in range(repeat):
            created = await timed.send(
                "create", "POST", f"{API}/key-actions", json={"title": "Costly", "schedule": schedule}
            )
            if created.status_code != 201:
                errors = created.json().get("errors") or [{"field": "?", "message": created.text[:80]}]
                refused = f"{created.status_code} {errors[0]['field']}: {errors[0]['message'][:60]}"
                return f"| {label} | {timed.times['create']:.0f} | refused: {refused} |"
            action = f"{API}/key-actions/{created.json()['id']}"
            stored = await _stored(app, created.json()["id"])
            await timed.send("get", "GET", action)
            await timed.send("occurrences", "GET", f"{action}/occurrences?from=2025-09-01&to=2026-09-01")
            await timed.send("today", "GET", f"{API}/today")
            await timed.send("progress", "GET", f"{action}/progress?range=all")
            await timed.send("account", "GET", f"{API}/progress?range=all")
            await timed.send(
                "pause", "POST", f"{action}/status", json={"status": "paused", "reason": "bench"}
            )
            await timed.send("resume", "POST", f"{action}/status", json={"status": "active"})
        cells = " | ".join(f"{timed.times[name]:.0f}" for name in COLUMNS)
        worst = max(timed.times.values())
        return f"| {label} | {cells} | {worst:.0f} | {stored} |"


COLUMNS = ["create", "get", "occurrences", "today", "progress", "account", "pause", "resume"]


async def _participant_token(app: Any) -> str:
    """A fresh participant in London and an API token for it, made directly: sign-up is not under test."""
    async with session_scope(app.state.alchemy) as session:
        participant = Participant(
            email=f"costly-{uuid.uuid4().hex[:10]}@bench.invalid",
            display_name="Bench",
            password_hash=await hash_password(secrets.token_urlsafe(16), "low"),
            time_zone="Europe/London",
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


async def _stored(app: Any, action_id: str) -> int:
    async with session_scope(app.state.alchemy) as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Occurrence)
            .where(Occurrence.key_action_id == uuid.UUID(action_id))
        )
        return int(count or 0)


async def run_all(settings: Settings, repeat: int, freeze_gc: bool) -> list[str]:
    app = create_app(settings, FrozenClock(NOW))
    lines = []
    async with AsyncTestClient(app):
        if freeze_gc:
            gc.collect()
            gc.freeze()
        for label, starts_at, rule in RULES:
            lines.append(await run_rule(app, label, starts_at, rule, repeat))
    return lines


def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument(
        "--repeat", type=int, default=1, help="create and read each rule this many times; worst kept"
    )
    parser.add_argument(
        "--freeze-gc", action="store_true", help="gc.freeze() once the app has started (see above)"
    )
    args = parser.parse_args()
    header = f"| rule | {' | '.join(f'{name} ms' for name in COLUMNS)} | worst ms | occurrences stored |"
    for kind in args.db:
        with database(kind) as settings:
            migrate.upgrade(settings)
            lines = asyncio.run(run_all(settings, args.repeat, args.freeze_gc))
        print(f"\n{kind}, now = {NOW.isoformat()}\n")
        print(header)
        print("|" + "---|" * (len(COLUMNS) + 3))
        print("\n".join(lines))


if __name__ == "__main__":
    main()
