"""Behind a reverse proxy: `followthrough serve` and two real proxies, each its own process, on loopback.

Clients reach a proxy from their own addresses (Linux routes all of 127.0.0.0/8 to loopback). The server
trusts the proxy that reaches it from 127.0.0.5, not the one from 127.0.0.6. Which address it counts shows
in the per-address limit on failed sign-ins: 20 within the window, then 429. Each test uses its own client
addresses, so they share one server (starting one is most of the run time).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from followthrough import migrate
from followthrough.accounts.operations import create_participant
from followthrough.settings import Settings
from tests.support.receivers import free_port

ROOT = Path(__file__).resolve().parents[1]
FOLLOWTHROUGH = Path(sys.executable).parent / "followthrough"
TRUSTED_PROXY = "127.0.0.5"
OTHER_PROXY = "127.0.0.6"
FAILURES_PER_ADDRESS = Settings().sign_in_failures_per_address
SIGN_IN = "/api/v1/auth/sign-in"
B_EMAIL, B_PASSWORD = "b@example.com", "correct horse battery"


@dataclass
class Stack:
    server: str
    """The server's own address, for clients that bypass the proxies."""
    trusted_proxy: str
    other_proxy: str


def client(source: str, base: str) -> httpx.AsyncClient:
    """A client whose connections come from `source`."""
    transport = httpx.AsyncHTTPTransport(local_address=source)
    return httpx.AsyncClient(transport=transport, base_url=base, timeout=10)


async def _wait_until_live(url: str, process: subprocess.Popen[bytes], log: Callable[[], str]) -> None:
    """Poll a real process until it answers; the ceiling is for slow machines, not an assertion."""
    deadline = time.monotonic() + 90
    async with httpx.AsyncClient() as probe:
        while True:
            if process.poll() is not None:
                raise AssertionError(f"followthrough serve exited:\n{log()}")
            try:
                if (await probe.get(f"{url}/health/live")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"followthrough serve did not start:\n{log()}")
            await asyncio.sleep(0.1)


def _start_server(port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = [str(FOLLOWTHROUGH), "serve", "--port", str(port), "--no-migrate"]
    with log.open("ab") as output:
        return subprocess.Popen(command, env=env, stdout=output, stderr=output)


def _start_proxy(upstream_port: int, source: str) -> tuple[subprocess.Popen[bytes], str]:
    proxy = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.proxy",
            "--upstream",
            f"127.0.0.1:{upstream_port}",
            "--source",
            source,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )
    assert proxy.stdout is not None
    ready = proxy.stdout.readline()
    assert ready.startswith(b"listening "), ready
    return proxy, f"http://127.0.0.1:{int(ready.split()[1])}"


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    data_dir = tmp_path_factory.mktemp("proxy") / "data"
    settings = Settings(data_dir=data_dir, secret_key="proxy-test", password_hash_cost="low")
    await asyncio.to_thread(migrate.upgrade, settings)  # Alembic runs its own event loop
    await create_participant(settings, B_EMAIL, "B", "UTC", B_PASSWORD)
    port = free_port()
    env = {
        **os.environ,
        "FOLLOWTHROUGH_DATA_DIR": str(data_dir),
        "FOLLOWTHROUGH_SECRET_KEY": settings.secret_key,
        "FOLLOWTHROUGH_PASSWORD_HASH_COST": "low",
        "FOLLOWTHROUGH_VAPID_SUBJECT": "mailto:operator@example.com",
        "FOLLOWTHROUGH_TRUSTED_PROXIES": TRUSTED_PROXY,
    }
    log = data_dir.parent / "serve.log"
    server = _start_server(port, env, log)
    processes = [server]
    try:
        trusted, trusted_url = _start_proxy(port, TRUSTED_PROXY)
        processes.append(trusted)
        other, other_url = _start_proxy(port, OTHER_PROXY)
        processes.append(other)
        await _wait_until_live(f"http://127.0.0.1:{port}", server, log.read_text)
        yield Stack(server=f"http://127.0.0.1:{port}", trusted_proxy=trusted_url, other_proxy=other_url)
    finally:
        for process in processes:
            _stop(process)


async def _fail_sign_in(caller: httpx.AsyncClient, attempt: int) -> httpx.Response:
    """A wrong guess at a new email each time (so no account's own limit is reached), claiming another
    address in X-Forwarded-For each time, as an attacker would to escape the per-address limit."""
    return await caller.post(
        SIGN_IN,
        json={"email": f"nobody-{attempt}@example.com", "password": "wrong password"},
        headers={"X-Forwarded-For": f"203.0.113.{attempt}"},
    )


async def _lock_out(caller: httpx.AsyncClient) -> None:
    for attempt in range(FAILURES_PER_ADDRESS):
        response = await _fail_sign_in(caller, attempt)
        assert response.status_code == 401, response.text
    assert (await _fail_sign_in(caller, FAILURES_PER_ADDRESS)).status_code == 429


async def _sign_in_b(caller: httpx.AsyncClient) -> int:
    return (await caller.post(SIGN_IN, json={"email": B_EMAIL, "password": B_PASSWORD})).status_code


async def test_behind_a_trusted_proxy_each_client_has_its_own_failed_sign_in_limit(stack: Stack) -> None:
    async with client("127.0.0.2", stack.trusted_proxy) as a, client("127.0.0.3", stack.trusted_proxy) as b:
        # A's own X-Forwarded-For changes every time; only the address the proxy appended counts.
        await _lock_out(a)
        assert await _sign_in_b(b) == 200
        assert await _sign_in_b(a) == 429


async def test_a_client_cannot_claim_another_address_with_its_own_forwarded_for_header(stack: Stack) -> None:
    async with client("127.0.0.4", stack.server) as direct, client("127.0.0.4", stack.trusted_proxy) as via:
        await _lock_out(direct)
        # Whatever it claims, and whichever way it comes, it is still the address it connects from.
        assert await _sign_in_b(via) == 429


async def test_through_a_proxy_not_trusted_every_client_shares_its_address(stack: Stack) -> None:
    async with (
        client("127.0.0.7", stack.other_proxy) as c,
        client("127.0.0.8", stack.other_proxy) as b,
        client("127.0.0.8", stack.trusted_proxy) as b_trusted,
    ):
        await _lock_out(c)
        # The server sees only the untrusted proxy, so C's failures lock out B too: the reason
        # FOLLOWTHROUGH_TRUSTED_PROXIES exists. Through the trusted proxy, B is B.
        assert await _sign_in_b(b) == 429
        assert await _sign_in_b(b_trusted) == 200


def test_by_default_only_a_proxy_on_this_machine_is_trusted() -> None:
    assert Settings().trusted_proxies == "127.0.0.1,::1"


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("127.0.0.1", True),
        ("10.0.0.0/8, 192.168.1.10,::1", True),
        ("fd00::/8", True),
        ("*", True),
        ("10.0.0.1/8", False),  # host bits set: uvicorn would never match it
        ("proxy.local", False),
        ("127.0.0.1,", False),
    ],
)
def test_trusted_proxies_take_addresses_networks_or_a_star(value: str, accepted: bool) -> None:
    if accepted:
        assert Settings.from_env({"FOLLOWTHROUGH_TRUSTED_PROXIES": value}).trusted_proxies == value
    else:
        with pytest.raises(ValueError, match="FOLLOWTHROUGH_TRUSTED_PROXIES"):
            Settings.from_env({"FOLLOWTHROUGH_TRUSTED_PROXIES": value})
