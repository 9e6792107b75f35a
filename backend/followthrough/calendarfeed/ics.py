"""The calendar feed's content: a participant's active key actions as iCalendar events (RFC 5545).

Each event expresses exactly the occurrences the API lists (`actions.schedule`), for any reader that follows
RFC 5545:
- DTSTART is the first occurrence's local wall time with the participant's TZID, and the RRULE has every part
  written out (`portable_rule`). A DTSTART that the rule does not produce would count as an extra occurrence
  in iCalendar, and a COUNT would number from it; the API starts from the rule's first occurrence instead.
- A local time that does not exist (02:30 on a spring-forward day) is read with the offset before the gap,
  and a repeated one (01:30 on a fall-back day) as its first: RFC 5545 section 3.3.5 and the API agree.
- RFC 5545 wants UNTIL in UTC when DTSTART has a TZID; the API reads UNTIL as local wall time (and turns a
  COUNT into one). UNTIL is written as the UTC instant of the last occurrence, which selects the same set.

What iCalendar cannot say (kept out of the API's guarantees for the feed):
- Two wall times of a rule due several times a day (HOURLY, or BYHOUR=2,3) can be one instant: 02:00 and
  03:00 on a spring-forward day. The API lists that instant once; a calendar shows two events at that moment
  (an EXDATE would remove both).
- The API keeps past occurrences as they were made: after a schedule edit or a move to another zone, the
  past stays in the old rule or zone. The feed shows each action's current rule, from its start, in the
  current zone. History is in the app.
- Only active key actions are listed: a paused, done or dropped one has no occurrences ahead, and a calendar
  showing it as coming would mislead. Resumed, it comes back with its whole series.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Timezone, vDuration, vRecur

from followthrough.actions import (
    KeyAction,
    ScheduleError,
    latest_occurrences_before,
    portable_rule,
    schedule_of,
)
from followthrough.enums import ScheduleKind

PRODUCT_ID = "-//Followthrough//Calendar feed//EN"
# A key action has no length of its own: a quarter of an hour shows in a day view without claiming the hour.
EVENT_LENGTH = timedelta(minutes=15)
# Asked of calendar apps that read it (RFC 7986 REFRESH-INTERVAL, and the older X-PUBLISHED-TTL): changes in
# the app show within the hour. Many apps poll on their own schedule anyway.
REFRESH = timedelta(hours=1)
# The VTIMEZONE spells out transitions up to here at least (apps that know the TZID ignore it).
TIMEZONE_YEARS_AHEAD = 10
CALENDAR_END = b"END:VCALENDAR\r\n"
# Serialised events kept per process, least recently served dropped first: some 700 bytes each.
EVENTS_KEPT = 5000
_EVENTS: OrderedDict[tuple[object, ...], bytes] = OrderedDict()


@dataclass(frozen=True, slots=True)
class FeedAction:
    """A key action with what the feed shows of its barrier."""

    action: KeyAction
    barrier_title: str | None


def calendar_bytes(
    display_name: str, time_zone: str, actions: Sequence[FeedAction], app_url: str, now: datetime
) -> bytes:
    """The whole feed: one VEVENT per key action given (the caller passes the active ones)."""
    zone = ZoneInfo(time_zone)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Followthrough — {display_name}")
    calendar.add("x-wr-timezone", time_zone)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    # The components are serialised apart and joined in: each is a run of whole content lines.
    header = calendar.to_ical().removesuffix(CALENDAR_END)
    parts = [header]
    if actions:
        earliest = min(item.action.starts_at for item in actions).date()
        latest = max(date(now.year + TIMEZONE_YEARS_AHEAD, 1, 1), date(2038, 1, 1))
        parts.append(_timezone(time_zone, date(earliest.year, 1, 1), latest))
    parts.extend(_event_bytes(item, zone, app_url) for item in actions)
    parts.append(CALENDAR_END)
    return b"".join(parts)


@functools.lru_cache(maxsize=128)
def _timezone(time_zone: str, first: date, last: date) -> bytes:
    # Made from the zoneinfo database; the same few zones serve every feed.
    ical: bytes = Timezone.from_tzid(time_zone, first_date=first, last_date=last).to_ical()
    return ical


def _event_bytes(item: FeedAction, zone: ZoneInfo, app_url: str) -> bytes:
    """One serialised VEVENT, kept while nothing it shows changes. Serialising costs about a millisecond per
    event (icalendar builds an object per parameter); a calendar app polls the same events again and again."""
    action = item.action
    key = (
        action.id,
        action.title,
        action.cue,
        action.own_part,
        action.schedule_kind,
        action.starts_at,
        action.rrule,
        tuple(action.reminder_offsets),
        action.created_at,
        action.updated_at,
        item.barrier_title,
        zone.key,
        app_url,
    )
    found = _EVENTS.get(key)
    if found is None:
        try:
            found = _event(item, zone, app_url).to_ical()
        except (ScheduleError, IndexError):
            # Stored schedules were validated; should one no longer expand, the rest of the feed still serves.
            found = b""
        _EVENTS[key] = found
        if len(_EVENTS) > EVENTS_KEPT:
            _EVENTS.popitem(last=False)
    else:
        _EVENTS.move_to_end(key)
    return found


def _event(item: FeedAction, zone: ZoneInfo, app_url: str) -> Event:
    action = item.action
    event = Event()
    event.add("uid", f"{action.id}@followthrough")
    # Without a METHOD, DTSTAMP is when the event was last revised (RFC 5545 3.8.7.2); `now` would make every
    # fetch differ and defeat the ETag.
    event.add("dtstamp", action.updated_at.astimezone(UTC))
    event.add("created", action.created_at.astimezone(UTC))
    event.add("last-modified", action.updated_at.astimezone(UTC))
    event.add("summary", action.title)
    first, rule = _start_and_rule(action, zone)
    event.add("dtstart", first.replace(tzinfo=zone))
    event.add("duration", EVENT_LENGTH)
    if rule is not None:
        event.add("rrule", rule)
    description = _description(action, item.barrier_title)
    if description:
        event.add("description", description)
    event.add("url", f"{app_url.rstrip('/')}/actions/{action.id}")
    # A commitment, not a meeting: it leaves the person free in free/busy views.
    event.add("transp", "TRANSPARENT")
    for minutes in action.reminder_offsets:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", action.title)
        alarm.add("trigger", timedelta(minutes=-minutes))
        event.add_component(alarm)
    return event


def _start_and_rule(action: KeyAction, zone: ZoneInfo) -> tuple[datetime, vRecur | None]:
    """The DTSTART wall time and the RRULE (None for a once action) that give the API's occurrences."""
    schedule = schedule_of(action)
    if action.schedule_kind is ScheduleKind.ONCE:
        return schedule.starts_at.replace(microsecond=0), None
    first, text = portable_rule(schedule)
    parts = dict(piece.split("=", 1) for piece in text.split(";"))
    if "UNTIL" in parts:
        parts["UNTIL"] = _last_occurrence(action, zone, first, parts["UNTIL"]).strftime("%Y%m%dT%H%M%SZ")
    return first, vRecur.from_ical(";".join(f"{name}={value}" for name, value in parts.items()))


def _last_occurrence(action: KeyAction, zone: ZoneInfo, first: datetime, until: str) -> datetime:
    """The UTC instant of a finite rule's last occurrence. Its local UNTIL turned to UTC would not do: around
    a spring-forward gap, wall-time order and instant order differ."""
    floor = first.replace(tzinfo=zone).astimezone(UTC)
    # No zone moves its clock by a day, so every occurrence up to the local UNTIL is due before this.
    end = datetime.strptime(until, "%Y%m%dT%H%M%S").replace(tzinfo=zone).astimezone(UTC) + timedelta(days=2)
    last = latest_occurrences_before(schedule_of(action), zone, floor, end, 1)
    # A validated rule has a first occurrence, so there is a last one.
    return last[-1].due_at if last else floor


def _description(action: KeyAction, barrier_title: str | None) -> str:
    lines = []
    if action.cue:
        # Stored as the app writes it, "When I close the laptop": the feed completes the sentence.
        lines.append(f"{action.cue.rstrip(' ,.')}, I will {_continuing(action.title)}.")
    if action.own_part:
        lines.append(f"My part: {action.own_part}")
    if barrier_title:
        lines.append(f"Barrier: {barrier_title}")
    return "\n".join(lines)


def _continuing(title: str) -> str:
    """ "Write one page" as it reads inside a sentence; "IBM call" stays as it is."""
    title = title.rstrip(" .")
    if len(title) > 1 and title[0].isupper() and title[1].islower():
        return title[0].lower() + title[1:]
    return title
