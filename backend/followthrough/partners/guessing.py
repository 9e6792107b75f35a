"""The limit on guessing invite tokens, shared by previewing and accepting an invite.

A token holds 256 random bits, so no one finds one by guessing; the limit is there so that nobody can try at
scale at all. Only a token that matches no invite counts as a guess. Guesses are counted per client address
in the table that counts failed sign-ins (under their own key, so they never lock anyone out of signing
in), over sign-in's window and with its per-address allowance: one budget for preview and accept together,
so alternating between them buys nothing, and it holds across API processes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.errors import TooManyAttempts
from followthrough.identity import counts_since, limit_key, record_attempts
from followthrough.settings import Settings


class TooManyGuesses(TooManyAttempts):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__("too many invite links that match no invite; try again later", retry_after_seconds)


class GuessLimit:
    def __init__(self, session: AsyncSession, now: datetime, settings: Settings, address: str) -> None:
        self.session = session
        self.now = now
        self.settings = settings
        self.key = limit_key("invite-address", address)

    async def refuse_when_exceeded(self) -> None:
        since = self.now - timedelta(minutes=self.settings.sign_in_window_minutes)
        guesses = (await counts_since(self.session, [self.key], since)).get(self.key, 0)
        if guesses >= self.settings.sign_in_failures_per_address:
            raise TooManyGuesses(self.settings.sign_in_window_minutes * 60)

    async def record(self) -> None:
        """Counts one guess (and forgets expired attempts). Committed at once: the request ends in an error,
        which rolls back."""
        await record_attempts(self.session, [self.key], self.now, self.settings)
