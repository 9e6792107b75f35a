"""The announcement alone, on PostgreSQL: the CPU and wall time one write's NOTIFY adds in the process that
makes it, sent on a second pooled connection and transaction (as before issue 14) or as one more statement
inside the write's own transaction (since). A bare write, one INSERT in a transaction, is the floor.

    .venv/bin/python bench/announce_micro.py --writes 1000 --rounds 5

Each round runs the three in turn; medians over the rounds. A scratch database is created and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
NOTIFY = text("SELECT pg_notify(:channel, :payload)")
# As backend/followthrough/readcache.py sends it.
NOTIFY_IF_WRITTEN = text("SELECT pg_notify(:channel, :payload) WHERE txid_current_if_assigned() IS NOT NULL")
PARAMETERS = {"channel": "bench_writes", "payload": f"origin:{uuid.uuid4()}"}


async def write(engine: AsyncEngine, announce_inside: bool) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO written (value) VALUES (1)"))
        if announce_inside:
            await connection.execute(NOTIFY_IF_WRITTEN, PARAMETERS)


def ways(engine: AsyncEngine) -> dict[str, Callable[[], Awaitable[None]]]:
    async def bare() -> None:
        await write(engine, announce_inside=False)

    async def second_connection() -> None:
        await write(engine, announce_inside=False)
        async with engine.begin() as connection:
            await connection.execute(NOTIFY, PARAMETERS)

    async def own_transaction() -> None:
        await write(engine, announce_inside=True)

    return {"bare write": bare, "second connection": second_connection, "own transaction": own_transaction}


async def main(args: argparse.Namespace) -> None:
    name = f"ft_bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(ADMIN_DSN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    engine = create_async_engine(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE written (id serial PRIMARY KEY, value int)"))
        timings: dict[str, list[tuple[float, float]]] = {label: [] for label in ways(engine)}
        for _ in range(args.rounds):
            for label, way in ways(engine).items():
                for _ in range(args.writes // 20):  # warm-up
                    await way()
                cpu, wall = time.process_time(), time.perf_counter()
                for _ in range(args.writes):
                    await way()
                timings[label].append((time.process_time() - cpu, time.perf_counter() - wall))
        for label, runs in timings.items():
            cpu_ms = statistics.median(run[0] for run in runs) * 1000 / args.writes
            wall_ms = statistics.median(run[1] for run in runs) * 1000 / args.writes
            print(f"{label:<18} {cpu_ms:6.3f} ms CPU/write  {wall_ms:6.3f} ms wall/write")
    finally:
        await engine.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writes", type=int, default=1000, help="writes per way per round")
    parser.add_argument("--rounds", type=int, default=5)
    asyncio.run(main(parser.parse_args()))
