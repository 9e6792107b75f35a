"""The app's SQLite writers queue in the app's write queue, and a request that ends in any way, an error,
a client gone or a cancellation, lets the next writer in.

A request writes before it reads its body when its sign-in is due a touch (the session row's last_seen_at
is more than TOUCH_INTERVAL old): so, with the clock moved on, each request below holds the write lock
while its body is awaited, and the test decides how it ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import update

from followthrough.clock import FrozenClock
from followthrough.identity import Participant
from followthrough.writequeue import WriteQueue
from tests.conftest import Caller, Database
from tests.support.writequeue import queued

BARRIERS = "/api/v1/barriers"
BARRIER = {"title": "Tired after work", "level": "personal"}
DUE_A_TOUCH = timedelta(minutes=6)


async def test_a_write_request_waits_in_the_apps_queue_and_an_error_lets_the_next_writer_in(
    app: Litestar, owner: Caller, database: Database, clock: FrozenClock
) -> None:
    writers: WriteQueue = app.state.writers
    clock.advance(DUE_A_TOUCH)
    async with database() as holding:
        await holding.execute(update(Participant).where(Participant.id == owner.id).values(display_name="H"))
        failing = asyncio.create_task(owner.post(BARRIERS, json={**BARRIER, "level": "cosmic"}))
        await queued(writers, 1)
    assert (await failing).status_code == 400  # after it touched the sign-in: rolled back
    assert writers.holder is None

    assert (await owner.post(BARRIERS, json=BARRIER)).status_code == 201
    assert writers.holder is None


async def test_a_client_gone_while_its_request_holds_the_write_lock_lets_the_next_writer_in(
    app: Litestar, owner: Caller, clock: FrozenClock
) -> None:
    writers: WriteQueue = app.state.writers
    clock.advance(DUE_A_TOUCH)
    held: list[object | None] = []
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        held.append(writers.holder)
        return {"type": "http.disconnect"}  # what uvicorn hands over once the client has gone

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)  # uvicorn drops what is sent to a client that has gone

    await app(asgi_scope(owner, "POST", BARRIERS), receive, send)  # type: ignore[arg-type]

    assert held
    assert held[0] is not None  # it had touched the sign-in when it asked for its body
    assert sent[0]["status"] == 500  # Litestar: "client disconnected prematurely"
    assert writers.holder is None
    assert (await owner.post(BARRIERS, json=BARRIER)).status_code == 201


async def test_a_request_cancelled_while_it_holds_the_write_lock_lets_the_next_writer_in(
    app: Litestar, owner: Caller, clock: FrozenClock
) -> None:
    writers: WriteQueue = app.state.writers
    clock.advance(DUE_A_TOUCH)
    asked_for_body = asyncio.Event()

    async def body_never_sent() -> AsyncIterator[bytes]:
        asked_for_body.set()
        await asyncio.Event().wait()
        yield b"{}"

    request = asyncio.create_task(
        owner.post(BARRIERS, content=body_never_sent(), headers={"content-type": "application/json"})
    )
    await asked_for_body.wait()
    assert writers.holder is not None
    request.cancel()
    await asyncio.gather(request, return_exceptions=True)

    assert writers.holder is None
    assert (await owner.post(BARRIERS, json=BARRIER)).status_code == 201


def asgi_scope(caller: Caller, method: str, path: str) -> dict[str, Any]:
    """An HTTP request from `caller`'s browser (its cookie and CSRF token), as uvicorn would pass it on."""
    cookie = "; ".join(f"{name}={value}" for name, value in caller.client.cookies.items())
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"content-length", b"64"),
            (b"cookie", cookie.encode()),
            (b"x-csrf-token", caller.csrf_token.encode()),
        ],
        "client": ("10.9.9.9", 50000),
        "server": ("testserver", 80),
        "state": {},
    }


async def test_a_request_that_waits_out_the_queue_is_told_to_try_again_and_writes_nothing(
    app: Litestar, owner: Caller, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    writers: WriteQueue = app.state.writers
    timeout, writers.timeout = writers.timeout, 0.05  # the app's 30 s, shortened for this test only
    try:
        async with database() as holding:
            await holding.execute(
                update(Participant).where(Participant.id == owner.id).values(display_name="H")
            )
            answer = await owner.post(BARRIERS, json=BARRIER)
    finally:
        writers.timeout = timeout
    assert answer.status_code == 503, answer.text
    assert answer.json()["detail"] == "the database is busy; try again shortly"
    assert not [record for record in caplog.records if record.levelname == "ERROR" or record.exc_info]
    assert (await owner.get(BARRIERS)).json()["items"] == []
    assert writers.holder is None
