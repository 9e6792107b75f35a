"""The API benchmark's machinery: a uvicorn server in its own process, a cheap load generator, and what a
measurement costs the server (its CPU time, and the SQL statements it sent, from its /metrics).

The default load generator is a minimal HTTP/1.1 client on uvloop: on a small machine it shares the CPU with
the server, and an httpx.AsyncClient pool (`--client httpx`) tops out near 600 requests per second at
concurrency 16 here, below what the bare baseline serves, so it would measure itself rather than the server.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx

ROOT = Path(__file__).resolve().parents[1]
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
STATEMENTS_METRIC = "followthrough_db_statements_total"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
Returned = TypeVar("Returned")

Request = tuple[str, str, bytes | None]
"""Method, path and JSON body of one request."""
MakeRequest = Callable[[int], Request]


@dataclass
class Server:
    base_url: str
    pid: int

    def cpu_seconds(self) -> float:
        """User and system CPU time of the server process and its children (uvicorn serves in the process it
        starts with --workers 1, but a reloader or a worker pool would fork), from /proc."""
        return sum(_process_cpu(pid) for pid in [self.pid, *_descendants(self.pid)])

    def statements(self) -> float | None:
        """The app's count of SQL statements sent (its /metrics), or None when it does not count them."""
        response = httpx.get(self.base_url + "/metrics", timeout=10)
        if response.status_code != 200:
            return None
        for line in response.text.splitlines():
            if line.startswith(STATEMENTS_METRIC + " "):
                return float(line.split()[1])
        return None


def _process_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    # After the command name: state is field 3, utime field 14 and stime field 15 (1-based, man 5 proc).
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, waiting = [], [pid]
    while waiting:
        for child in children.get(waiting.pop(), []):
            found.append(child)
            waiting.append(child)
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(target: str, env: dict[str, str], ready_path: str) -> Iterator[Server]:
    """One uvicorn process on 127.0.0.1; yields it once it answers `ready_path`."""
    port = _free_port()
    command = [sys.executable, "-m", "uvicorn", target, *UVICORN_FLAGS, "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env})
    base_url = f"http://127.0.0.1:{port}"
    try:
        # Generous: importing the app takes seconds, many more on a busy machine.
        deadline = time.monotonic() + 120
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
        yield Server(base_url, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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


@dataclass
class Load:
    latencies: list[float]
    seconds: float
    errors: int
    cpu_ms_per_request: float
    statements_per_request: float | None


async def drive(
    target: Server, make: MakeRequest, args: argparse.Namespace, token: str | None, first: int = 0
) -> Load:
    """`args.warmup` requests, then `args.requests` measured ones over `args.concurrency` connections,
    numbered from `first`; with the server's CPU time and SQL statements per measured request."""
    # Like the PWA: gzip accepted, so responses cost what they cost in production.
    headers = {"accept-encoding": "gzip", **({"authorization": f"Bearer {token}"} if token else {})}
    async with AsyncExitStack() as stack:
        connections: list[Connection] = []
        if args.client == "raw":
            for _ in range(args.concurrency):
                connections.append(await stack.enter_async_context(RawConnection(target.base_url, headers)))
        else:
            limits = httpx.Limits(
                max_connections=args.concurrency, max_keepalive_connections=args.concurrency
            )
            client = await stack.enter_async_context(
                httpx.AsyncClient(base_url=target.base_url, headers=headers, limits=limits, timeout=60)
            )
            connections = [HttpxConnection(client) for _ in range(args.concurrency)]
        await _drive(connections, make, first, args.warmup)
        statements_before = await asyncio.to_thread(target.statements)
        cpu_before = target.cpu_seconds()
        latencies, seconds, errors = await _drive(connections, make, first + args.warmup, args.requests)
        cpu_after = target.cpu_seconds()
        statements_after = await asyncio.to_thread(target.statements)
    per_request = None
    if statements_before is not None and statements_after is not None:
        # The second scrape's own reads are in its count; a third scrape tells what one costs.
        scrape_cost = (await asyncio.to_thread(target.statements) or 0.0) - statements_after
        per_request = (statements_after - statements_before - scrape_cost) / args.requests
    cpu_ms = (cpu_after - cpu_before) * 1000 / args.requests
    return Load(sorted(latencies), seconds, errors, cpu_ms, per_request)


def percentile(sorted_values: list[float], fraction: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))]


def run(work: Coroutine[None, None, Returned]) -> Returned:
    """The load generator runs on uvloop when it is installed (uvicorn serves on it too), else on asyncio."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(work)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(work)
