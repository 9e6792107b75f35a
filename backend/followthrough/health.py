"""Health checks: `/health/live` and `/health/ready` for the API, `followthrough worker --check` for a worker.

Both are left out of the HTTP metrics: an orchestrator calls them every few seconds, and they would drown
the figures about people's requests.
"""

from __future__ import annotations

from datetime import datetime

from litestar import get
from litestar.di import NamedDependency
from litestar.exceptions import ServiceUnavailableException
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.deliveries.heartbeat import stale_after
from followthrough.deliveries.models import WorkerHeartbeat
from followthrough.metrics import EXCLUDE_FROM_METRICS
from followthrough.schemas import OutSchema
from followthrough.settings import Settings

NOT_COUNTED = {EXCLUDE_FROM_METRICS: True}


class Health(OutSchema):
    status: str


@get("/health/live", operation_id="healthLive", tags=["health"], exclude_from_auth=True, opt=NOT_COUNTED)
async def live() -> Health:
    """The process answers."""
    return Health(status="ok")


@get("/health/ready", operation_id="healthReady", tags=["health"], exclude_from_auth=True, opt=NOT_COUNTED)
async def ready(db_session: NamedDependency[AsyncSession]) -> Health:
    """The process can reach its database."""
    try:
        await db_session.execute(text("SELECT 1"))
    except Exception as error:
        raise ServiceUnavailableException("database unreachable") from error
    return Health(status="ok")


async def worker_beats_on_host(session: AsyncSession, host: str, now: datetime, settings: Settings) -> bool:
    """Whether a worker on this host (a container's own worker, in compose) has a fresh heartbeat: one
    written less than the staleness threshold ago, after which other workers take it for dead."""
    newest = await session.scalar(
        select(func.max(WorkerHeartbeat.last_seen)).where(
            WorkerHeartbeat.name.startswith(f"{host}:", autoescape=True)
        )
    )
    return newest is not None and now - newest < stale_after(settings)
