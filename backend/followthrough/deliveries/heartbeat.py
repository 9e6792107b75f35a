"""Workers' heartbeats: how a dead worker's claims come back in seconds rather than when their lease ends.

Each running worker writes `worker_heartbeat(name, last_seen)` every `worker_heartbeat_seconds`. A worker
silent for `STALE_BEATS` beats is taken for dead: the deliveries it holds ("sending", `lease_owner` = its
name) may be claimed by another at once. The lease stays as the fallback for rows claimed without a
heartbeat (a worker driven step by step, as tests do).

A worker that cannot write its heartbeat may already have been taken for dead, so it fences itself: it sends
nothing once its last recorded beat is `STALE_BEATS - 1` beats old (`Heart.alive`), and gives those jobs
back instead. Both judgements use the workers' clocks, as leases already do.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast
from uuid import UUID

import uuid_utils
from sqlalchemy import Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.deliveries.models import WorkerHeartbeat
from followthrough.dialect import insert_ignoring_conflicts
from followthrough.settings import Settings

STALE_BEATS = 3
# Heartbeats of workers gone this long are deleted (none of their claims is still waiting by then).
FORGOTTEN_AFTER = timedelta(days=1)
HEARTBEAT_TABLE = cast("Table", WorkerHeartbeat.__table__)


def stale_after(settings: Settings) -> timedelta:
    return timedelta(seconds=settings.worker_heartbeat_seconds * STALE_BEATS)


async def beat(session: AsyncSession, name: str, now: datetime) -> None:
    """Record that the worker `name` is alive at `now`."""
    updated = await session.execute(
        update(WorkerHeartbeat)
        .where(WorkerHeartbeat.name == name)
        .values(last_seen=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(updated, "rowcount", 0):
        return
    row: dict[str, Any] = {
        "id": UUID(bytes=uuid_utils.uuid7().bytes),
        "name": name,
        "last_seen": now,
        "created_at": now,
        "updated_at": now,
    }
    await session.execute(insert_ignoring_conflicts(session, HEARTBEAT_TABLE, [row]))
    await session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.last_seen < now - FORGOTTEN_AFTER))


async def stop_beating(session: AsyncSession, name: str) -> None:
    """A worker that stopped cleanly gave back or recorded everything it held: its heartbeat goes."""
    await session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.name == name))


async def dead_workers(session: AsyncSession, now: datetime, settings: Settings) -> list[str]:
    """The workers taken for dead at `now` (their heartbeat is stale), whose rows another may claim. Usually
    none; a dead worker's name stays here until its heartbeat is forgotten."""
    stale = WorkerHeartbeat.last_seen < now - stale_after(settings)
    return list(await session.scalars(select(WorkerHeartbeat.name).where(stale)))


class Heart:
    """A worker's own view of its heartbeat: when it last got one written."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.last_beat: datetime | None = None

    def alive(self, now: datetime) -> bool:
        """Whether the worker may still send: true until its last beat is one beat short of stale. A worker
        that never beat (driven step by step) relies on its lease alone."""
        if self.last_beat is None:
            return True
        margin = timedelta(seconds=self.settings.worker_heartbeat_seconds)
        return now - self.last_beat < stale_after(self.settings) - margin
