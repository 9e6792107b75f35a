"""Wire shapes of the calendar feed. Only the answer that makes an address carries it."""

from __future__ import annotations

from datetime import datetime

from followthrough.schemas import OutSchema


class CalendarFeedOut(OutSchema):
    """Whether the participant has a feed, and what can be said of it without its address."""

    enabled: bool
    hint: str | None
    """The address's last four characters, to tell which one a calendar app holds; null without a feed."""
    created_at: datetime | None
    """When the current address was made."""
    last_fetched_at: datetime | None
    """When a calendar app last read the feed (to within a few minutes); null if never."""


class CalendarFeedCreated(OutSchema):
    """A new address. It is shown this once: only its hash is stored."""

    hint: str
    created_at: datetime
    url: str
    """The feed's https (or http) address, for calendar apps that ask for one."""
    webcal_url: str
    """The same address as webcal://, which opens the phone's calendar app to subscribe."""
