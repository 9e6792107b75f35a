"""Channel health: the outcome of every send is written on the channel row (healthchecks' design).

Several workers may send to one channel at once, so the counters move with conditional UPDATEs rather
than read-modify-write, and "disabled just now" is true for exactly one of them.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.notifications.models import Channel
from followthrough.notifications.transport import TransportError, describe
from followthrough.settings import Settings

logger = logging.getLogger(__name__)


def disabled_reason(error: TransportError, failures: int) -> str:
    if error.permanent:
        return f"Switched off after an error that will not go away by retrying: {error.message}"[:300]
    return f"Switched off after {failures} failed sends in a row. Last error: {error.message}"[:300]


async def record_send_outcome(
    session: AsyncSession, channel: Channel, error: TransportError | None, now: datetime, settings: Settings
) -> bool:
    """Record a send's outcome on its channel; True when this failure just disabled the channel.

    A permanent error disables at once; passing ones after `settings.channel_failure_limit` in a row.
    A success clears the failure count (a channel the system disabled stays off until its owner
    switches it back on).
    """
    if error is None:
        await session.execute(
            update(Channel)
            .where(Channel.id == channel.id)
            .values(last_success_at=now, consecutive_failures=0, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        await session.refresh(channel)
        return False
    failures = (
        await session.execute(
            update(Channel)
            .where(Channel.id == channel.id)
            .values(
                last_error_at=now,
                last_error=error.message[:500],
                consecutive_failures=Channel.consecutive_failures + 1,
                updated_at=now,
            )
            .returning(Channel.consecutive_failures)
            .execution_options(synchronize_session=False)
        )
    ).scalar_one()
    newly_disabled = False
    if error.permanent or failures >= settings.channel_failure_limit:
        result = await session.execute(
            update(Channel)
            .where(Channel.id == channel.id, Channel.enabled.is_(True))
            .values(enabled=False, disabled_reason=disabled_reason(error, failures))
            .execution_options(synchronize_session=False)
        )
        newly_disabled = bool(getattr(result, "rowcount", 0) == 1)
    await session.refresh(channel)
    if newly_disabled:
        logger.warning("Disabled %s: %s", describe(channel), channel.disabled_reason)
    return newly_disabled
