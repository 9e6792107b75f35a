"""What announcing writes to other processes costs: POST /api/v1/check-ins with the read cache on and off.

With the read cache on (PostgreSQL), every write tells the other API processes which participant wrote, by
NOTIFY; with it off nothing is announced. The ratio of the two throughputs is the price of the cache on the
write path. It seeds bench/api.py's participants on PostgreSQL and runs one uvicorn process per
measurement, alternating cache on and off (and, with `--base`, this tree and another checkout of the project,
the "before"), each on a freshly seeded database. Besides requests per second it reports the server
process's CPU time per write (user + system, from /proc) over the measured requests.

    .venv/bin/python bench/announce.py --requests 1000 --rounds 3
    .venv/bin/python bench/announce.py --base /tmp/followthrough-base   # before and after, alternating

`--base` must be a checkout with its own .venv (`uv sync`) and the same database schema.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.api import (
    CHECK_INS,
    ROOT,
    UVICORN_FLAGS,
    RawConnection,
    Seeded,
    _check_in,
    _drive,
    _free_port,
    _run,
    database,
    seed,
)

from followthrough import migrate
from followthrough.actions.models import KeyAction, Occurrence
from followthrough.actions.occurrences import OccurrenceService
from followthrough.context import RequestContext
from followthrough.database import alchemy_config, session_scope
from followthrough.settings import Settings

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    tree: str
    cache: bool
    rps: float
    cpu_ms_per_write: float
    errors: int


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of one process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


@contextmanager
def serving(root: Path, env: dict[str, str]) -> Iterator[tuple[str, int]]:
    """One uvicorn process of the tree at `root`, run by that tree's own interpreter: its URL and pid."""
    port = _free_port()
    command = [str(root / ".venv/bin/python"), "-m", "uvicorn", "followthrough.cli:app_from_env"]
    process = subprocess.Popen([*command, *UVICORN_FLAGS, "--port", str(port)], cwd=root, env=env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"uvicorn in {root} exited with {process.returncode}")
            try:
                if httpx.get(base_url + "/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn in {root} did not become ready")
            time.sleep(0.2)
        yield base_url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


async def stored_past_hours(settings: Settings, seeded: Seeded) -> list[datetime]:
    """The writer's hourly occurrences due by now, every one since the action's start: one materialising pass
    stores a bounded number, so passes go on from where the last stopped."""
    now = datetime.now(UTC)
    config = alchemy_config(settings)
    try:
        async with session_scope(config) as session:
            action = await session.get_one(KeyAction, uuid.UUID(seeded.writer_action_id))
            zone = ZoneInfo("Europe/London")
            start = action.starts_at.replace(tzinfo=zone).astimezone(UTC)
            occurrences = OccurrenceService(RequestContext(session, start, settings))
            while action.occurrences_until is not None and action.occurrences_until < now:
                await occurrences.materialise([action], zone, now)
            due = await session.scalars(
                select(Occurrence.due_at)
                .where(Occurrence.key_action_id == action.id, Occurrence.due_at <= now)
                .order_by(Occurrence.due_at)
            )
            return list(due)
    finally:
        await config.get_engine().dispose()


async def write(base_url: str, pid: int, seeded: Seeded, first: int, args: argparse.Namespace) -> Run:
    headers = {"accept-encoding": "gzip", "authorization": f"Bearer {seeded.writer_token}"}
    check_in = _check_in(seeded)
    async with AsyncExitStack() as stack:
        connections = [
            await stack.enter_async_context(RawConnection(base_url, headers)) for _ in range(args.concurrency)
        ]
        await _drive(connections, check_in, first, args.warmup)
        cpu_before = cpu_seconds(pid)
        _, seconds, errors = await _drive(connections, check_in, first + args.warmup, args.requests)
        cpu = cpu_seconds(pid) - cpu_before
    return Run("", False, round(args.requests / seconds, 1), round(cpu * 1000 / args.requests, 2), errors)


def one_run(root: Path, cache: bool, args: argparse.Namespace) -> Run:
    """A fresh database each time, so every run checks in on the same number of stored occurrences."""
    with database("postgresql") as settings:
        migrate.upgrade(settings)
        seeded = asyncio.run(seed(settings, args.warmup + args.requests))
        seeded.writer_due = asyncio.run(stored_past_hours(settings, seeded))
        env = {
            **os.environ,
            "FOLLOWTHROUGH_DATA_DIR": str(settings.data_dir),
            "FOLLOWTHROUGH_DATABASE_URL": settings.database_url,
            "FOLLOWTHROUGH_SECRET_KEY": settings.secret_key,
            "FOLLOWTHROUGH_LOG_LEVEL": "WARNING",
            "FOLLOWTHROUGH_READ_CACHE": str(cache).lower(),
        }
        with serving(root, env) as (url, pid):
            return _run(write(url, pid, seeded, 0, args))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="measured check-ins per run")
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured check-ins before each run")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--base", type=Path, help="another checkout to measure as 'before'")
    args = parser.parse_args()
    trees = [("after", ROOT)] + ([("before", args.base.resolve())] if args.base else [])
    variants = [(name, root, cache) for name, root in trees for cache in (True, False)]
    runs: list[Run] = []
    for round_number in range(args.rounds):
        # Each round starts from another variant, so none always runs first or last.
        shift = round_number % len(variants)
        for name, root, cache in variants[shift:] + variants[:shift]:
            run = one_run(root, cache, args)
            run.tree, run.cache = name, cache
            runs.append(run)
            state = "on " if cache else "off"
            print(
                f"round {round_number + 1}: {name} cache {state} {run.rps:7.1f} req/s "
                f"{run.cpu_ms_per_write:5.2f} ms CPU/write ({run.errors} errors)",
                flush=True,
            )
    print(f"\nPOST {CHECK_INS}, PostgreSQL, concurrency {args.concurrency}, medians of {args.rounds} rounds:")
    for name, _ in trees:
        on = [run for run in runs if run.tree == name and run.cache]
        off = [run for run in runs if run.tree == name and not run.cache]
        ratios = [a.rps / b.rps for a, b in zip(on, off, strict=True)]
        print(
            f"  {name:<6} cache on {statistics.median(r.rps for r in on):7.1f} req/s "
            f"{statistics.median(r.cpu_ms_per_write for r in on):5.2f} ms CPU/write | "
            f"off {statistics.median(r.rps for r in off):7.1f} req/s "
            f"{statistics.median(r.cpu_ms_per_write for r in off):5.2f} ms CPU/write | "
            f"on/off {statistics.median(ratios):.2f}x"
        )


if __name__ == "__main__":
    main()
