"""Running the detection steps: each finds what became due and queues deliveries for it.

Each step is `async def step(session, now, settings) -> int` (deliveries queued) and idempotent: it looks
at a bounded window around now and relies on the deliveries' unique key, so running it twice, or on two
workers at once, queues each delivery once. The steps themselves belong to the features (reminders,
partners, check-ins); composition gives the worker their list, in order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.settings import Settings

Step = Callable[[AsyncSession, datetime, Settings], Awaitable[int]]
# Detection on PostgreSQL runs on one worker at a time (the others would only find nothing new).
DETECT_LOCK_KEY = 0x46545245  # "FTRE"


async def detect(session: AsyncSession, now: datetime, settings: Settings, steps: Sequence[Step]) -> int:
    """Every detection step, in order, in one transaction. On PostgreSQL one worker detects at a time; the
    others return at once (their turn comes at the next poll)."""
    if session.get_bind().dialect.name == "postgresql":
        locked = await session.scalar(
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": DETECT_LOCK_KEY}
        )
        if not locked:
            return 0
    queued = 0
    for step in steps:
        queued += await step(session, now, settings)
    return queued
