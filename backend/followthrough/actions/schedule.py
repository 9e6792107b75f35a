"""Key action schedules: accepting them, and deriving their occurrences.

A schedule lives in the participant's wall-clock time: `starts_at` is a naive local time and a recurring
rule is expanded in local time, so an 08:00 Monday action stays at 08:00 across daylight-saving changes.
Only the resulting instants are UTC.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from dateutil.rrule import DAILY, HOURLY, MONTHLY, WEEKLY, YEARLY, rrule, rrulestr

from followthrough.localtime import week_start_of

ScheduleKind = Literal["once", "recurring"]
MAX_RRULE_LENGTH = 500
FIRST_YEAR, LAST_YEAR = 1970, 2200
# How far validation looks for a first occurrence: the bound that keeps it fast on any rule.
SEARCH_YEARS = 10
# next_occurrence_after gives up after this; only a rule that has run out pays for the whole search.
NEXT_SEARCH_YEARS = 100
# Far beyond any real need; it bounds the scan that turns a COUNT into an UNTIL.
MAX_COUNT = 1000

_FREQUENCIES = {"YEARLY": YEARLY, "MONTHLY": MONTHLY, "WEEKLY": WEEKLY, "DAILY": DAILY, "HOURLY": HOURLY}
# The shortest length of each frequency's period, to turn dateutil's steps into elapsed time.
_PERIOD_SECONDS = {YEARLY: 365 * 86400, MONTHLY: 28 * 86400, WEEKLY: 7 * 86400, DAILY: 86400, HOURLY: 3600}
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# dateutil extensions, which other calendar software would not understand in an iCalendar feed.
_NOT_RFC_5545 = {"BYEASTER", "BYWEEKDAY"}
_LOCAL_UNTIL = re.compile(r"\d{8}T\d{6}")
_OTHER_PROPERTY = re.compile(r"\b(RRULE|DTSTART|RDATE|EXDATE|EXRULE)\b|[A-Z-]+:")
_NEVER_PRODUCES = "never produces an occurrence within ten years of its start"
# How far back latest_occurrences_before looks first; each further look reaches back twice as far.
_FIRST_LOOK_BACK = timedelta(days=7)
# Wall times are widened by this before filtering on UTC: no zone moves its clock by a day or more.
_MARGIN = timedelta(days=1)


class ScheduleError(ValueError):
    """A schedule that cannot be accepted. `field` names the wire field (camelCase: "rrule", "startsAt",
    "dueAt"), `message` says the rule broken."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class Schedule:
    kind: ScheduleKind
    starts_at: datetime  # naive local time: the due time if once, the DTSTART if recurring
    rrule: str | None = None  # such as "FREQ=WEEKLY;BYDAY=MO,TH", an "RRULE:" prefix allowed; None if once


@dataclass(frozen=True, slots=True)
class Occurrence:
    due_at: datetime  # aware, UTC
    local_date: date  # in the zone the occurrence was computed in
    week_start: date  # the Monday of local_date's ISO week


@dataclass(frozen=True, slots=True)
class _Rule:
    # Parsed with every part that dateutil would take from DTSTART written out, so that it can be restarted
    # at any later period and still yield the same times.
    expanded: rrule
    start: datetime
    freq: int
    interval: int
    week_start: int
    spelled_out: str  # the rule text `expanded` was parsed from, every part written out


class _HorizonPassed(Exception):
    pass


class _CountingInterval(int):
    """The rule's INTERVAL, noticing each step dateutil takes from one period to the next.

    While BY* parts reject period after period, dateutil scans on without yielding up to the year 9999:
    seconds for a rule that never matches. Every step does arithmetic with the interval, so counting it here
    stops the scan once it is certainly past the horizon, however hostile the rule.
    """

    limit: int
    covered: int

    def __new__(cls, value: int, limit: int) -> _CountingInterval:
        interval = super().__new__(cls, value)
        interval.limit, interval.covered = limit, 0
        return interval

    def _advance(self, periods: int) -> None:
        self.covered += periods
        if self.covered > self.limit:
            raise _HorizonPassed

    def __radd__(self, other: int) -> int:  # most frequencies step with `day += interval` and the like
        self._advance(int(self))
        return other + int(self)

    def __mul__(self, other: int) -> int:  # WEEKLY steps `interval * 7` days
        self._advance(int(self))
        return int(self) * other

    def __rfloordiv__(self, other: int) -> int:  # HOURLY skips the rest of a rejected day
        steps = other // int(self)
        self._advance(steps * int(self))
        return steps


def validate_schedule(schedule: Schedule) -> None:
    """Raise ScheduleError unless the schedule can be stored and expanded quickly."""
    start_field = "dueAt" if schedule.kind == "once" else "startsAt"
    if schedule.starts_at.tzinfo is not None:
        raise _rejected(start_field, "must be a local time without a UTC offset")
    if not FIRST_YEAR <= schedule.starts_at.year <= LAST_YEAR:
        raise _rejected(start_field, f"the year must be between {FIRST_YEAR} and {LAST_YEAR}")
    if schedule.kind == "once":
        if schedule.rrule is not None:
            raise _rejected("rrule", "a once schedule has no rrule")
    elif schedule.rrule is None or not schedule.rrule.strip():
        raise _rejected("rrule", "a recurring schedule needs an rrule")
    elif not _first_wall_times(_parse(schedule.rrule, schedule.starts_at), 1):
        raise _rejected("rrule", _NEVER_PRODUCES)


def occurrences_between(
    schedule: Schedule, zone: ZoneInfo, window_start: datetime, window_end: datetime, limit: int | None = None
) -> list[Occurrence]:
    """Occurrences with window_start <= due_at < window_end, in order; with `limit`, only the first `limit`
    of them, expanding no further than they need. Assumes a validated schedule."""
    _require_aware(window_start, window_end)
    wall_start, wall_end = _wall(window_start, zone) - _MARGIN, _wall(window_end, zone) + _MARGIN
    by_instant: dict[datetime, Occurrence] = {}
    enough_at: datetime | None = None
    for wall_time in _schedule_wall_times(schedule, wall_start, wall_end):
        # Wall order and UTC order differ only around a clock change, so a day more of wall time settles
        # which occurrences are the first `limit`.
        if enough_at is not None and wall_time > enough_at + _MARGIN:
            break
        occurrence = _occurrence(wall_time, zone)
        if window_start <= occurrence.due_at < window_end:
            # Two wall times can be one instant: 02:00 and 03:00 on a spring-forward day.
            by_instant.setdefault(occurrence.due_at, occurrence)
            if enough_at is None and limit is not None and len(by_instant) >= limit:
                enough_at = wall_time
    return [by_instant[instant] for instant in sorted(by_instant)][:limit]


def latest_occurrences_before(
    schedule: Schedule, zone: ZoneInfo, floor: datetime, end: datetime, limit: int
) -> list[Occurrence]:
    """The last `limit` occurrences with floor <= due_at < end, in order. Windows reaching back from `end`
    grow until they hold enough, so a dense rule is expanded over days, not over everything since `floor`."""
    found: list[Occurrence] = []
    window_end, span = end, _FIRST_LOOK_BACK
    while window_end > floor and len(found) < limit:
        window_start = max(floor, window_end - span)
        found = occurrences_between(schedule, zone, window_start, window_end) + found
        window_end, span = window_start, span * 2
    return found[-limit:] if limit > 0 else []


def next_occurrence_after(schedule: Schedule, zone: ZoneInfo, instant: datetime) -> Occurrence | None:
    """The first occurrence strictly after `instant`, or None when there is none within a century."""
    _require_aware(instant)
    wall = _wall(instant, zone)
    found: tuple[datetime, Occurrence] | None = None
    for wall_time in _schedule_wall_times(
        schedule, wall - _MARGIN, wall + relativedelta(years=NEXT_SEARCH_YEARS)
    ):
        # Wall order and UTC order differ only around a clock change, so a day more of wall time settles it.
        if found is not None and wall_time > found[0] + _MARGIN:
            break
        occurrence = _occurrence(wall_time, zone)
        if occurrence.due_at > instant and (found is None or occurrence.due_at < found[1].due_at):
            found = (wall_time, occurrence)
    return None if found is None else found[1]


def is_occurrence(schedule: Schedule, zone: ZoneInfo, due_at: datetime) -> bool:
    """True when `due_at` (aware) is exactly one of the schedule's occurrences."""
    return bool(occurrences_between(schedule, zone, due_at, due_at + timedelta(microseconds=1)))


def portable_rule(schedule: Schedule) -> tuple[datetime, str]:
    """A validated recurring schedule in a form other RFC 5545 software reads alike (the calendar feed):
    its first wall time, to be the DTSTART, and its rule with every part written out that would otherwise
    come from the start or from defaults, and a COUNT as the local UNTIL it amounts to. Restarted at its
    first occurrence the rule keeps its phase: that occurrence is in one of its periods (_restart_before)."""
    rule = _parse(schedule.rrule or "", schedule.starts_at)
    return _first_wall_times(rule, 1)[0], rule.spelled_out


def _rejected(field: str, reason: str) -> ScheduleError:
    return ScheduleError(field, f"{field}: {reason}")


def _require_aware(*instants: datetime) -> None:
    # A naive instant would silently be read in the server's own zone.
    if any(instant.utcoffset() is None for instant in instants):
        raise ValueError("instants must be aware datetimes")


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def _occurrence(wall_time: datetime, zone: ZoneInfo) -> Occurrence:
    # fold=0: a wall time in a spring-forward gap moves on by the gap's length; an ambiguous one is the first.
    due_at = wall_time.replace(tzinfo=zone, fold=0).astimezone(UTC)
    local_date = due_at.astimezone(zone).date()
    return Occurrence(due_at=due_at, local_date=local_date, week_start=week_start_of(local_date))


def _schedule_wall_times(schedule: Schedule, start: datetime, end: datetime) -> Iterator[datetime]:
    if schedule.kind == "once":
        # dateutil drops microseconds from a recurring start; a once schedule does the same.
        due = schedule.starts_at.replace(microsecond=0)
        return iter([due] if start <= due <= end else [])
    return _wall_times(_parse(schedule.rrule or "", schedule.starts_at), start, end)


def _wall_times(rule: _Rule, start: datetime, end: datetime) -> Iterator[datetime]:
    """The rule's wall times in [start, end], in order, without scanning the periods before `start`
    (rrule.between and rrule.xafter do scan them: years of periods for an old daily rule)."""
    restart = _restart_before(rule, start)
    periods = math.ceil((end - restart).total_seconds() / _PERIOD_SECONDS[rule.freq]) + 2
    bounded = rule.expanded.replace(dtstart=restart, interval=_CountingInterval(rule.interval, periods))
    try:
        for wall_time in bounded:
            if wall_time > end:
                return
            if wall_time >= start:
                yield wall_time
    except _HorizonPassed:
        return


def _first_wall_times(rule: _Rule, count: int) -> list[datetime]:
    horizon = rule.start + relativedelta(years=SEARCH_YEARS)
    try:
        return list(itertools.islice(_wall_times(rule, rule.start, horizon), count))
    except (ValueError, TypeError) as error:  # such as BYHOUR=25 in an HOURLY rule
        raise _rejected("rrule", f"cannot be expanded: {error}") from error


def _restart_before(rule: _Rule, at: datetime) -> datetime:
    """The start of the rule's last period that begins by `at`, or of the rule itself."""
    start, every = rule.start, rule.interval
    if at <= start:
        return start
    if rule.freq == YEARLY:
        restart = datetime(start.year + (at.year - start.year) // every * every, 1, 1)
    elif rule.freq == MONTHLY:
        months = (at.year - start.year) * 12 + at.month - start.month
        month_index = start.year * 12 + start.month - 1 + months // every * every
        restart = datetime(month_index // 12, month_index % 12 + 1, 1)
    elif rule.freq == WEEKLY:
        first_week = start.date() - timedelta(days=(start.weekday() - rule.week_start) % 7)
        weeks = (at.date() - first_week).days // (7 * every) * every
        restart = datetime.combine(first_week + timedelta(weeks=weeks), time())
    elif rule.freq == DAILY:
        days = (at.date() - start.date()).days // every * every
        restart = datetime.combine(start.date() + timedelta(days=days), time())
    else:
        first_hour = start.replace(minute=0, second=0)
        hours = int((at - first_hour).total_seconds()) // (3600 * every) * every
        restart = first_hour + timedelta(hours=hours)
    return max(restart, start)


@functools.lru_cache(maxsize=1024)
def _parse(text: str, starts_at: datetime) -> _Rule:
    """The checked rule; cached, as every occurrence query of an action parses the same text and start."""
    body, start = _single_rrule(text), starts_at.replace(microsecond=0)
    parts = _rule_parts(body)
    _parse_with_dateutil(body, start)  # for dateutil's own account of what is wrong with the text
    if int(parts.get("INTERVAL", 1)) < 1:
        raise _rejected("rrule", "INTERVAL must be at least 1")
    for name in ("BYMINUTE", "BYSECOND"):
        # With one minute and one second, occurrences are whole hours apart: more values are the only way a
        # rule of at most hourly frequency can put two occurrences within an hour.
        if len({int(value) for value in parts.get(name, "0").split(",")}) > 1:
            raise _rejected("rrule", f"occurrences must be at least an hour apart, so {name} takes one value")
    rule = _rule(parts, start)
    if "COUNT" not in parts:
        return rule
    # COUNT numbers occurrences from the first, so such a rule could only be read from its start; the same
    # rule ending at its last occurrence can be read from anywhere.
    count = int(parts.pop("COUNT"))
    if count > MAX_COUNT:
        raise _rejected("rrule", f"COUNT must be at most {MAX_COUNT}")
    counted = _first_wall_times(rule, max(count, 0))
    if not counted:
        raise _rejected("rrule", _NEVER_PRODUCES)
    if len(counted) < count:
        raise _rejected("rrule", "COUNT must run out within ten years of the start")
    parts["UNTIL"] = counted[-1].strftime("%Y%m%dT%H%M%S")
    return _rule(parts, start)


def _single_rrule(text: str) -> str:
    if len(text) > MAX_RRULE_LENGTH:
        raise _rejected("rrule", f"must be at most {MAX_RRULE_LENGTH} characters")
    body = text.strip()
    if body[:6].upper() == "RRULE:":
        body = body[6:].strip()
    other = _OTHER_PROPERTY.search(body.upper())
    if other or "\n" in body or "\r" in body:
        found = other.group().rstrip(":") if other else "a second line"
        raise _rejected("rrule", f"only a single RRULE is accepted, not {found}")
    return body


def _rule_parts(body: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for piece in body.upper().split(";"):
        name, equals, value = (item.strip() for item in piece.partition("="))
        if not equals:
            continue  # dateutil names the problem
        if name in parts:
            raise _rejected("rrule", f"{name} is given more than once")
        if name in _NOT_RFC_5545:
            raise _rejected("rrule", f"{name} is not part of RFC 5545")
        parts[name] = value
    if "FREQ" not in parts:
        raise _rejected("rrule", "FREQ is required")
    if parts["FREQ"] in ("MINUTELY", "SECONDLY"):
        raise _rejected("rrule", f"FREQ={parts['FREQ']} is too frequent: occurrences must be an hour apart")
    if "UNTIL" in parts and not _LOCAL_UNTIL.fullmatch(parts["UNTIL"]):
        # dateutil refuses a UTC UNTIL with a local start, and reads a bare date as its first instant, which
        # silently drops that day's occurrence.
        raise _rejected("rrule", "UNTIL must be a local date and time such as 20261231T235959, without Z")
    if "UNTIL" in parts and "COUNT" in parts:
        raise _rejected("rrule", "COUNT and UNTIL cannot both be given")
    return parts


def _rule(parts: dict[str, str], start: datetime) -> _Rule:
    text = _spelled_out(parts, start)
    expanded = _parse_with_dateutil(text, start)
    week_start = _WEEKDAYS.index(parts.get("WKST", "MO"))
    return _Rule(
        expanded, start, _FREQUENCIES[parts["FREQ"]], int(parts.get("INTERVAL", 1)), week_start, text
    )


def _spelled_out(parts: dict[str, str], start: datetime) -> str:
    """The rule text with the parts dateutil would otherwise take from DTSTART written in."""
    freq, given = _FREQUENCIES[parts["FREQ"]], dict(parts)
    # Left out, dateutil's week start is calendar.firstweekday(), which any code in the process may change.
    given.setdefault("WKST", "MO")
    if not {"BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY"} & parts.keys():
        if freq == YEARLY:
            given.setdefault("BYMONTH", str(start.month))
        if freq in (YEARLY, MONTHLY):
            given["BYMONTHDAY"] = str(start.day)
        elif freq == WEEKLY:
            given["BYDAY"] = _WEEKDAYS[start.weekday()]
    if freq != HOURLY:
        given.setdefault("BYHOUR", str(start.hour))
    given.setdefault("BYMINUTE", str(start.minute))
    given.setdefault("BYSECOND", str(start.second))
    return ";".join(f"{name}={value}" for name, value in given.items())


def _parse_with_dateutil(text: str, start: datetime) -> rrule:
    try:
        parsed = rrulestr(text, dtstart=start, forceset=False, cache=False)
    except (ValueError, TypeError, LookupError, OverflowError) as error:
        raise _rejected("rrule", f"cannot be parsed: {error}") from error
    if not isinstance(parsed, rrule):
        raise _rejected("rrule", "only a single RRULE is accepted")
    return parsed
