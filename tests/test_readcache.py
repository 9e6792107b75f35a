"""Today and Progress are answered from memory until the participant writes, in this process or another.

Each test changes a row behind the API's back (straight in the database, as no API request would) to tell a
remembered answer from a fresh one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import UUID

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import event, update

from followthrough.actions.models import KeyAction
from followthrough.app import create_app
from followthrough.clock import FrozenClock
from followthrough.identity.models import Participant
from followthrough.readcache import announce_at_commit, read_cache
from followthrough.settings import Settings
from tests.conftest import Caller, Callers, Database
from tests.support.actions import create_action
from tests.support.checkins import CHECK_INS, check_in_body
from tests.support.statements import counting_statements

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

    assert (await owner.post(CHECK_INS, json=check_in_body(action))).status_code == 201
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
    refused = await owner.post(CHECK_INS, json={**check_in_body(action), "result": "great"})
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


async def heard_from(app: Litestar, participant_id: UUID, version_before: int) -> None:
    """Waits (at most 10 s of wall time) until the app has heard of a write by this participant. Other
    processes' notifications arrive in the order their transactions committed, so every one committed
    before it has been heard too."""
    deadline = time.monotonic() + 10
    while read_cache(app.state).version(participant_id) == version_before:
        assert time.monotonic() < deadline, "the other process never heard of the write"
        await asyncio.sleep(0.01)


@asynccontextmanager
async def through(process: Litestar, caller: Caller) -> AsyncIterator[httpx.AsyncClient]:
    """The caller's browser, signed in, talking to another API process."""
    transport = httpx.ASGITransport(app=process, client=("10.9.9.9", 50000))
    headers = {"x-csrf-token": caller.csrf_token}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=headers
    ) as client:
        client.cookies = caller.client.cookies
        yield client


async def test_a_write_through_another_process_is_seen_at_once(
    app: Litestar, second_process: Litestar, owner: Caller, database: Database
) -> None:
    assert read_cache(app.state).enabled
    assert read_cache(second_process.state).enabled
    action = await create_action(owner, title="Before")
    assert titles(await owner.get(TODAY)) == ["Before"]
    await rename_behind_the_apis_back(database, action["id"], "After")
    writes_before = read_cache(app.state).invalidations

    async with through(second_process, owner) as elsewhere:
        recorded = await elsewhere.post(CHECK_INS, json=check_in_body(action))
        assert recorded.status_code == 201, recorded.text
        await heard_of(app, writes_before)

        assert titles(await owner.get(TODAY)) == ["After"]


async def test_signing_out_through_another_process_ends_the_session_here(
    app: Litestar, second_process: Litestar, callers: Callers
) -> None:
    owner = await callers.participant(name="Roaming")
    assert (await owner.get(TODAY)).status_code == 200  # remembered here
    writes_before = read_cache(app.state).invalidations
    async with through(second_process, owner) as elsewhere:
        signed_out = await elsewhere.post("/api/v1/auth/sign-out")
        assert signed_out.status_code == 204
    await heard_of(app, writes_before)
    assert (await owner.get(TODAY)).status_code == 401


async def test_a_write_that_rolls_back_is_announced_to_no_other_process(
    app: Litestar, second_process: Litestar, owner: Caller, stranger: Caller, database: Database
) -> None:
    action = await create_action(owner, title="Before")
    assert titles(await owner.get(TODAY)) == ["Before"]
    await rename_behind_the_apis_back(database, action["id"], "Behind the API's back")
    cache = read_cache(app.state)
    owner_version, stranger_version = cache.version(UUID(owner.id)), cache.version(UUID(stranger.id))

    async with through(second_process, owner) as elsewhere:
        refused = await elsewhere.post(CHECK_INS, json={**check_in_body(action), "result": "great"})
        assert refused.status_code == 400
    async with through(second_process, stranger) as elsewhere:
        renamed = await elsewhere.patch("/api/v1/account", json={"displayName": "Someone else"})
        assert renamed.status_code == 200, renamed.text
    await heard_from(app, UUID(stranger.id), stranger_version)

    assert cache.version(UUID(owner.id)) == owner_version
    assert titles(await owner.get(TODAY)) == ["Before"]


async def test_only_a_transaction_that_changed_something_is_announced(
    app: Litestar, second_process: Litestar, owner: Caller, stranger: Caller, database: Database
) -> None:
    """Written straight through a session marked as a write of another process, committed once reading
    only, then once with a change the commit itself flushes."""
    cache = read_cache(app.state)
    owner_id, stranger_id = UUID(owner.id), UUID(stranger.id)
    owner_version, stranger_version = cache.version(owner_id), cache.version(stranger_id)

    async with database() as db:
        announce_at_commit(second_process.state, db, owner_id)
        await db.get_one(Participant, owner_id)
    async with database() as db:
        announce_at_commit(second_process.state, db, stranger_id)
        (await db.get_one(Participant, stranger_id)).display_name = "Changed at the commit"
    await heard_from(app, stranger_id, stranger_version)

    assert cache.version(owner_id) == owner_version


async def test_a_write_announces_itself_in_its_own_transaction(app: Litestar, owner: Caller) -> None:
    """One connection per write: the notification is the last statement before the write's COMMIT."""
    if app.state.settings.is_sqlite:
        pytest.skip("SQLite has one API process and no NOTIFY")
    action = await create_action(owner, title="Water")
    pool = app.state.alchemy.get_engine().sync_engine.pool
    checkouts: list[object] = []

    def checked_out(_dbapi_connection: object, connection_record: object, _proxy: object) -> None:
        checkouts.append(connection_record)

    event.listen(pool, "checkout", checked_out)
    try:
        with counting_statements(app) as statements:
            recorded = await owner.post(CHECK_INS, json=check_in_body(action))
    finally:
        event.remove(pool, "checkout", checked_out)

    assert recorded.status_code == 201, recorded.text
    assert len(checkouts) == 1
    assert "pg_notify" in statements[-1]
    assert sum("pg_notify" in statement for statement in statements) == 1, "\n".join(statements)
