"""Fixtures shared by every API test: a real database, a pinned clock and signed-in callers.

Each database is created and migrated once per run (through Alembic, as in production) and dropped at the
end; tests stay independent by making their own participants rather than by truncating tables.

Tests run on SQLite. Those where the dialect matters (locks, leases, SKIP LOCKED, NOTIFY, migrations,
dialect-specific SQL) are marked `@pytest.mark.dialect` (or `pytestmark = pytest.mark.dialect` for a whole
module) and run on PostgreSQL as well.

`app` is built once per database per session (see tests/support/apps.py); each test still gets its own
clock, and the app forgets what it remembered for earlier tests.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from followthrough import migrate
from followthrough.clock import FrozenClock
from followthrough.database import session_scope
from followthrough.notifications import egress, native
from followthrough.settings import Settings
from tests.support.apps import SharedApps

PG_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
# A Monday morning in London, outside any daylight-saving change.
DEFAULT_NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
VAPID_SUBJECT = "mailto:operator@example.com"
DATABASES = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that uses `settings` runs on SQLite; a test marked `dialect` runs on PostgreSQL too."""
    if "settings" in metafunc.fixturenames:
        dialect_matters = metafunc.definition.get_closest_marker("dialect") is not None
        metafunc.parametrize("settings", DATABASES if dialect_matters else DATABASES[:1], indirect=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked `slow` first, keeping the order otherwise: with pytest-xdist they then start at once
    on different processes, rather than leave one process running them after the others have finished."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pg_admin(statement: str) -> None:
    async def run() -> None:
        connection = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run())


@pytest.fixture(scope="session", autouse=True)
def egress_installed() -> None:
    """What `create_app` and `followthrough worker` install at start, for tests that send without either
    (tests/test_egress.py proves, in a fresh interpreter, that nothing is installed before that)."""
    egress.install()


@pytest.fixture(scope="session", autouse=True)
async def close_connection_pools() -> AsyncIterator[None]:
    """Tests that call the transport directly leave its connection pool open on the shared event loop."""
    yield
    await native.close_pools()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    name = f"ft_test_{uuid.uuid4().hex[:12]}"
    pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def settings(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    database = getattr(request, "param", DATABASES[0])
    data_dir = tmp_path_factory.mktemp(f"data-{database}")
    database_url = ""
    if database == "postgresql":
        database_url = request.getfixturevalue("postgres_database")
    settings = Settings(
        data_dir=data_dir,
        database_url=database_url,
        secret_key="test-secret-key",
        channel_key="test-channel-key",
        channel_allowed_hosts="127.0.0.1,::1,localhost",
        password_hash_cost="low",
        # Push services refuse a JWT whose subject is not mailto: or https: (the local one too).
        vapid_subject=VAPID_SUBJECT,
    )
    migrate.upgrade(settings)
    return settings


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(DEFAULT_NOW)


@pytest.fixture(scope="session")
async def shared_apps(settings: Settings) -> AsyncIterator[SharedApps]:
    """The apps of one database, closed before its database is dropped."""
    apps = SharedApps()
    yield apps
    await apps.close()


@pytest.fixture
async def app(settings: Settings, clock: FrozenClock, shared_apps: SharedApps) -> Litestar:
    return await shared_apps.serve(settings, clock)


@dataclass
class Caller:
    """One person's browser: its own cookie jar and the CSRF token its session was given."""

    client: httpx.AsyncClient
    csrf_token: str = ""
    participant: dict[str, Any] = field(default_factory=dict)
    email: str = ""
    password: str = ""

    @property
    def id(self) -> str:
        return str(self.participant["id"])

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {"x-csrf-token": self.csrf_token, **kwargs.pop("headers", {})}
        return await self.client.request(method, url, headers=headers, **kwargs)

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", url, **kwargs)

    async def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PATCH", url, **kwargs)

    async def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PUT", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("DELETE", url, **kwargs)


class Callers:
    """Makes anonymous and signed-up callers against one app."""

    def __init__(self, app: Litestar) -> None:
        self.app = app
        self._clients: list[httpx.AsyncClient] = []

    def anonymous(self) -> Caller:
        # Each caller is its own device with its own address, so per-address limits do not leak between tests.
        address = "10.{}.{}.{}".format(*uuid.uuid4().bytes[:3])
        transport = httpx.ASGITransport(app=self.app, client=(address, 50000))
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        self._clients.append(client)
        return Caller(client)

    async def participant(self, time_zone: str = "Europe/London", name: str = "Ada") -> Caller:
        """A new account, signed up and then signed in as the app does (sign-up itself signs no one in)."""
        caller = self.anonymous()
        caller.email = f"{name.lower()}-{uuid.uuid4().hex[:10]}@example.com"
        caller.password = "correct horse battery"
        response = await caller.client.post(
            "/api/v1/auth/sign-up",
            json={
                "email": caller.email,
                "password": caller.password,
                "displayName": name,
                "timeZone": time_zone,
            },
        )
        assert response.status_code == 202, response.text
        response = await caller.client.post(
            "/api/v1/auth/sign-in", json={"email": caller.email, "password": caller.password}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        caller.csrf_token = body["csrfToken"]
        caller.participant = body["participant"]
        return caller

    async def close(self) -> None:
        for client in self._clients:
            await client.aclose()


@pytest.fixture
async def callers(app: Litestar) -> AsyncIterator[Callers]:
    made = Callers(app)
    yield made
    await made.close()


@pytest.fixture
async def owner(callers: Callers) -> Caller:
    return await callers.participant(name="Owner")


@pytest.fixture
async def stranger(callers: Callers) -> Caller:
    return await callers.participant(name="Stranger")


Database = Callable[[], AbstractAsyncContextManager[AsyncSession]]


@pytest.fixture
def database(app: Litestar) -> Database:
    """Direct access to the app's database, for asserting on what is stored."""
    return lambda: session_scope(app.state.alchemy)
