"""What one request (or one worker pass, CLI command or import) works in: its database session, its one
instant and the settings. Built once where the session is opened and handed to every service, so no service
builds another's inputs by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.settings import Settings


@dataclass(frozen=True, slots=True)
class RequestContext:
    session: AsyncSession
    now: datetime
    """One instant for the whole unit of work, so every rule in it agrees on what "now" is."""
    settings: Settings


class ContextBound:
    """The base of a service built from a `RequestContext`, whose parts it reads as attributes (derived,
    never copied, so they cannot disagree with the context)."""

    def __init__(self, context: RequestContext) -> None:
        self.context = context

    @property
    def session(self) -> AsyncSession:
        return self.context.session

    @property
    def now(self) -> datetime:
        return self.context.now

    @property
    def settings(self) -> Settings:
        return self.context.settings
