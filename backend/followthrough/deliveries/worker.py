"""The worker: a loop made of steps (detect, dispatch) that tests call one at a time. What it detects (the
steps) and each event's rules are given to it by composition (`followthrough.worker_setup`).

Any number of workers may run side by side on PostgreSQL: detection is idempotent (and serialised by an
advisory lock), and dispatching claims rows under a lease. On SQLite one worker runs inside `serve`.
SIGTERM sets a flag; the loop finishes the batch it is sending, records it, and returns. A running worker
keeps a heartbeat (`heartbeat.py`), so that if it dies another takes over what it held within seconds.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable, Sequence
from contextlib import suppress
from datetime import datetime, timedelta
from uuid import UUID

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig

from followthrough.clock import Clock
from followthrough.database import alchemy_config, session_scope
from followthrough.deliveries import claims, dispatch, figures, heartbeat
from followthrough.deliveries.detection import Step, detect
from followthrough.deliveries.dispatch import Job, Rules
from followthrough.deliveries.heartbeat import Heart
from followthrough.notifications import Pools, load_plugins, use_channel_key, using_pools
from followthrough.settings import Settings

logger = logging.getLogger(__name__)
RECORD_INTERVAL_SECONDS = 0.25
# Batches one worker sends at once (each of up to `worker_batch_size`): enough to hold a large burst built
# ahead of its moment.
BATCHES_IN_FLIGHT = 200


def worker_host() -> str:
    """The first part of a worker's name: how `followthrough worker --check` finds this host's worker."""
    return socket.gethostname()[:30]


def worker_name() -> str:
    return f"{worker_host()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Worker:
    def __init__(
        self,
        settings: Settings,
        clock: Clock | None = None,
        alchemy: SQLAlchemyAsyncConfig | None = None,
        name: str | None = None,
        *,
        rules: Rules,
        steps: Sequence[Step],
    ) -> None:
        use_channel_key(settings)
        self.settings = settings
        self.rules = rules
        self.steps = tuple(steps)
        self.clock = clock or Clock()
        self._owns_engine = alchemy is None
        self.alchemy = alchemy or alchemy_config(settings)
        self.name = name or worker_name()
        self._stop = asyncio.Event()
        self._last_detect: datetime | None = None
        self.pools = Pools()
        self._finished: list[Job] = []
        self._recording = asyncio.Lock()
        self._recorder: asyncio.Task[None] | None = None
        self._batches_sending = 0
        self._moments: dict[datetime, asyncio.Task[set[UUID]]] = {}
        # The jobs waiting for each moment, confirmed together when it comes.
        self._waiting: dict[datetime, set[UUID]] = {}
        # Claimed rows not yet done with: never claimed a second time, even if a lease runs out meanwhile.
        self._in_hand: set[UUID] = set()
        self.heart = Heart(settings)
        self._beating = False
        # Sends in flight, shared by all the batches this worker holds.
        self._slots = asyncio.Semaphore(settings.worker_send_concurrency)

    # --- the steps

    async def detect(self) -> int:
        """Queue whatever became due (the detection steps: reminders, nudges, weekly reviews, partner news);
        returns deliveries queued."""
        async with session_scope(self.alchemy) as session:
            queued = await detect(session, self.clock.now(), self.settings, self.steps)
        self._last_detect = self.clock.now()
        return queued

    async def dispatch(self) -> int:
        """Claim one batch and send it, each message at its moment, recording the outcomes. Returns the
        deliveries claimed (0 means nothing was due)."""
        batch = await self.claim()
        if batch:
            with using_pools(self.pools):
                await self.send(batch)
        return len(batch)

    async def claim(self) -> dict[UUID, datetime]:
        """Mark what is too late as missed, then claim a batch of what is due now or within the preparation
        window, with the moment each may leave. A running worker beats in the same transaction, so what it
        claims cannot be taken for a dead worker's for a few beats."""
        now = self.clock.now()
        async with session_scope(self.alchemy) as session:
            if self._beating:
                await heartbeat.beat(session, self.name, now)
            await claims.mark_missed(session, now, self.settings)
            batch = await claims.claim(session, now, self.settings, self.name, self._in_hand)
        if self._beating:
            self.heart.last_beat = now
        self._in_hand.update(batch)
        return batch

    async def send(self, batch: dict[UUID, datetime]) -> None:
        """Send a claimed batch and record its outcomes. The claim is committed, so every row reads
        "sending" before anything is sent."""
        ids = list(batch)
        try:
            await self._send(ids, batch)
        finally:
            self._in_hand.difference_update(ids)

    async def _send(self, ids: list[UUID], batch: dict[UUID, datetime]) -> None:
        async with session_scope(self.alchemy) as session:
            jobs = await dispatch.load_jobs(session, batch, self.settings, self.clock.now(), self.rules)
        # Outcomes are written as sends finish, not once per batch: a worker killed mid-batch then leaves
        # only its last moments' sends unrecorded (those are sent again once its lease ends). All batches
        # share one list and one recorder, so a burst spread over many batches is written in a few
        # transactions rather than one per batch per interval.
        self._finished.extend(job for job in jobs if job.skip is not None)
        holding = asyncio.create_task(self._hold_lease(ids))
        self._batches_sending += 1
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._record_while_sending())
        try:
            await dispatch.send_all(
                jobs,
                self.settings,
                stopping=self._must_not_send,
                finished=self._finished_one,
                gate=self._gate,
                slots=self._slots,
            )
        finally:
            self._batches_sending -= 1
            holding.cancel()
            with suppress(asyncio.CancelledError):
                await holding
        await self._record()
        logger.debug("worker %s: batch of %d done", self.name, len(ids))

    def _finished_one(self, job: Job) -> None:
        self._finished.append(job)
        if job.skip is None:  # attempted: the lateness is measured at the send, not when it is recorded
            figures.observe_send(job.delivery.due_at, self.clock.now(), failed=job.error is not None)

    def _must_not_send(self) -> bool:
        """Stopping, or fenced: a worker whose heartbeat could not be written lately may already have
        been taken for dead, and what it holds claimed by another."""
        return self._stop.is_set() or not self.heart.alive(self.clock.now())

    async def _gate(self, job: Job) -> None:
        """A claimed job waits here for its moment; a stop sends it back to the queue instead, and one this
        worker no longer holds at its moment is withdrawn."""
        if job.leaves_at is not None and job.leaves_at > self.clock.now():
            self._waiting.setdefault(job.leaves_at, set()).add(job.delivery.id)
            withdrawn = await asyncio.shield(self._moment(job.leaves_at))
            if job.delivery.id in withdrawn:
                raise dispatch.Withdrawn
        if self._stop.is_set():
            raise dispatch.Released

    def _moment(self, instant: datetime) -> asyncio.Task[set[UUID]]:
        """One wait per moment, however many jobs share it: a burst wakes through one timer."""
        waiting = self._moments.get(instant)
        if waiting is None:
            waiting = asyncio.create_task(self._at_moment(instant))
            self._moments[instant] = waiting
            waiting.add_done_callback(lambda _: self._moments.pop(instant, None))
        return waiting

    async def _at_moment(self, instant: datetime) -> set[UUID]:
        """Wait for `instant`, then confirm which of the jobs waiting for it this worker still holds (quiet
        hours may have moved some since they were claimed); returns the ones it does not. A worker that
        cannot confirm gives them all back. A running worker beats in the same transaction."""
        await self.clock.sleep_until(instant, self._stop)
        ids = self._waiting.pop(instant, set())
        if self._stop.is_set() or not ids:
            return set()
        now = self.clock.now()
        try:
            async with session_scope(self.alchemy) as session:
                if self._beating:
                    await heartbeat.beat(session, self.name, now)
                held = await claims.still_held(session, ids, self.name)
        except Exception:
            logger.exception("worker %s: could not confirm its claims at their moment", self.name)
            raise dispatch.Released from None
        if self._beating:
            self.heart.last_beat = now
        return ids - held

    async def _record(self) -> None:
        """Write the outcomes of the jobs finished so far, in every batch, taking them off the list. One
        write at a time: whoever waits for the lock then takes all that finished meanwhile."""
        async with self._recording:
            if not self._finished:
                return
            # The same list stays in place: batches under way hold its `append`.
            taken = self._finished.copy()
            self._finished.clear()
            try:
                async with session_scope(self.alchemy) as session:
                    await dispatch.record_outcomes(session, taken, self.clock.now(), self.settings, self.name)
            except BaseException:
                self._finished[:0] = taken  # not written: the next write tries them again
                raise

    async def _record_while_sending(self) -> None:
        """While any batch is sending, write what has finished once per interval."""
        while self._batches_sending:
            await asyncio.sleep(RECORD_INTERVAL_SECONDS)
            try:
                await self._record()
            except Exception:
                logger.exception("recording outcomes failed; trying again")

    async def _hold_lease(self, ids: list[UUID]) -> None:
        """Renew the lease every third of its length while the batch is being sent."""
        interval = max(self.settings.delivery_lease_seconds / 3, 0.5)
        while True:
            await asyncio.sleep(interval)
            async with session_scope(self.alchemy) as session:
                await claims.renew_lease(session, ids, self.clock.now(), self.settings, self.name)

    async def beat(self) -> None:
        """Record that this worker is alive."""
        now = self.clock.now()
        async with session_scope(self.alchemy) as session:
            await heartbeat.beat(session, self.name, now)
        self._beating = True
        self.heart.last_beat = now
        figures.worker_heartbeat.set(now.timestamp())

    async def _beat_while_running(self) -> None:
        while True:
            await asyncio.sleep(self.settings.worker_heartbeat_seconds)
            try:
                await self.beat()
            except Exception:
                logger.exception("worker %s: the heartbeat could not be written; trying again", self.name)

    async def seconds_until_due(self) -> float:
        """How long the loop may sleep: until the next delivery can be claimed (its moment less the
        preparation window, a lease's end, or when a silent worker holding deliveries is taken for dead),
        at most one poll interval."""
        poll = float(self.settings.worker_poll_seconds)
        async with session_scope(self.alchemy) as session:
            upcoming = await claims.next_claim_at(session, self.settings, self.name)
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
        """Until `stop()`: detect once per poll interval, and keep claiming batches while anything can be
        claimed. A batch that is due is sent before the next claim; one claimed ahead of its moment waits
        in a task of its own, so that a burst is all built by the time it falls due. Then a pause until
        the next delivery can be claimed."""
        logger.info("worker %s started", self.name)
        # Apprise loads its 180-odd plugins on first use (most of a second): now, not when a reminder is due.
        load_plugins()
        batches: set[asyncio.Task[None]] = set()
        try:
            await self.beat()
        except Exception:
            logger.exception("worker %s: the first heartbeat could not be written", self.name)
        beating = asyncio.create_task(self._beat_while_running())
        try:
            while not self._stop.is_set():
                try:
                    pause = await self._turn(batches)
                except Exception:
                    logger.exception("worker step failed; trying again after a pause")
                    pause = float(self.settings.worker_poll_seconds)
                if pause > 0:
                    with suppress(TimeoutError):
                        await asyncio.wait_for(self._stop.wait(), pause)
        finally:
            # Batches waiting for their moment wake at the stop and hand their jobs back; sends under way end.
            await asyncio.gather(*batches, return_exceptions=True)
            beating.cancel()
            with suppress(asyncio.CancelledError):
                await beating
            await self._stop_beating()
            await self.close()
            logger.info("worker %s stopped", self.name)

    async def _turn(self, batches: set[asyncio.Task[None]]) -> float:
        """Detect if due, claim a batch and start sending it; returns how long to pause."""
        now = self.clock.now()
        poll = timedelta(seconds=self.settings.worker_poll_seconds)
        if self._last_detect is None or now - self._last_detect >= poll or now < self._last_detect:
            await self.detect()
        if len(batches) >= BATCHES_IN_FLIGHT:
            await asyncio.wait(batches, return_when=asyncio.FIRST_COMPLETED)
            return 0.0
        batch = await self.claim()
        if not batch:
            return await self.seconds_until_due()
        with using_pools(self.pools):
            if min(batch.values()) <= now:
                # Due already: sent before claiming more, so a stop leaves the rest in the queue.
                await self.send(batch)
            else:
                task = asyncio.create_task(self.send(batch))
                batches.add(task)
                task.add_done_callback(self._finished_batch(batches))
        return 0.0

    async def _stop_beating(self) -> None:
        """Everything held was sent or given back: the heartbeat row goes (a failure only leaves it to go
        stale)."""
        try:
            async with session_scope(self.alchemy) as session:
                await heartbeat.stop_beating(session, self.name)
        except Exception:
            logger.exception("worker %s: its heartbeat could not be removed", self.name)
        self._beating = False

    @staticmethod
    def _finished_batch(batches: set[asyncio.Task[None]]) -> Callable[[asyncio.Task[None]], None]:
        def done(task: asyncio.Task[None]) -> None:
            batches.discard(task)
            if not task.cancelled() and task.exception() is not None:
                logger.error("sending a batch failed", exc_info=task.exception())

        return done

    async def close(self) -> None:
        """Release the connection pools and the worker's own engine (one it was given belongs to someone
        else). Each batch wrote its own outcomes as it ended, so the recorder has nothing left to do."""
        if self._recorder is not None:
            self._recorder.cancel()
            with suppress(asyncio.CancelledError):
                await self._recorder
        await self.pools.close()
        if self._owns_engine:
            await self.alchemy.get_engine().dispose()
