"""Request-scoped values that every domain's services take: settings, the current instant, the caller."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.clock import Clock
from followthrough.context import RequestContext
from followthrough.identity import Participant
from followthrough.settings import Settings


def provide_settings(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


def provide_now(state: State) -> datetime:
    """One instant per request, so every rule in it agrees on what "now" is."""
    clock: Clock = state.clock
    return clock.now()


def provide_context(
    db_session: NamedDependency[AsyncSession],
    now: NamedDependency[datetime],
    settings: NamedDependency[Settings],
) -> RequestContext:
    """The request's session, instant and settings, together: what every service is built from."""
    return RequestContext(db_session, now, settings)


def provide_participant(request: Request[Participant, Any, Any]) -> Participant:
    return request.user
