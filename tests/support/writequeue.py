"""The SQLite writer queue, for tests: waiting until writers are in line."""

from __future__ import annotations

import asyncio

from followthrough.writequeue import WriteQueue


async def queued(writers: WriteQueue, count: int) -> None:
    """Until `count` writers wait in the queue (each first checks out a connection, in a thread)."""
    while writers.waiting < count:  # noqa: ASYNC110 (the queue has no event to wait on, and needs none)
        await asyncio.sleep(0)  # a turn of the event loop, not a pause
