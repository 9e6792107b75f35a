"""The limit on guessing invite tokens, shared by previewing and accepting an invite.

A token holds 256 random bits, so no one finds one by guessing; the limit is there so that nobody can try at
scale at all. Only a token that matches no invite counts as a guess. Guesses are counted per client address
in the table that counts failed sign-ins (under their own key, so they never lock anyone out of signing
in), over sign-in's window and with its per-address allowance: one budget for preview and accept together,
so alternating between them buys nothing, and it holds across API processes.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from litestar.exceptions import HTTPException
from litestar.status_codes import HTTP_429_TOO_MANY_REQUESTS
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.accounts.models import SignInFailure
from followthrough.settings import Settings


class TooManyGuesses(HTTPException):
    status_code = HTTP_429_TOO_MANY_REQUESTS

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            detail="too many invite links that match no invite; try again later",
            headers={"Retry-After": str(retry_after_seconds)},
        )


class GuessLimit:
    def __init__(self, session: AsyncSession, now: datetime, settings: Settings, address: str) -> None:
        self.session = session
        self.now = now
        self.settings = settings
        self.key = "invite-address:" + hashlib.sha256(address.encode()).hexdigest()

    async def refuse_when_exceeded(self) -> None:
        since = self.now - timedelta(minutes=self.settings.sign_in_window_minutes)
        guesses = await self.session.scalar(
            select(func.count())
            .select_from(SignInFailure)
            .where(SignInFailure.limit_key == self.key, SignInFailure.failed_at > since)
        )
        if (guesses or 0) >= self.settings.sign_in_failures_per_address:
            raise TooManyGuesses(self.settings.sign_in_window_minutes * 60)

    async def record(self) -> None:
        """Counts one guess. Committed at once: the request ends in an error, which rolls back."""
        self.session.add(SignInFailure(limit_key=self.key, failed_at=self.now))
        await self.session.commit()
