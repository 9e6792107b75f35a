"""Which day and which week it is where a participant lives."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


def local_today(time_zone: str, now: datetime) -> date:
    """The date in the IANA zone `time_zone` at the instant `now`."""
    return now.astimezone(ZoneInfo(time_zone)).date()


def week_start_of(day: date) -> date:
    """Monday of the ISO week holding `day`."""
    return day - timedelta(days=day.weekday())
