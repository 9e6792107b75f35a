"""API benchmark: the reads people make most, one write, and a bare Litestar route as the baseline.

Endpoints: GET /api/v1/today and GET /api/v1/progress for a participant with history, POST
/api/v1/check-ins on distinct occurrences, and GET /api/v1/account as the floor every API read stands on
(token authentication, a database session, one row).

For each database it seeds a reader per `--years` (20 key actions, about 2,000 check-ins a year, the demo's
generator begun that many years ago) and a writer, starts one uvicorn process of the real app (one per
`--read-cache` setting) and one of `bench/baseline_app.py` with the same flags, and drives each endpoint over
a fixed number of keep-alive connections (the concurrency) for a fixed number of requests after a warm-up.
It prints requests per second, p50 and p99 latency, the ratio of throughput to the baseline, and what a
request cost the server: its CPU time (from /proc) and the SQL statements it sent (the app's own count,
`followthrough_db_statements_total` at /metrics; "-" for an app that does not count them). `--json` also
writes the figures to bench/results/. The machinery (server, load generator, costs) is in bench/load.py.

With the read cache on, every read after the warm-up is served from memory (warm); `--read-cache off` computes
each answer from the database, as the first read after a write does (cold).

    .venv/bin/python bench/api.py                       # both databases, 2,000 requests per endpoint
    .venv/bin/python bench/api.py --db sqlite --requests 500
    .venv/bin/python bench/api.py --mode reads --years 1 5 --read-cache off   # cold reads, 1 and 5 years
    .venv/bin/python bench/api.py --mode writes --requests 1000

PostgreSQL must be reachable at 127.0.0.1:5432 (trust auth, user postgres); a scratch database is created and
dropped. The load generator runs in this process, on the same machine as the servers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))
sys.path.insert(0, str(ROOT))  # bench.load, beside this file

from bench.load import MakeRequest, Request, Server, drive, percentile, run, server  # noqa: E402

from followthrough import migrate  # noqa: E402
from followthrough.actions.models import KeyAction, Occurrence  # noqa: E402
from followthrough.context import RequestContext  # noqa: E402
from followthrough.database import alchemy_config, session_scope  # noqa: E402
from followthrough.demo import materialise_history, seed_history  # noqa: E402
from followthrough.enums import ActionStatus, ScheduleKind  # noqa: E402
from followthrough.identity.auth import API_TOKEN_PREFIX, hash_token, new_token  # noqa: E402
from followthrough.identity.models import ApiToken, Participant  # noqa: E402
from followthrough.identity.passwords import hash_password  # noqa: E402
from followthrough.settings import Settings  # noqa: E402

PG_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
API = "/api/v1"
ACCOUNT = f"{API}/account"
TODAY = f"{API}/today"
PROGRESS = f"{API}/progress"
CHECK_INS = f"{API}/check-ins"
# The demo's six key actions plus fourteen more: 20 actions and about 2,000 check-ins a year.
EXTRA_ACTIONS = 14


@dataclass
class Seeded:
    reader_tokens: dict[int, str]
    """One reader per number of years of history."""
    writer_token: str
    writer_action_id: str
    writer_due: list[datetime]
    check_ins: dict[int, int]


@dataclass
class Result:
    endpoint: str
    db: str
    years: int | None
    read_cache: str
    requests: int
    concurrency: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_ms: float
    statements: float | None
    ratio: float | None = None


def _token(session: AsyncSession, participant: Participant) -> str:
    token = new_token(API_TOKEN_PREFIX)
    session.add(
        ApiToken(
            participant_id=participant.id, name="bench", token_hash=hash_token(token), token_prefix=token[:10]
        )
    )
    return token


async def seed(settings: Settings, years: list[int], writes: int) -> Seeded:
    """A reader per number of `years` of history, and a writer with `writes` past hourly occurrences to check
    in on."""
    now = datetime.now(UTC)
    config = alchemy_config(settings)
    try:
        async with session_scope(config) as session:
            # Nobody signs in as these two (they use API tokens); their password is random and unknown.
            password_hash = await hash_password(secrets.token_urlsafe(16), "low")
            readers = {
                count: Participant(
                    email=f"reader-{count}y@bench.invalid",
                    display_name="Reader",
                    password_hash=password_hash,
                    time_zone="Europe/London",
                )
                for count in years
            }
            writer = Participant(
                email="writer@bench.invalid",
                display_name="Writer",
                password_hash=password_hash,
                time_zone="Europe/London",
            )
            session.add_all([*readers.values(), writer])
            await session.flush()
            context = RequestContext(session, now, settings)
            check_ins = {
                count: (
                    await seed_history(context, reader, extra_actions=EXTRA_ACTIONS, years=count)
                ).check_ins
                for count, reader in readers.items()
            }
            zone = ZoneInfo(writer.time_zone)
            start = (
                (now - timedelta(hours=writes + 2)).astimezone(zone).replace(tzinfo=None, minute=0, second=0)
            )
            action = KeyAction(
                participant_id=writer.id,
                title="Drink a glass of water",
                schedule_kind=ScheduleKind.RECURRING,
                starts_at=start.replace(microsecond=0),
                rrule="FREQ=HOURLY",
                status=ActionStatus.ACTIVE,
                status_changed_at=now,
            )
            session.add(action)
            await session.flush()
            # From the action's start, so every past hour is stored (creating it now would backfill fewer).
            since = start.replace(microsecond=0, tzinfo=zone).astimezone(UTC)
            await materialise_history(context, action, zone, since, now + timedelta(hours=1))
            # Past occurrences only: a check-in's day must have come.
            due = list(
                await session.scalars(
                    select(Occurrence.due_at)
                    .where(Occurrence.participant_id == writer.id, Occurrence.due_at <= now)
                    .order_by(Occurrence.due_at)
                )
            )
            reader_tokens = {count: _token(session, reader) for count, reader in readers.items()}
            return Seeded(reader_tokens, _token(session, writer), str(action.id), due, check_ins)
    finally:
        await config.get_engine().dispose()


def _get(path: str) -> MakeRequest:
    return lambda _index: ("GET", path, None)


def _check_in(seeded: Seeded) -> MakeRequest:
    def make(index: int) -> Request:
        body = {
            "id": str(uuid.uuid4()),
            "keyActionId": seeded.writer_action_id,
            "occurrenceAt": seeded.writer_due[index].isoformat(),
            "result": "done",
        }
        return "POST", CHECK_INS, json.dumps(body).encode()

    return make


async def _pg(statement: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def database(kind: str) -> Iterator[Settings]:
    with tempfile.TemporaryDirectory(prefix="ft-bench-") as data_dir:
        if kind == "sqlite":
            yield Settings(data_dir=Path(data_dir), secret_key=secrets.token_urlsafe(32))
            return
        name = f"ft_bench_{uuid.uuid4().hex[:12]}"
        asyncio.run(_pg(f'CREATE DATABASE "{name}"'))
        try:
            url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
            yield Settings(data_dir=Path(data_dir), database_url=url, secret_key=secrets.token_urlsafe(32))
        finally:
            asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def measure(
    target: Server,
    endpoint: str,
    db: str,
    make: MakeRequest,
    args: argparse.Namespace,
    token: str | None = None,
    years: int | None = None,
    read_cache: str = "-",
    first: int = 0,
) -> Result:
    load = await drive(target, make, args, token, first)
    return Result(
        endpoint=endpoint,
        db=db,
        years=years,
        read_cache=read_cache,
        requests=args.requests,
        concurrency=args.concurrency,
        seconds=round(load.seconds, 3),
        rps=round(args.requests / load.seconds, 1),
        p50_ms=round(percentile(load.latencies, 0.5) * 1000, 2),
        p99_ms=round(percentile(load.latencies, 0.99) * 1000, 2),
        errors=load.errors,
        cpu_ms=round(load.cpu_ms_per_request, 2),
        statements=None if load.statements_per_request is None else round(load.statements_per_request, 2),
    )


def run_database(kind: str, args: argparse.Namespace) -> list[Result]:
    caches = ["on", "off"] if args.read_cache == "both" else [args.read_cache]
    writes = args.mode in ("writes", "all")
    with database(kind) as settings:
        migrate.upgrade(settings)
        per_pass = args.warmup + args.requests
        seeded = asyncio.run(seed(settings, args.years, per_pass * len(caches) if writes else 0))
        print(f"{kind}: seeded readers with check-ins per years {seeded.check_ins}", file=sys.stderr)
        results = []
        for number, cache in enumerate(caches):
            env = {
                "FOLLOWTHROUGH_DATA_DIR": str(settings.data_dir),
                "FOLLOWTHROUGH_DATABASE_URL": settings.database_url,
                "FOLLOWTHROUGH_SECRET_KEY": settings.secret_key,
                "FOLLOWTHROUGH_LOG_LEVEL": "WARNING",
                "FOLLOWTHROUGH_READ_CACHE": "true" if cache == "on" else "false",
            }
            with server(args.app, env, "/health/ready") as target:
                runs: list[tuple[str, MakeRequest, str, int | None, int]] = []
                if args.mode in ("reads", "all"):
                    # The floor under every API read: token authentication, a session, one row out.
                    first_reader = seeded.reader_tokens[args.years[0]]
                    runs.append((f"GET {ACCOUNT}", _get(ACCOUNT), first_reader, None, 0))
                    for years, token in seeded.reader_tokens.items():
                        runs.append((f"GET {TODAY}", _get(TODAY), token, years, 0))
                        runs.append((f"GET {PROGRESS}", _get(PROGRESS), token, years, 0))
                if writes:
                    # Each pass checks in on occurrences of its own, numbered after the earlier passes'.
                    runs.append((f"POST {CHECK_INS}", _check_in(seeded), seeded.writer_token, None, number))
                for endpoint, send, token, years, offset in runs:
                    work = measure(target, endpoint, kind, send, args, token, years, cache, offset * per_pass)
                    results.append(run(work))
                    print(
                        f"  {endpoint} ({years or '-'}y, cache {cache}): {results[-1].rps} req/s",
                        file=sys.stderr,
                    )
        return results


def run_baseline(args: argparse.Namespace) -> Result:
    with server("bench.baseline_app:create_app", {}, "/baseline") as target:
        return run(measure(target, "GET /baseline (bare Litestar)", "-", _get("/baseline"), args))


def table(results: list[Result]) -> str:
    lines = [
        f"| {'endpoint':<30} | {'db':<10} | {'years':>5} | {'cache':>5} | {'req/s':>8} | {'p50 ms':>7} "
        f"| {'p99 ms':>7} | {'vs baseline':>11} | {'SQL/req':>7} | {'CPU ms/req':>10} |",
        f"|{'-' * 32}|{'-' * 12}|{'-' * 7}|{'-' * 7}|{'-' * 10}|{'-' * 9}|{'-' * 9}|{'-' * 13}|{'-' * 9}|"
        f"{'-' * 12}|",
    ]
    for result in results:
        ratio = f"{result.ratio:.2f}" if result.ratio is not None else "1.00"
        statements = f"{result.statements:.2f}" if result.statements is not None else "-"
        lines.append(
            f"| {result.endpoint:<30} | {result.db:<10} | {result.years or '-':>5} | "
            f"{result.read_cache:>5} | {result.rps:>8.1f} | {result.p50_ms:>7.2f} | {result.p99_ms:>7.2f} | "
            f"{ratio:>11} | "
            f"{statements:>7} | {result.cpu_ms:>10.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--requests", type=int, default=2000, help="measured requests per endpoint")
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured requests before each measurement")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--years",
        type=int,
        nargs="+",
        default=[1],
        help="years of history of the reader; several values seed one reader each (e.g. --years 1 5)",
    )
    parser.add_argument(
        "--read-cache",
        choices=["on", "off", "both"],
        default="on",
        help="the app's read cache (FOLLOWTHROUGH_READ_CACHE): off computes every read from the database",
    )
    parser.add_argument(
        "--mode",
        choices=["reads", "writes", "all"],
        default="all",
        help="the GET endpoints, the POST of check-ins, or both",
    )
    parser.add_argument("--json", action="store_true", help="also write bench/results/api-<time>.json")
    parser.add_argument(
        "--client",
        choices=["raw", "httpx"],
        default="raw",
        help="load generator: a minimal keep-alive HTTP/1.1 client (default) or an httpx.AsyncClient pool",
    )
    parser.add_argument(
        "--app", default="followthrough.cli:app_from_env", help="uvicorn factory of the app under test"
    )
    args = parser.parse_args()
    if min(args.years) < 1:
        parser.error("--years must be at least 1")

    baseline = run_baseline(args)
    results = [baseline]
    for kind in args.db:
        results += run_database(kind, args)
    for result in results[1:]:
        result.ratio = round(result.rps / baseline.rps, 2)
    print(table(results))
    if args.json:
        out = ROOT / "bench" / "results" / f"api-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        machine = {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        }
        out.write_text(
            json.dumps(
                {"machine": machine, "args": vars(args), "results": [asdict(r) for r in results]}, indent=2
            )
        )
        print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
