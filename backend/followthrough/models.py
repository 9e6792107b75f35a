"""Imports every model so that the metadata is complete for Alembic and for relationships."""

from followthrough.actions.models import KeyAction, KeyActionStatusChange, Occurrence
from followthrough.actlinks.models import ActLink
from followthrough.barriers.models import Barrier, BarrierStatusChange
from followthrough.calendarfeed.models import CalendarFeed
from followthrough.checkins.models import CheckIn, StreakCheckpoint, UndoneCheckIn, WeeklyReview
from followthrough.database import metadata
from followthrough.deliveries.models import Delivery
from followthrough.identity.models import ApiToken, AuthSession, Participant, SignInFailure
from followthrough.imports.models import ImportRecord
from followthrough.notifications.models import Channel
from followthrough.partners.models import Encouragement, Invite, Partnership
from followthrough.reflections.models import Reflection
from followthrough.sso.models import SignInIdentity

__all__ = [
    "ActLink",
    "ApiToken",
    "AuthSession",
    "Barrier",
    "BarrierStatusChange",
    "CalendarFeed",
    "Channel",
    "CheckIn",
    "Delivery",
    "Encouragement",
    "ImportRecord",
    "Invite",
    "KeyAction",
    "KeyActionStatusChange",
    "Occurrence",
    "Participant",
    "Partnership",
    "Reflection",
    "SignInFailure",
    "SignInIdentity",
    "StreakCheckpoint",
    "UndoneCheckIn",
    "WeeklyReview",
    "metadata",
]
