"""Composition of the worker: the delivery engine with every feature's detection steps and each event's rule.

The engine (`deliveries`) knows no event's rules and no feature's steps; they are wired here, once, and
handed to each worker: `followthrough worker`, the embedded worker of `serve`, and tests.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar import Litestar

from followthrough import actlinks, metrics, partners, reminders
from followthrough.checkins import webhook_events
from followthrough.clock import Clock
from followthrough.database import alchemy_config
from followthrough.deliveries import Rules, StandardRule, Step, Worker
from followthrough.enums import Event
from followthrough.settings import Settings


def event_rules() -> Rules:
    """Each event with a rule of its own; the others are always wanted and worded from their payload."""
    return {
        Event.REMINDER_DUE: reminders.ReminderRule(extras=actlinks.reminder_links),
        Event.REVIEW_WEEKLY: reminders.ReviewRule(),
        Event.PARTNER_DIGEST: StandardRule(extras=actlinks.digest_links),
    }


DETECTION_STEPS: tuple[Step, ...] = (*reminders.STEPS, *partners.STEPS, webhook_events.missed_step)
"""In order: occurrences, reminders, nudges, weekly reviews, partner digests and missed check-ins, and the
webhooks' missed occurrences."""


def build_worker(
    settings: Settings,
    clock: Clock | None = None,
    alchemy: SQLAlchemyAsyncConfig | None = None,
    name: str | None = None,
) -> Worker:
    return Worker(settings, clock, alchemy, name, rules=event_rules(), steps=DETECTION_STEPS)


async def run_until_signalled(settings: Settings) -> None:
    """`followthrough worker`: run until SIGTERM or SIGINT, then finish the batch in flight and exit."""
    worker = build_worker(settings)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, worker.stop)
    serving = metrics.serve_worker_metrics(settings)
    try:
        await worker.run()
    finally:
        if serving is not None:
            server, _ = serving
            server.shutdown()
            server.server_close()


@asynccontextmanager
async def embedded_worker(app: Litestar) -> AsyncIterator[None]:
    """The worker inside the API process (the embedded SQLite default), with an engine of its own so that
    it can finish its batch after the app's engine has closed. Its writers queue with the app's."""
    alchemy = alchemy_config(app.state.settings, app.state.writers)
    worker = build_worker(app.state.settings, app.state.clock, alchemy)
    task = asyncio.create_task(worker.run(), name="followthrough-worker")
    try:
        yield
    finally:
        worker.stop()
        try:
            await task
        finally:
            await alchemy.get_engine().dispose()
