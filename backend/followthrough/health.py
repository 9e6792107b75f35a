from __future__ import annotations

from litestar import get
from litestar.exceptions import ServiceUnavailableException
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.schemas import OutSchema


class Health(OutSchema):
    status: str


@get("/health/live", operation_id="healthLive", tags=["health"], exclude_from_auth=True)
async def live() -> Health:
    """The process answers."""
    return Health(status="ok")


@get("/health/ready", operation_id="healthReady", tags=["health"], exclude_from_auth=True)
async def ready(db_session: AsyncSession) -> Health:
    """The process can reach its database."""
    try:
        await db_session.execute(text("SELECT 1"))
    except Exception as error:
        raise ServiceUnavailableException("database unreachable") from error
    return Health(status="ok")
