"""Calendar feeds: make (or replace) a participant's secret feed address, turn it off, and serve it.

The token is 32 random bytes, URL-safe base64 (43 characters); only its SHA-256 is stored, so a fast hash is
right, as for session tokens. An unknown, revoked, replaced or malformed token answers exactly alike: a 404
after at most one indexed lookup by hash, so response times say nothing about stored tokens.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.actions import KeyAction
from followthrough.barriers import Barrier
from followthrough.calendarfeed.ics import FeedAction, calendar_bytes
from followthrough.calendarfeed.models import CalendarFeed
from followthrough.context import ContextBound
from followthrough.enums import ActionStatus
from followthrough.errors import NotFound
from followthrough.identity import Participant

TOKEN_BYTES = 32
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")
HINT_LENGTH = 4
FEED_PATH = "/calendar"
FEED_SUFFIX = ".ics"
# Recording every poll would make each read a write; a calendar app polls hourly at most in practice.
TOUCH_INTERVAL = timedelta(minutes=5)


class FeedNotFound(NotFound):
    """No feed for this address: never made, turned off, replaced, or not a token at all."""

    def __init__(self) -> None:
        super().__init__("calendar feed")


@dataclass(frozen=True, slots=True)
class NewFeed:
    """A feed just made, with its address: the only time the address is known."""

    feed: CalendarFeed
    url: str
    webcal_url: str


@dataclass(frozen=True, slots=True)
class Feed:
    body: bytes
    etag: str
    stale_fetch_record: UUID | None
    """The feed's id when its `last_fetched_at` is due to be noted (see `record_fetch`)."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def feed_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}{FEED_PATH}/{token}{FEED_SUFFIX}"


def webcal_url(url: str) -> str:
    """The same address with the webcal scheme, which phones hand to their calendar app to subscribe."""
    return "webcal://" + url.split("://", 1)[1]


def token_of(file_name: str) -> str | None:
    """The token in a feed's file name (`<token>.ics`), or None if the name cannot hold one."""
    token = file_name.removesuffix(FEED_SUFFIX)
    if token == file_name or not TOKEN_SHAPE.fullmatch(token):
        return None
    return token


class CalendarFeedService(ContextBound):
    async def current(self, participant: Participant) -> CalendarFeed | None:
        feed: CalendarFeed | None = await self.session.scalar(
            select(CalendarFeed).where(CalendarFeed.participant_id == participant.id)
        )
        return feed

    async def create(self, participant: Participant) -> NewFeed:
        """A new address, replacing any earlier one, which stops working with this transaction."""
        await self._remove(participant)
        token = secrets.token_urlsafe(TOKEN_BYTES)
        feed = CalendarFeed(
            participant_id=participant.id,
            token_hash=token_hash(token),
            token_hint=token[-HINT_LENGTH:],
            created_at=self.now,
            updated_at=self.now,
        )
        self.session.add(feed)
        await self.session.flush()
        url = feed_url(self.settings.public_url, token)
        return NewFeed(feed=feed, url=url, webcal_url=webcal_url(url))

    async def revoke(self, participant: Participant) -> None:
        """Turn the feed off; its address answers 404 from the commit on. No feed is a 404."""
        if not await self._remove(participant):
            raise FeedNotFound

    async def _remove(self, participant: Participant) -> bool:
        result = await self.session.execute(
            delete(CalendarFeed)
            .where(CalendarFeed.participant_id == participant.id)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def read(self, file_name: str) -> Feed:
        """The feed at `<token>.ics`: two queries (the feed with its owner, the active actions with their
        barriers). Noting the fetch is left to `record_fetch`."""
        token = token_of(file_name)
        if token is None:
            raise FeedNotFound
        row = (
            await self.session.execute(
                select(CalendarFeed, Participant)
                .join(Participant, Participant.id == CalendarFeed.participant_id)
                .where(CalendarFeed.token_hash == token_hash(token))
            )
        ).first()
        if row is None:
            raise FeedNotFound
        feed, participant = row
        actions = (
            await self.session.execute(
                select(KeyAction, Barrier.title)
                .outerjoin(
                    Barrier,
                    (Barrier.id == KeyAction.barrier_id) & (Barrier.participant_id == participant.id),
                )
                .where(KeyAction.participant_id == participant.id, KeyAction.status == ActionStatus.ACTIVE)
                .order_by(KeyAction.created_at, KeyAction.id)
            )
        ).all()
        body = calendar_bytes(
            participant.display_name,
            participant.time_zone,
            [FeedAction(action, barrier_title) for action, barrier_title in actions],
            self.settings.public_url,
            self.now,
        )
        due = feed.last_fetched_at is None or self.now - feed.last_fetched_at >= TOUCH_INTERVAL
        return Feed(
            body=body,
            etag=f'"{hashlib.sha256(body).hexdigest()[:32]}"',
            stale_fetch_record=feed.id if due else None,
        )


async def record_fetch(session: AsyncSession, feed_id: UUID, now: datetime) -> None:
    """Note that a calendar app read the feed. Bookkeeping apart from the read itself, in its own transaction
    after the answer, so that a 304 (which rolls the request's transaction back) counts as a fetch too."""
    await session.execute(
        update(CalendarFeed)
        .where(CalendarFeed.id == feed_id)
        .values(last_fetched_at=now, updated_at=CalendarFeed.updated_at)
        .execution_options(synchronize_session=False)
    )
