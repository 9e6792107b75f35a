"""Today and Progress are answered from memory until the participant writes, in this process or another.

Each test changes a row behind the API's back (straight in the database, as no API request would) to tell a
remembered answer from a fresh one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from uuid import UUID

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from followthrough.actions.models import KeyAction
from followthrough.app import create_app
from followthrough.clock import FrozenClock
from followthrough.readcache import read_cache
from followthrough.settings import Settings
from tests.conftest import Caller, Callers, Database
from tests.support.actions import create_action
from tests.support.checkins import check_in_body

# Other processes' writes arrive by NOTIFY on PostgreSQL.
pytestmark = pytest.mark.dialect

TODAY = "/api/v1/today"
PROGRESS = "/api/v1/progress"


async def rename_behind_the_apis_back(database: Database, action_id: str, title: str) -> None:
    async with database() as db:
        await db.execute(update(KeyAction).where(KeyAction.id == UUID(action_id)).values(title=title))


def titles(today: httpx.Response) -> list[str]:
    assert today.status_code == 200, today.text
    return [item["keyAction"]["title"] for item in today.json()["items"]]


async def test_today_is_answered_from_memory_until_i_write(owner: Caller, database: Database) -> None:
    action = await create_action(owner, title="Before")
    assert titles(await owner.get(TODAY)) == ["Before"]

    await rename_behind_the_apis_back(database, action["id"], "Behind the API's back")
    assert titles(await owner.get(TODAY)) == ["Before"]

    assert (await owner.post("/api/v1/check-ins", json=check_in_body(action))).status_code == 201
    today = await owner.get(TODAY)
    assert titles(today) == ["Behind the API's back"]
    assert today.json()["items"][0]["checkIn"]["result"] == "done"


async def test_a_new_local_day_is_computed_afresh(
    owner: Caller, database: Database, clock: FrozenClock
) -> None:
    action = await create_action(owner, title="Before")
    assert titles(await owner.get(TODAY)) == ["Before"]
    await rename_behind_the_apis_back(database, action["id"], "Next day")
    clock.set(clock.now().replace(day=clock.now().day + 1))
    assert titles(await owner.get(TODAY)) == ["Next day"]


async def test_one_participants_write_leaves_anothers_memory_alone(
    owner: Caller, stranger: Caller, database: Database
) -> None:
    mine = await create_action(owner, title="Mine")
    await create_action(stranger, title="Theirs")
    assert titles(await owner.get(TODAY)) == ["Mine"]
    await rename_behind_the_apis_back(database, mine["id"], "Renamed")

    await stranger.patch("/api/v1/account", json={"displayName": "Someone else"})

    assert titles(await owner.get(TODAY)) == ["Mine"]
    assert (await owner.get(PROGRESS)).status_code == 200


async def test_a_failed_write_still_ends_what_was_remembered(owner: Caller, database: Database) -> None:
    """A refused write changes nothing, but forgetting costs only one recomputation."""
    action = await create_action(owner, title="Before")
    assert titles(await owner.get(TODAY)) == ["Before"]
    await rename_behind_the_apis_back(database, action["id"], "After")
    refused = await owner.post("/api/v1/check-ins", json={**check_in_body(action), "result": "great"})
    assert refused.status_code == 400
    assert titles(await owner.get(TODAY)) == ["After"]


async def test_signing_out_ends_a_remembered_session_at_once(owner: Caller) -> None:
    assert (await owner.get(TODAY)).status_code == 200
    assert (await owner.get(TODAY)).status_code == 200  # now remembered
    assert (await owner.post("/api/v1/auth/sign-out")).status_code == 204
    assert (await owner.get(TODAY)).status_code == 401


@pytest.fixture
async def second_process(settings: Settings, clock: FrozenClock) -> AsyncIterator[Litestar]:
    """Another API process on the same database: its own memory, its own listening connection."""
    if settings.is_sqlite:
        pytest.skip("one API process serves SQLite; `serve --workers` needs PostgreSQL")
    other = create_app(settings, clock)
    async with AsyncTestClient(other):
        yield other


async def heard_of(app: Litestar, writes_before: int) -> None:
    """Waits (at most 10 s of wall time) until the app has heard of one more write."""
    deadline = time.monotonic() + 10
    while read_cache(app.state).invalidations <= writes_before:
        assert time.monotonic() < deadline, "the other process never heard of the write"
        await asyncio.sleep(0.01)


async def test_a_write_through_another_process_is_seen_at_once(
    app: Litestar, second_process: Litestar, owner: Caller, database: Database
) -> None:
    assert read_cache(app.state).enabled
    assert read_cache(second_process.state).enabled
    action = await create_action(owner, title="Before")
    assert titles(await owner.get(TODAY)) == ["Before"]
    await rename_behind_the_apis_back(database, action["id"], "After")
    writes_before = read_cache(app.state).invalidations

    transport = httpx.ASGITransport(app=second_process, client=("10.9.9.9", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as elsewhere:
        elsewhere.cookies = owner.client.cookies
        recorded = await elsewhere.post(
            "/api/v1/check-ins", json=check_in_body(action), headers={"x-csrf-token": owner.csrf_token}
        )
        assert recorded.status_code == 201, recorded.text
        await heard_of(app, writes_before)

        assert titles(await owner.get(TODAY)) == ["After"]


async def test_signing_out_through_another_process_ends_the_session_here(
    app: Litestar, second_process: Litestar, callers: Callers
) -> None:
    owner = await callers.participant(name="Roaming")
    assert (await owner.get(TODAY)).status_code == 200  # remembered here
    writes_before = read_cache(app.state).invalidations
    transport = httpx.ASGITransport(app=second_process, client=("10.9.9.8", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as elsewhere:
        elsewhere.cookies = owner.client.cookies
        signed_out = await elsewhere.post("/api/v1/auth/sign-out", headers={"x-csrf-token": owner.csrf_token})
        assert signed_out.status_code == 204
    await heard_of(app, writes_before)
    assert (await owner.get(TODAY)).status_code == 401
