"""Apps that live for the whole test session: one per settings (so one per database for the plain `app`).

Building an app and running its lifespan costs about 90 ms, more than most API tests take. A session-long
app must still give each test what a new app gave it: the test's own clock, and nothing remembered from
earlier tests. So the app holds a `TestClock` that reads whichever clock the running test handed it, and
`SharedApps.serve` forgets the read cache and re-applies the process-wide channel key (the last app built wins
it) before each test. Limits and everything else the app stores live in the database, where every test
already makes its own participants.
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from datetime import datetime

from litestar import Litestar
from litestar.testing import AsyncTestClient

from followthrough.app import create_app
from followthrough.clock import Clock
from followthrough.notifications.keys import use_channel_key
from followthrough.readcache import read_cache
from followthrough.settings import Settings


class TestClock(Clock):
    """The clock a session-long app holds: it tells the time of the running test's clock."""

    __test__ = False  # not a test class, whatever its name

    def __init__(self, current: Clock) -> None:
        self.current = current

    def now(self) -> datetime:
        return self.current.now()

    async def sleep_until(self, instant: datetime, wake: asyncio.Event) -> None:
        await self.current.sleep_until(instant, wake)


class SharedApps:
    """Builds each distinct settings' app once, runs its lifespan until `close`, and readies it per test."""

    def __init__(self) -> None:
        self._apps: dict[Settings, Litestar] = {}
        self._lifespans = AsyncExitStack()

    async def serve(self, settings: Settings, clock: Clock) -> Litestar:
        app = self._apps.get(settings)
        if app is None:
            app = create_app(settings, TestClock(clock))
            # The test client runs the lifespan (engine start-up, the read cache's listener) until `close`.
            await self._lifespans.enter_async_context(AsyncTestClient(app))
            self._apps[settings] = app
        app.state.clock.current = clock
        read_cache(app.state).clear()
        use_channel_key(settings)
        return app

    async def close(self) -> None:
        await self._lifespans.aclose()
        self._apps.clear()
