"""The worker: a loop made of steps (detect, dispatch) that tests call one at a time.

Any number of workers may run side by side on PostgreSQL: detection is idempotent (and serialised by an
advisory lock), and dispatching claims rows under a lease. On SQLite one worker runs inside `serve`.
SIGTERM sets a flag; the loop finishes the batch it is sending, records it, and returns.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import datetime, timedelta
from uuid import UUID

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar import Litestar
from sqlalchemy import func, select

from followthrough.clock import Clock
from followthrough.database import alchemy_config, session_scope
from followthrough.notifications.keys import use_channel_key
from followthrough.reminders import dispatch, scheduler
from followthrough.reminders.dispatch import Job
from followthrough.reminders.models import Delivery
from followthrough.settings import Settings

logger = logging.getLogger(__name__)
RECORD_INTERVAL_SECONDS = 0.25


def worker_name() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Worker:
    def __init__(
        self,
        settings: Settings,
        clock: Clock | None = None,
        alchemy: SQLAlchemyAsyncConfig | None = None,
        name: str | None = None,
    ) -> None:
        use_channel_key(settings)
        self.settings = settings
        self.clock = clock or Clock()
        self._owns_engine = alchemy is None
        self.alchemy = alchemy or alchemy_config(settings)
        self.name = name or worker_name()
        self._stop = asyncio.Event()
        self._last_detect: datetime | None = None

    # --- the steps

    async def detect(self) -> int:
        """Queue whatever became due (reminders, nudges, weekly reviews); returns deliveries queued."""
        async with session_scope(self.alchemy) as session:
            queued = await scheduler.detect(session, self.clock.now(), self.settings)
        self._last_detect = self.clock.now()
        return queued

    async def dispatch(self) -> int:
        """Send one batch: mark what is too late as missed, claim what is due, send, record. Returns the
        deliveries claimed (0 means nothing was due)."""
        now = self.clock.now()
        async with session_scope(self.alchemy) as session:
            await dispatch.mark_missed(session, now, self.settings)
            ids = await dispatch.claim(session, now, self.settings, self.name)
        if not ids:
            return 0
        # The claim is committed: every row reads "sending" before anything is sent.
        async with session_scope(self.alchemy) as session:
            jobs = await dispatch.load_jobs(session, ids, self.settings)
        # Outcomes are written as sends finish, not once per batch: a worker killed mid-batch then leaves
        # only its last moments' sends unrecorded (those are sent again once its lease ends).
        finished = [job for job in jobs if job.skip is not None]
        holding = asyncio.create_task(self._hold_lease(ids))
        sending = asyncio.create_task(
            dispatch.send_all(jobs, self.settings, stopping=self._stop.is_set, finished=finished.append)
        )
        try:
            while not sending.done():
                await asyncio.wait({sending}, timeout=RECORD_INTERVAL_SECONDS)
                await self._record(finished)
            await sending
        finally:
            holding.cancel()
            with suppress(asyncio.CancelledError):
                await holding
        await self._record(finished)
        logger.debug("worker %s: batch of %d done", self.name, len(ids))
        return len(ids)

    async def _record(self, finished: list[Job]) -> None:
        """Write the outcomes of the jobs finished so far, taking them off the list."""
        if finished:
            batch = list(finished)
            finished.clear()
            async with session_scope(self.alchemy) as session:
                await dispatch.record_outcomes(session, batch, self.clock.now(), self.settings, self.name)

    async def _hold_lease(self, ids: list[UUID]) -> None:
        """Renew the lease every third of its length while the batch is being sent."""
        interval = max(self.settings.delivery_lease_seconds / 3, 0.5)
        while True:
            await asyncio.sleep(interval)
            async with session_scope(self.alchemy) as session:
                await dispatch.renew_lease(session, ids, self.clock.now(), self.settings, self.name)

    async def step(self) -> int:
        """Detect (at most once per poll interval) and dispatch one batch."""
        now = self.clock.now()
        poll = timedelta(seconds=self.settings.worker_poll_seconds)
        if self._last_detect is None or now - self._last_detect >= poll or now < self._last_detect:
            await self.detect()
        return await self.dispatch()

    async def seconds_until_due(self) -> float:
        """How long the loop may sleep: until the next delivery falls due, at most one poll interval."""
        poll = float(self.settings.worker_poll_seconds)
        async with session_scope(self.alchemy) as session:
            upcoming = await session.scalar(
                select(func.min(Delivery.next_attempt_at)).where(Delivery.status.in_(dispatch.CLAIMABLE))
            )
        if upcoming is None:
            return poll
        return min(poll, max((upcoming - self.clock.now()).total_seconds(), 0.0))

    # --- the loop

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    async def run(self) -> None:
        """Steps until `stop()`: straight on while there is work, else a pause until the next due time."""
        logger.info("worker %s started", self.name)
        try:
            while not self._stop.is_set():
                try:
                    claimed = await self.step()
                    pause = 0.0 if claimed else await self.seconds_until_due()
                except Exception:
                    logger.exception("worker step failed; trying again after a pause")
                    pause = float(self.settings.worker_poll_seconds)
                if pause > 0:
                    with suppress(TimeoutError):
                        await asyncio.wait_for(self._stop.wait(), pause)
        finally:
            await self.close()
            logger.info("worker %s stopped", self.name)

    async def close(self) -> None:
        """Release the worker's own engine (one it was given belongs to someone else)."""
        if self._owns_engine:
            await self.alchemy.get_engine().dispose()


async def run_until_signalled(settings: Settings) -> None:
    """`followthrough worker`: run until SIGTERM or SIGINT, then finish the batch in flight and exit."""
    worker = Worker(settings)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, worker.stop)
    await worker.run()


@asynccontextmanager
async def embedded_worker(app: Litestar) -> AsyncIterator[None]:
    """The worker inside the API process (the embedded SQLite default), with an engine of its own so that
    it can finish its batch after the app's engine has closed."""
    worker = Worker(app.state.settings, app.state.clock)
    task = asyncio.create_task(worker.run(), name="followthrough-worker")
    try:
        yield
    finally:
        worker.stop()
        await task
