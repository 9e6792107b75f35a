"""The one source of "now". Tests pin it instead of sleeping or patching `datetime`."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta


class Clock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, instant: datetime, wake: asyncio.Event) -> None:
        """Return at `instant`, or as soon as `wake` is set."""
        delay = (instant - self.now()).total_seconds()
        if delay > 0 and not wake.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), delay)


class FrozenClock(Clock):
    """A clock that moves only when told to."""

    def __init__(self, at: datetime) -> None:
        self.set(at)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._at = at.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._at += delta

    async def sleep_until(self, instant: datetime, wake: asyncio.Event) -> None:
        """Time jumps to `instant` (unless `wake` is already set): waiting takes no real time in tests."""
        if not wake.is_set() and instant > self._at:
            self._at = instant
        await asyncio.sleep(0)
