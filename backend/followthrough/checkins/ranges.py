"""Progress ranges as local dates: which buckets a range covers, where each bucket begins and ends, and
how far back `all` reaches. Pure date arithmetic, no queries; progress.py counts occurrences into these.

- `4w` and `3m` are the last 4 or 13 local weeks (Monday to Sunday), this one included.
- `1y` is the last 12 calendar months, this one included.
- `all` starts at the first day of history: in months while that spans at most 24 months, beyond that
  in calendar years (at most 120 of them).

It also bounds the local dates a request may name (`checked_date`, `checked_span`): the years schedules may
use, so that no date arithmetic on them can leave Python's calendar (OverflowError) and no range is costly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from followthrough.actions import FIRST_YEAR, LAST_YEAR
from followthrough.checkins import schemas
from followthrough.errors import InvalidInput
from followthrough.localtime import week_start_of

RECENT_WEEKS = 12
"""How many local weeks, this one included, `weeks` and measure histories show."""
MAX_BUCKETS = 120
ALL_IN_MONTHS_UP_TO = 24
Range = schemas.ProgressRange
Unit = schemas.BucketUnit
EARLIEST_DATE = date(FIRST_YEAR, 1, 1)
LATEST_DATE = date(LAST_YEAR, 12, 31)
"""The local dates a request may name: the years a schedule may use (1970 to 2200)."""


def checked_date(value: date | None, field: str) -> date | None:
    """`value` unless it is outside EARLIEST_DATE..LATEST_DATE, which is a 422 naming `field`."""
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise InvalidInput(field, f"must be between {EARLIEST_DATE} and {LATEST_DATE}")
    return value


def checked_span(
    since: date | None, until: date | None, max_days: int | None, fields: tuple[str, str] = ("from", "to")
) -> None:
    """Both dates within bounds, `until` not before `since`, and (with `max_days`) at most that many days
    from the first to the last, inclusive; each refusal is a 422 naming the field at fault."""
    checked_date(since, fields[0])
    checked_date(until, fields[1])
    if since is None or until is None:
        return
    if until < since:
        raise InvalidInput(fields[1], f"must not be before {fields[0]}")
    if max_days is not None and (until - since).days >= max_days:
        raise InvalidInput(fields[1], f"the range may span at most {max_days} days")


def recent_week_starts(today: date) -> list[date]:
    """The Mondays of the last RECENT_WEEKS local weeks, oldest first."""
    first = week_start_of(today) - timedelta(weeks=RECENT_WEEKS - 1)
    return [first + timedelta(weeks=index) for index in range(RECENT_WEEKS)]


def first_of_month(year: int, month: int) -> date:
    """The 1st of a month given by a possibly out-of-range month number (month 0 is last December)."""
    years, month_index = divmod(month - 1, 12)
    return date(year + years, month_index + 1, 1)


def bucket_end(start: date, unit: Unit) -> date:
    """The last local date of the bucket that begins on `start`."""
    if unit is Unit.WEEK:
        return start + timedelta(days=6)
    if unit is Unit.MONTH:
        return first_of_month(start.year, start.month + 1) - timedelta(days=1)
    return date(start.year, 12, 31)


def bucket_starts(progress_range: Range, today: date, first: date) -> tuple[Unit, list[date]]:
    """The unit and the first local date of every bucket, oldest first; `first` matters only for `all`."""
    if progress_range in (Range.FOUR_WEEKS, Range.THREE_MONTHS):
        count = 4 if progress_range is Range.FOUR_WEEKS else 13
        return Unit.WEEK, [week_start_of(today) - timedelta(weeks=back) for back in range(count - 1, -1, -1)]
    months = 12
    if progress_range is Range.ALL:
        months = (today.year - first.year) * 12 + today.month - first.month + 1
        if months > ALL_IN_MONTHS_UP_TO:
            years = min(today.year - first.year + 1, MAX_BUCKETS)
            return Unit.YEAR, [date(today.year - back, 1, 1) for back in range(years - 1, -1, -1)]
    return Unit.MONTH, [
        first_of_month(today.year, today.month - back) for back in range(max(months, 1) - 1, -1, -1)
    ]


def bucket_start_of_key(unit: Unit, key: Sequence[Any]) -> date:
    """The first date of a bucket from what a query grouped it by: (week start,), (year, month) or (year,)."""
    if unit is Unit.WEEK:
        start: date = key[0]
        return start
    return date(int(key[0]), int(key[1]) if unit is Unit.MONTH else 1, 1)


def monday_based_weekday(sunday_based: int) -> int:
    """0 = Monday from a day of the week where 0 = Sunday (what SQL's `dow` gives)."""
    return (sunday_based + 6) % 7


def first_day_of_history(
    first_occurrence: date | None, first_action_created: datetime | None, time_zone: str, today: date
) -> date:
    """Where `all` begins: the first occurrence's local date; without one, the local date on which the
    first key action was created (never after today); without either, today."""
    if first_occurrence is not None:
        return first_occurrence
    if first_action_created is not None:
        return min(first_action_created.astimezone(ZoneInfo(time_zone)).date(), today)
    return today
