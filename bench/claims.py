"""Claim benchmark: one claim of a batch, and the worker's next-due lookup, with and without a backlog.

It creates four scratch PostgreSQL databases, upgrades them with the migrations and seeds each with the
same deliveries (1,000,000 by default): most sent long ago, some waiting over the next hour, and a block of
100,000 (by default) just past its moment, of which none is due ("empty": the block was sent), one batch
("batch") or all ("backlog"). A fourth holds nothing but one batch, due ("alone"): the queue without a
backlog or a history. Then it times, as the worker runs them, one claim of a batch (`claims.claim`, rolled
back each time so every claim finds the same rows) and the lookup of when the next claim will find something
(`Worker.seconds_until_due`), and prints medians in ms and the ratios of the backlog to the others. A claim
of a batch writes its rows, which a claim of nothing does not: the backlog's own cost is its ratio to
"batch" and to "alone".

With `--without-index` each round also measures with `ix_delivery_claimable` dropped (and then created
again), so the figures without the index come from the same run, alternating with those with it.
`BENCH_BACKEND=<checkout>/backend` runs the same measurements on another checkout's code and migrations
(e.g. a worktree at the commit before the index), for a before/after of the code as a whole.

    .venv/bin/python bench/claims.py                                  # 1,000,000 rows, 100,000 due
    .venv/bin/python bench/claims.py --without-index --rounds 3
    .venv/bin/python bench/claims.py --rows 200000 --due 20000 --repeats 30
    BENCH_BACKEND=/tmp/h-claims-base/backend .venv/bin/python bench/claims.py

PostgreSQL must be reachable at 127.0.0.1:5432 (trust auth, user postgres); scratch databases are created
and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, os.environ.get("BENCH_BACKEND", str(ROOT / "backend")))

from followthrough import migrate  # noqa: E402
from followthrough.clock import FrozenClock  # noqa: E402
from followthrough.database import alchemy_config  # noqa: E402
from followthrough.deliveries import claims  # noqa: E402
from followthrough.deliveries.worker import Worker  # noqa: E402
from followthrough.settings import Settings  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
INDEX = "ix_delivery_claimable"
INDEX_SQL = (
    f"CREATE INDEX {INDEX} ON delivery (next_attempt_at) WHERE status IN ('pending', 'retrying', 'sending')"
)
PARTICIPANT_SQL = """
INSERT INTO participant (id, email, display_name, password_hash, time_zone, review_weekday, review_time,
                         nudge_enabled, is_demo, created_at, updated_at)
VALUES ($1, 'bench@example.com', 'Bench', '-', 'UTC', 0, '18:00', false, false, now(), now())"""
CHANNEL_SQL = """
INSERT INTO channel (id, kind, label, url, masked_url, events, enabled, consecutive_failures, extra,
                     participant_id, created_at, updated_at)
VALUES ($1, 'apprise', 'Bench', '-', 'json://127.0.0.1/', '[]', true, 0, '{}', $2, now(), now())"""
# $1 now, $2 the block (just due, or sent), $3 how many of it are due, $4 rows waiting over the next hour,
# $5 rows in all, $6 the channel, $7 the participant
DELIVERIES_SQL = """
INSERT INTO delivery (id, event, subject_key, channel_id, due_at, status, next_attempt_at, attempts, payload,
                      participant_id, created_at, updated_at)
SELECT gen_random_uuid(), 'encouragement.received', 'bench:' || n, $6::uuid, moment, status, moment, 0, '{}',
       $7::uuid, now(), now()
FROM (
    SELECT n,
           CASE WHEN n <= $3::int THEN 'pending' WHEN n <= $2::int THEN 'sent'
                WHEN n <= $2::int + $4::int THEN 'pending' ELSE 'sent' END AS status,
           CASE WHEN n <= $2::int THEN $1::timestamptz - n * interval '5 ms'
                WHEN n <= $2::int + $4::int
                    THEN $1::timestamptz + interval '1 minute'
                         + (n - $2::int) * interval '1 hour' / greatest($4::int, 1)
                ELSE $1::timestamptz - interval '1 hour' - n * interval '7 s' END AS moment
    FROM generate_series(1, $5::int) AS n
) AS planned"""


@dataclass
class Scratch:
    label: str
    name: str
    settings: Settings
    due: int

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:5432/{self.name}"


async def admin(statement: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def bench_settings(data_dir: Path, database: str) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}",
        secret_key="bench-secret",  # noqa: S106 - a scratch database
        channel_key="bench-channel-key",
    )


async def scratch_database(
    label: str, due: int, now: datetime, arguments: argparse.Namespace, alone: bool = False
) -> Scratch:
    """A migrated database of `arguments.rows` deliveries, `due` of them due now (`alone`: only those)."""
    name = f"ft_bench_claims_{uuid.uuid4().hex[:10]}"
    await admin(f'CREATE DATABASE "{name}"')
    scratch = Scratch(label, name, bench_settings(arguments.data_dir / label, name), due)
    settings = scratch.settings
    await asyncio.to_thread(migrate.upgrade, settings)
    connection = await asyncpg.connect(scratch.dsn)
    try:
        person, channel = uuid.uuid4(), uuid.uuid4()
        await connection.execute(PARTICIPANT_SQL, person)
        await connection.execute(CHANNEL_SQL, channel, person)
        counts = (due, due, 0, due) if alone else (arguments.due, due, arguments.ahead, arguments.rows)
        await connection.execute(DELIVERIES_SQL, now, *counts, channel, person)
        await connection.execute("VACUUM ANALYZE delivery")
    finally:
        await connection.close()
    return scratch


async def set_index(scratch: Scratch, present: bool | None = None) -> bool:
    """Drop or create the index as asked (`None`: leave it); returns whether it is there."""
    connection = await asyncpg.connect(scratch.dsn)
    try:
        exists = bool(
            await connection.fetchval("SELECT count(*) FROM pg_indexes WHERE indexname = $1", INDEX)
        )
        if present is None or present == exists:
            return exists
        await connection.execute(INDEX_SQL if present else f"DROP INDEX {INDEX}")
        await connection.execute("ANALYZE delivery")
        return present
    finally:
        await connection.close()


async def median_ms(action: Callable[[], Awaitable[Any]], repeats: int) -> float:
    for _ in range(3):  # warm the connection, the caches and the prepared statements
        await action()
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        await action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


async def measure(scratch: Scratch, now: datetime, repeats: int) -> tuple[float, float]:
    """Medians of one claim (rolled back) and of one next-due lookup, in ms."""
    settings = scratch.settings
    alchemy = alchemy_config(settings)
    worker = Worker(settings, FrozenClock(now), alchemy, "bench-worker", rules={}, steps=())
    claimed: list[int] = []
    try:
        async with alchemy.get_session() as session:

            async def one_claim() -> None:
                claimed.append(len(await claims.claim(session, now, settings, "bench-worker")))
                await session.rollback()

            claim_ms = await median_ms(one_claim, repeats)
        next_due_ms = await median_ms(worker.seconds_until_due, repeats)
    finally:
        await alchemy.get_engine().dispose()
    expected = min(settings.worker_batch_size, scratch.due)
    if set(claimed) != {expected}:
        raise SystemExit(f"claims took {sorted(set(claimed))} rows, not {expected}")
    return claim_ms, next_due_ms


async def main(arguments: argparse.Namespace) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    batch = bench_settings(arguments.data_dir, "-").worker_batch_size
    print(
        f"{arguments.rows:,} deliveries, {arguments.ahead:,} of them waiting over the next hour; due now: "
        f"none (empty), one batch of {batch} (batch) or {arguments.due:,} (backlog); and a queue of only one "
        f"batch, due (alone). "
        f"Median of {arguments.repeats} per figure, in ms.",
        flush=True,
    )
    started = time.monotonic()
    scratches: list[Scratch] = []
    figures: dict[tuple[bool, str], list[tuple[float, float]]] = {}
    states: list[bool] = []
    try:
        for label, due in (("empty", 0), ("batch", batch), ("backlog", arguments.due)):
            scratches.append(await scratch_database(label, due, now, arguments))
        scratches.append(await scratch_database("alone", batch, now, arguments, alone=True))
        print(f"seeded and migrated in {time.monotonic() - started:.0f} s", flush=True)
        # The code measured may predate the index (`BENCH_BACKEND`); then there is nothing to drop.
        states = [await set_index(scratches[0])]
        if arguments.without_index and states == [True]:
            states.append(False)
        for round_number in range(1, arguments.rounds + 1):
            for present in states:
                for scratch in scratches:
                    if len(states) > 1:
                        await set_index(scratch, present)
                    claim_ms, next_due_ms = await measure(scratch, now, arguments.repeats)
                    figures.setdefault((present, scratch.label), []).append((claim_ms, next_due_ms))
                    print(
                        f"round {round_number}  {'with' if present else 'without'} index  {scratch.label:<8} "
                        f"claim {claim_ms:8.2f}   next due {next_due_ms:8.2f}",
                        flush=True,
                    )
    finally:
        for scratch in scratches:
            await admin(f'DROP DATABASE IF EXISTS "{scratch.name}" WITH (FORCE)')
    print("\nmedians of the rounds, ms      claim   next due")
    for present in states:
        name = "with index" if present else "without index"
        medians = {
            label: [statistics.median(values) for values in zip(*figures[(present, label)], strict=True)]
            for label in ("empty", "alone", "batch", "backlog")
        }
        for label, (claim_ms, next_due_ms) in medians.items():
            print(f"  {name:<14} {label:<8} {claim_ms:9.2f} {next_due_ms:10.2f}")
        for base in ("batch", "alone", "empty"):
            ratios = [mine / theirs for mine, theirs in zip(medians["backlog"], medians[base], strict=True)]
            print(f"  {name:<14} backlog / {base:<6} {ratios[0]:7.2f}x {ratios[1]:9.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="deliveries in each database")
    parser.add_argument("--due", type=int, default=100_000, help="deliveries due in the backlog")
    parser.add_argument("--ahead", type=int, default=10_000, help="deliveries waiting over the next hour")
    parser.add_argument("--repeats", type=int, default=50, help="timings per figure (the median is shown)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each measuring every case once")
    parser.add_argument("--without-index", action="store_true", help="also measure with the index dropped")
    with tempfile.TemporaryDirectory(prefix="bench-claims-") as data_dir:
        asyncio.run(main(parser.parse_args(namespace=argparse.Namespace(data_dir=Path(data_dir)))))
