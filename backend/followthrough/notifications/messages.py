"""Every word a notification says, in one place (reviewable, and translatable later).

`render(event, payload, settings)` turns the payload a delivery fixed when it was detected into a title,
a body and a link into the PWA. Times are shown in the recipient's zone ("Mon 2 Mar, 08:00").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from followthrough.enums import Event
from followthrough.settings import Settings

SNOOZE_CHOICES = (("15m", "in 15 minutes"), ("1h", "in an hour"), ("tonight", "tonight"))


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    url: str
    """Where tapping the notification leads, in the PWA."""


def render(event: Event, payload: Mapping[str, Any], settings: Settings) -> Message:
    return _RENDERERS[Event(event)](payload, _Links(settings.public_url.rstrip("/")))


def channel_test_message(label: str, settings: Settings) -> Message:
    """What "Send test" sends."""
    return Message(
        title="Followthrough test",
        body=f"This channel works: “{label}” will receive your reminders.",
        url=f"{settings.public_url.rstrip('/')}/settings/notifications",
    )


# --------------------------------------------------------------------------------------------------
# Formatting


def local_time(instant: str | datetime, time_zone: str | None) -> str:
    """`Mon 2 Mar, 08:00` in the zone (UTC when the zone is unknown)."""
    moment = datetime.fromisoformat(instant) if isinstance(instant, str) else instant
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        zone = ZoneInfo(time_zone) if time_zone else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def local_date(value: str | date) -> str:
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day:%a} {day.day} {day:%b}"


def _minutes(count: int) -> str:
    if count % (24 * 60) == 0:
        days = count // (24 * 60)
        return "1 day" if days == 1 else f"{days} days"
    if count % 60 == 0:
        hours = count // 60
        return "1 hour" if hours == 1 else f"{hours} hours"
    return "1 minute" if count == 1 else f"{count} minutes"


def _percent(rate: Any) -> str:
    return "no check-ins due" if rate is None else f"{round(float(rate) * 100)}%"


@dataclass(frozen=True)
class _Links:
    base: str

    def page(self, path: str, **query: str) -> str:
        suffix = f"?{urlencode(query)}" if query else ""
        return f"{self.base}{path}{suffix}"

    def snooze(self, token: str, choice: str) -> str:
        return f"{self.base}/api/v1/snooze/{quote(token, safe='')}?for={choice}"


# --------------------------------------------------------------------------------------------------
# One renderer per event


def _reminder_due(payload: Mapping[str, Any], links: _Links) -> Message:
    title = str(payload["keyActionTitle"])
    when = local_time(payload["dueAt"], payload.get("timeZone"))
    minutes = int(payload.get("minutesBefore") or 0)
    if payload.get("nudge"):
        heading = f"Still open: {title}"
        lead = f"It was due {when}. There is still time today, or check in how it went."
    elif minutes > 0:
        heading = f"In {_minutes(minutes)}: {title}"
        lead = f"Due {when}."
    else:
        heading = f"Now: {title}"
        lead = f"Due {when}."
    lines = [lead]
    if payload.get("cue"):
        lines.append(f"Your cue: {payload['cue']}")
    token = payload.get("snoozeToken")
    if token:
        lines.append("")
        lines.append("Not now? Snooze:")
        lines.extend(f"- {label}: {links.snooze(str(token), choice)}" for choice, label in SNOOZE_CHOICES)
    return Message(
        title=heading,
        body="\n".join(lines),
        url=links.page("/today", occurrence=str(payload["occurrenceId"])),
    )


def _review_weekly(payload: Mapping[str, Any], links: _Links) -> Message:
    week = str(payload["weekStart"])
    open_count = int(payload.get("openOccurrences") or 0)
    if open_count == 0:
        status = "Everything due this week has a check-in."
    elif open_count == 1:
        status = "1 occurrence still has no check-in."
    else:
        status = f"{open_count} occurrences still have no check-in."
    return Message(
        title="Time for your weekly review",
        body=f"The week of {local_date(week)}: {status} What moved, what got in the way, what next?",
        url=links.page("/review", week=week),
    )


def _encouragement_received(payload: Mapping[str, Any], links: _Links) -> Message:
    partner = str(payload["partnerName"])
    about = payload.get("keyActionTitle")
    body = f"“{payload['message']}”"
    if about:
        body += f"\n— about {about}"
    return Message(title=f"{partner} is cheering you on", body=body, url=links.page("/partners"))


def _invite_accepted(payload: Mapping[str, Any], links: _Links) -> Message:
    partner = str(payload["partnerName"])
    return Message(
        title=f"{partner} is now your accountability partner",
        body=f"{partner} accepted your invite and can now see what you share.",
        url=links.page("/partners"),
    )


def _partner_digest(payload: Mapping[str, Any], links: _Links) -> Message:
    people = list(payload.get("people") or [])
    one_tap: Mapping[str, str] = payload.get("oneTapLinks") or {}
    lines = [f"The week of {local_date(str(payload['weekStart']))}:"]
    for person in people:
        done, due = int(person.get("done") or 0), int(person.get("due") or 0)
        line = f"- {person['name']}: {done} of {due} done ({_percent(person.get('completionRate'))})"
        link = one_tap.get(str(person.get("participantId")))
        if link:
            line += f"\n  Send encouragement: {link}"
        lines.append(line)
    if not people:
        lines.append("No one you support had anything due.")
    return Message(title="Your partners' week", body="\n".join(lines), url=links.page("/partners"))


def _partner_missed(payload: Mapping[str, Any], links: _Links) -> Message:
    name = str(payload["participantName"])
    when = local_time(payload["dueAt"], payload.get("timeZone"))
    return Message(
        title=f"{name} has not checked in yet",
        body=f"“{payload['keyActionTitle']}” was due {when}. A word from you may help.",
        url=links.page("/partners"),
    )


def _channel_disabled(payload: Mapping[str, Any], links: _Links) -> Message:
    label = str(payload["channelLabel"])
    error = payload.get("lastError")
    body = f"Followthrough stopped sending to “{label}” because it kept failing."
    if error:
        body += f" Last error: {error}"
    body += " Fix it and switch it back on in your notification settings."
    return Message(
        title=f"Notifications to “{label}” are off",
        body=body,
        url=links.page("/settings/notifications"),
    )


_RENDERERS: dict[Event, Callable[[Mapping[str, Any], _Links], Message]] = {
    Event.REMINDER_DUE: _reminder_due,
    Event.REVIEW_WEEKLY: _review_weekly,
    Event.ENCOURAGEMENT_RECEIVED: _encouragement_received,
    Event.INVITE_ACCEPTED: _invite_accepted,
    Event.PARTNER_DIGEST: _partner_digest,
    Event.PARTNER_MISSED: _partner_missed,
    Event.CHANNEL_DISABLED: _channel_disabled,
}
