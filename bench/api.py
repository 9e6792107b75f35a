"""API benchmark: the reads people make most, one write, and a bare Litestar route as the baseline.

Endpoints: GET /api/v1/today and GET /api/v1/progress for a participant with a year of history, POST
/api/v1/check-ins on distinct occurrences, and GET /api/v1/account as the floor every API read stands on
(token authentication, a database session, one row).

For each database it seeds a participant with a year of history (20 key actions, about 2,000 check-ins, the
demo's generator), starts one uvicorn process of the real app and one of `bench/baseline_app.py` with the same
flags, and drives each endpoint over a fixed number of keep-alive connections (the concurrency) for a fixed
number of requests after a warm-up. It prints requests per second, p50 and p99 latency, and the ratio of
throughput to the baseline; `--json` also writes the figures to bench/results/.

The default load generator is a minimal HTTP/1.1 client on uvloop: on a small machine it shares the CPU with
the server, and an httpx.AsyncClient pool (`--client httpx`) tops out near 600 requests per second at
concurrency 16 here, below what the bare baseline serves, so it would measure itself rather than the server.

    .venv/bin/python bench/api.py                       # both databases, 2,000 requests per endpoint
    .venv/bin/python bench/api.py --db sqlite --requests 500

PostgreSQL must be reachable at 127.0.0.1:5432 (trust auth, user postgres); a scratch database is created and
dropped. The load generator runs in this process, on the same machine as the servers.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from contextlib import AsyncExitStack, contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))

from followthrough import migrate  # noqa: E402
from followthrough.actions.models import KeyAction, Occurrence  # noqa: E402
from followthrough.actions.occurrences import OccurrenceService  # noqa: E402
from followthrough.context import RequestContext  # noqa: E402
from followthrough.database import alchemy_config, session_scope  # noqa: E402
from followthrough.demo import seed_history  # noqa: E402
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
# The demo's six key actions plus fourteen more: 20 actions and about 2,000 check-ins over the year.
EXTRA_ACTIONS = 14
UVICORN_FLAGS = [
    "--factory",
    "--host",
    "127.0.0.1",
    "--workers",
    "1",
    "--no-access-log",
    "--log-level",
    "warning",
]


@dataclass
class Seeded:
    reader_token: str
    writer_token: str
    writer_action_id: str
    writer_due: list[datetime]
    check_ins: int
    key_actions: int


@dataclass
class Result:
    endpoint: str
    db: str
    requests: int
    concurrency: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    ratio: float | None = None


def _token(session: AsyncSession, participant: Participant) -> str:
    token = new_token(API_TOKEN_PREFIX)
    session.add(
        ApiToken(
            participant_id=participant.id, name="bench", token_hash=hash_token(token), token_prefix=token[:10]
        )
    )
    return token


async def seed(settings: Settings, writes: int) -> Seeded:
    """A reader with a year of history, and a writer with `writes` past hourly occurrences to check in on."""
    now = datetime.now(UTC)
    config = alchemy_config(settings)
    try:
        async with session_scope(config) as session:
            # Nobody signs in as these two (they use API tokens); their password is random and unknown.
            password_hash = await hash_password(secrets.token_urlsafe(16), "low")
            reader = Participant(
                email="reader@bench.invalid",
                display_name="Reader",
                password_hash=password_hash,
                time_zone="Europe/London",
            )
            writer = Participant(
                email="writer@bench.invalid",
                display_name="Writer",
                password_hash=password_hash,
                time_zone="Europe/London",
            )
            session.add_all([reader, writer])
            await session.flush()
            context = RequestContext(session, now, settings)
            counts = await seed_history(context, reader, extra_actions=EXTRA_ACTIONS)
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
            occurrences = OccurrenceService(replace(context, now=since))
            await occurrences.materialise([action], zone, now + occurrences.horizon)
            # Past occurrences only: a check-in's day must have come.
            due = list(
                await session.scalars(
                    select(Occurrence.due_at)
                    .where(Occurrence.participant_id == writer.id, Occurrence.due_at <= now)
                    .order_by(Occurrence.due_at)
                )
            )
            reader_token, writer_token = _token(session, reader), _token(session, writer)
            return Seeded(
                reader_token, writer_token, str(action.id), due, counts.check_ins, counts.key_actions
            )
    finally:
        await config.get_engine().dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(target: str, env: dict[str, str], ready_path: str) -> Iterator[str]:
    """One uvicorn process on 127.0.0.1; yields its base URL once it answers `ready_path`."""
    port = _free_port()
    command = [sys.executable, "-m", "uvicorn", target, *UVICORN_FLAGS, "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env})
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{target} exited with {process.returncode}")
            try:
                if httpx.get(base_url + ready_path, timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{target} did not become ready")
            time.sleep(0.2)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


Request = tuple[str, str, bytes | None]
"""Method, path and JSON body of one request."""
MakeRequest = Callable[[int], Request]


class RawConnection:
    """One keep-alive HTTP/1.1 connection that writes requests and reads responses with no parsing beyond the
    status line and the body's length. Far cheaper per request than httpx, so the load generator, which shares
    the machine with the server, takes as little CPU from it as possible."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        url = httpx.URL(base_url)
        self.host, self.port = url.host, url.port or 80
        lines = [f"Host: {self.host}:{self.port}", *(f"{name}: {value}" for name, value in headers.items())]
        self.headers = "\r\n".join(lines)

    async def __aenter__(self) -> RawConnection:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def __aexit__(self, *_: object) -> None:
        self.writer.close()
        await self.writer.wait_closed()

    async def send(self, method: str, path: str, body: bytes | None) -> tuple[int, bytes]:
        head = f"{method} {path} HTTP/1.1\r\n{self.headers}\r\n"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + (body or b""))
        header_block = await self.reader.readuntil(b"\r\n\r\n")
        status = int(header_block[9:12])
        headers = header_block.lower()
        marker = headers.find(b"content-length:")
        if marker >= 0:
            length = int(headers[marker + 15 : headers.index(b"\r\n", marker)])
            return status, await self.reader.readexactly(length)
        if b"transfer-encoding: chunked" not in headers:
            raise RuntimeError(f"a response without a length: {header_block!r}")
        chunks = []
        while size := int((await self.reader.readuntil(b"\r\n")).strip(), 16):
            chunks.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)
        await self.reader.readuntil(b"\r\n")
        return status, b"".join(chunks)


class HttpxConnection:
    """The same interface over one shared httpx.AsyncClient pool (`--client httpx`)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def __aenter__(self) -> HttpxConnection:
        return self

    async def __aexit__(self, *_: object) -> None:
        return None

    async def send(self, method: str, path: str, body: bytes | None) -> tuple[int, bytes]:
        headers = {"content-type": "application/json"} if body is not None else None
        response = await self.client.request(method, path, content=body, headers=headers)
        return response.status_code, response.content


Connection = RawConnection | HttpxConnection


async def _drive(
    connections: list[Connection], make: MakeRequest, first: int, count: int
) -> tuple[list[float], float, int]:
    """Each connection sends requests one after another until `count` have been sent in all."""
    counter = itertools.count(first)
    end = first + count
    latencies: list[float] = []
    errors = 0

    async def worker(connection: Connection) -> None:
        nonlocal errors
        while (index := next(counter)) < end:
            method, path, body = make(index)
            started = time.perf_counter()
            status, content = await connection.send(method, path, body)
            latencies.append(time.perf_counter() - started)
            if status >= 400:
                errors += 1
                if errors == 1:
                    print(f"  first error: {status} {content[:300]!r}", file=sys.stderr)

    started = time.perf_counter()
    await asyncio.gather(*(worker(connection) for connection in connections))
    return latencies, time.perf_counter() - started, errors


def _percentile(sorted_values: list[float], fraction: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))]


async def measure(
    base_url: str,
    endpoint: str,
    db: str,
    make: MakeRequest,
    args: argparse.Namespace,
    token: str | None = None,
) -> Result:
    # Like the PWA: gzip accepted, so responses cost what they cost in production.
    headers = {"accept-encoding": "gzip", **({"authorization": f"Bearer {token}"} if token else {})}
    async with AsyncExitStack() as stack:
        connections: list[Connection] = []
        if args.client == "raw":
            for _ in range(args.concurrency):
                connections.append(await stack.enter_async_context(RawConnection(base_url, headers)))
        else:
            limits = httpx.Limits(
                max_connections=args.concurrency, max_keepalive_connections=args.concurrency
            )
            client = await stack.enter_async_context(
                httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits, timeout=60)
            )
            connections = [HttpxConnection(client) for _ in range(args.concurrency)]
        await _drive(connections, make, 0, args.warmup)
        latencies, seconds, errors = await _drive(connections, make, args.warmup, args.requests)
    latencies.sort()
    return Result(
        endpoint=endpoint,
        db=db,
        requests=args.requests,
        concurrency=args.concurrency,
        seconds=round(seconds, 3),
        rps=round(args.requests / seconds, 1),
        p50_ms=round(_percentile(latencies, 0.5) * 1000, 2),
        p99_ms=round(_percentile(latencies, 0.99) * 1000, 2),
        errors=errors,
    )


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


def _run(work: Coroutine[None, None, Result]) -> Result:
    """The load generator runs on uvloop when it is installed (uvicorn serves on it too), else on asyncio."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(work)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(work)


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


def run_database(kind: str, args: argparse.Namespace) -> list[Result]:
    with database(kind) as settings:
        migrate.upgrade(settings)
        seeded = asyncio.run(seed(settings, args.warmup + args.requests))
        print(
            f"{kind}: seeded {seeded.key_actions} key actions, {seeded.check_ins} check-ins", file=sys.stderr
        )
        env = {
            "FOLLOWTHROUGH_DATA_DIR": str(settings.data_dir),
            "FOLLOWTHROUGH_DATABASE_URL": settings.database_url,
            "FOLLOWTHROUGH_SECRET_KEY": settings.secret_key,
            "FOLLOWTHROUGH_LOG_LEVEL": "WARNING",
        }
        results = []
        with server(args.app, env, "/health/ready") as base_url:
            for endpoint, send, token in [
                # The floor under every API read: token authentication, a session, one row out.
                (f"GET {ACCOUNT}", _get(ACCOUNT), seeded.reader_token),
                (f"GET {TODAY}", _get(TODAY), seeded.reader_token),
                (f"GET {PROGRESS}", _get(PROGRESS), seeded.reader_token),
                (f"POST {CHECK_INS}", _check_in(seeded), seeded.writer_token),
            ]:
                results.append(_run(measure(base_url, endpoint, kind, send, args, token)))
                print(f"  {endpoint}: {results[-1].rps} req/s", file=sys.stderr)
        return results


def run_baseline(args: argparse.Namespace) -> Result:
    with server("bench.baseline_app:create_app", {}, "/baseline") as base_url:
        return _run(measure(base_url, "GET /baseline (bare Litestar)", "-", _get("/baseline"), args))


def table(results: list[Result]) -> str:
    lines = [
        f"| {'endpoint':<32} | {'db':<10} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} "
        f"| {'vs baseline':>11} |",
        f"|{'-' * 34}|{'-' * 12}|{'-' * 10}|{'-' * 9}|{'-' * 9}|{'-' * 13}|",
    ]
    for result in results:
        ratio = f"{result.ratio:.2f}" if result.ratio is not None else "1.00"
        lines.append(
            f"| {result.endpoint:<32} | {result.db:<10} | {result.rps:>8.1f} | {result.p50_ms:>7.2f} | "
            f"{result.p99_ms:>7.2f} | {ratio:>11} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--requests", type=int, default=2000, help="measured requests per endpoint")
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured requests before each measurement")
    parser.add_argument("--concurrency", type=int, default=16)
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
