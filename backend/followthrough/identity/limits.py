"""Attempt limits shared across API processes: rows in `sign_in_failure`, one per counted attempt.

A row's `limit_key` says what it counts: `account:` and `address:` failed sign-ins, `invite-address:`
invite-token guesses (see `partners.guessing`), `sign-up-address:` sign-up attempts. Keys hold a SHA-256 of
the email or address, never the value. Rows outlive every window they count in only until the next attempt
is recorded: recording deletes the expired ones through the index on `failed_at`, so the table holds
about one window of attempts and each row costs one insert and one delete.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.identity.models import SignInFailure
from followthrough.settings import Settings


def limit_key(kind: str, value: str) -> str:
    return f"{kind}:{hashlib.sha256(value.encode()).hexdigest()}"


def retention(settings: Settings) -> timedelta:
    """How long a row can still count: the longest window any limit uses."""
    return timedelta(minutes=max(settings.sign_in_window_minutes, settings.sign_up_window_minutes))


async def counts_since(session: AsyncSession, keys: Iterable[str], since: datetime) -> dict[str, int]:
    """Attempts per key after `since`."""
    rows = await session.execute(
        select(SignInFailure.limit_key, func.count())
        .where(SignInFailure.limit_key.in_(list(keys)), SignInFailure.failed_at > since)
        .group_by(SignInFailure.limit_key)
    )
    return {key: count for key, count in rows.tuples().all()}


async def record_attempts(
    session: AsyncSession, keys: Iterable[str], now: datetime, settings: Settings
) -> None:
    """Counts one attempt under each key, and forgets attempts too old to count under any limit.

    Committed at once: the attempt must count although the request may end in an error, which rolls back.
    """
    await session.execute(delete(SignInFailure).where(SignInFailure.failed_at <= now - retention(settings)))
    session.add_all(SignInFailure(limit_key=key, failed_at=now) for key in keys)
    await session.commit()
