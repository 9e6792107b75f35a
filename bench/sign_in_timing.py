"""Does the time of a sign-in or a sign-up tell whether an email is registered?

Runs the real app in this process (SQLite in a scratch folder, argon2 at the standard cost, the rate limits
raised so that they do not interfere) and times, alternately, sign-ins with a wrong password for a registered
email and for an unknown one, then sign-ups with a registered email and with free ones. Prints the median and
the spread of each, and the difference of the medians.

    .venv/bin/python bench/sign_in_timing.py             # 21 of each
    .venv/bin/python bench/sign_in_timing.py --rounds 51

Before issue 11 an unknown email answered sign-in in about 5 ms and a registered one in 105-470 ms: the
check skipped argon2 for an unknown email.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from litestar.testing import AsyncTestClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))

from followthrough import migrate  # noqa: E402
from followthrough.app import create_app  # noqa: E402
from followthrough.settings import Settings  # noqa: E402

SIGN_IN = "/api/v1/auth/sign-in"
SIGN_UP = "/api/v1/auth/sign-up"
PASSWORD = "correct horse battery"


async def timed(send: Callable[[], Awaitable[httpx.Response]], expected: int) -> float:
    started = time.perf_counter()
    response = await send()
    elapsed = time.perf_counter() - started
    assert response.status_code == expected, response.text
    return elapsed * 1000


def summary(name: str, times: list[float]) -> str:
    quartiles = statistics.quantiles(times, n=4)
    return (
        f"{name:<32} median {statistics.median(times):7.1f} ms"
        f"   quartiles {quartiles[0]:7.1f} - {quartiles[2]:7.1f} ms   (n={len(times)})"
    )


async def run(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            data_dir=Path(folder),  # keys are generated there; the hash cost is the standard one
            sign_in_failures_per_account=1_000_000,
            sign_in_failures_per_address=1_000_000,
            sign_ups_per_address=1_000_000,
        )
        await asyncio.to_thread(migrate.upgrade, settings)  # alembic runs its own event loop
        app = create_app(settings)
        async with AsyncTestClient(app):
            transport = httpx.ASGITransport(app=app, client=("192.0.2.1", 50000))
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

                def sign_up(email: str) -> Callable[[], Awaitable[httpx.Response]]:
                    body = {"email": email, "password": PASSWORD, "displayName": "Bench", "timeZone": "UTC"}
                    return lambda: client.post(SIGN_UP, json=body)

                def sign_in(email: str) -> Callable[[], Awaitable[httpx.Response]]:
                    return lambda: client.post(SIGN_IN, json={"email": email, "password": "a wrong password"})

                known = "known@example.com"
                await timed(sign_up(known), 202)
                await timed(sign_in("warm-up@example.com"), 401)  # first use of each code path
                await timed(sign_in(known), 401)

                known_in: list[float] = []
                unknown_in: list[float] = []
                taken_up: list[float] = []
                free_up: list[float] = []
                for _ in range(rounds):
                    known_in.append(await timed(sign_in(known), 401))
                    unknown_in.append(await timed(sign_in(f"{uuid.uuid4().hex}@example.com"), 401))
                for _ in range(rounds):
                    taken_up.append(await timed(sign_up(known), 202))
                    free_up.append(await timed(sign_up(f"{uuid.uuid4().hex}@example.com"), 202))

    print("argon2id at the standard cost; SQLite; the app in this process")
    for name, registered, other in (
        ("sign-in", known_in, unknown_in),
        ("sign-up", taken_up, free_up),
    ):
        print(summary(f"{name}, registered email", registered))
        print(summary(f"{name}, {'unknown' if name == 'sign-in' else 'free'} email", other))
        difference = statistics.median(registered) - statistics.median(other)
        print(f"{'':<32} difference of medians {difference:+.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21, help="requests of each kind")
    asyncio.run(run(parser.parse_args().rounds))


if __name__ == "__main__":
    main()
