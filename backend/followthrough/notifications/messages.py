"""Every word a notification says, in one place (reviewable, and translatable later).

`render(event, payload, settings)` turns the payload a delivery fixed when it was detected into a title,
a body and a link into the PWA. Times are shown in the recipient's zone ("Mon 2 Mar, 08:00").

A body is written once, as lines of text and links, and rendered three ways: plain text, Markdown and
HTML (`Message.body_in`); the transport sends the one the service prefers. User text (titles, cues,
notes, names) is escaped for Markdown and HTML, so it can never become a link, markup or a script.

Links that answer a reminder go to the app's act page (`/act/<token>`, GET changes nothing there), one
per choice; the only `/api/` address a message holds is ntfy's `http` action, which POSTs.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from followthrough.enums import Event
from followthrough.settings import Settings

# What a reminder offers, in the order shown: (label, choice on the act page).
REMINDER_CHOICES = (
    ("Done", "done"),
    ("Partly / not done", "partly"),
    ("Snooze 15 min", "snooze_15m"),
    ("Snooze 1 h", "snooze_1h"),
    ("Snooze tonight", "snooze_tonight"),
)
PUSH_ACTIONS = ({"action": "done", "title": "Done"}, {"action": "snooze_1h", "title": "Snooze 1 h"})


class Format(StrEnum):
    """The same values as Apprise's NotifyFormat."""

    TEXT = "text"
    MARKDOWN = "markdown"
    HTML = "html"


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Line:
    """One line of a body: text pieces and links. `buttons`: its links are choices, shown as buttons."""

    parts: tuple[str | Link, ...]
    bullet: bool = False
    buttons: bool = False


@dataclass(frozen=True)
class QuickAction:
    """A button a service may show on the notification itself (ntfy). With `post`, tapping it POSTs that
    JSON to `url` (it acts); without, it opens `url` in a browser (it does not)."""

    label: str
    url: str
    post: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    """Plain text."""
    url: str
    """Where tapping the notification leads, in the PWA."""
    lines: tuple[Line, ...] = ()
    """The body as written, for the Markdown and HTML renderings (empty: the plain body, escaped)."""
    push: Mapping[str, Any] | None = None
    """Web Push extras beside title, body and url (tag, occurrenceId, actToken, actions)."""
    quick_actions: tuple[QuickAction, ...] = field(default=())

    def body_in(self, body_format: str) -> str:
        """The body as text, Markdown or HTML (Apprise's NotifyFormat values)."""
        lines = self.lines or tuple(Line((text,)) for text in self.body.split("\n"))
        if body_format == Format.HTML:
            return _html(lines)
        if body_format == Format.MARKDOWN:
            return _markdown(lines)
        return self.body


def render(event: Event, payload: Mapping[str, Any], settings: Settings) -> Message:
    return _RENDERERS[Event(event)](payload, _Links(settings.public_url.rstrip("/")))


def channel_test_message(label: str, settings: Settings) -> Message:
    """What "Send test" sends."""
    return render(Event.CHANNEL_TEST, {"channelLabel": label}, settings)


# --------------------------------------------------------------------------------------------------
# Formatting


def local_time(instant: str | datetime, time_zone: str | None) -> str:
    """`Mon 2 Mar, 08:00` in the zone (UTC when the zone is unknown)."""
    local = _in_zone(instant, time_zone)
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def local_clock(instant: str | datetime, time_zone: str | None) -> str:
    """`11:38` in the zone (UTC when the zone is unknown)."""
    return f"{_in_zone(instant, time_zone):%H:%M}"


def _in_zone(instant: str | datetime, time_zone: str | None) -> datetime:
    moment = datetime.fromisoformat(instant) if isinstance(instant, str) else instant
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        zone = ZoneInfo(time_zone) if time_zone else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return moment.astimezone(zone)


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


def _message(title: str, lines: list[Line], url: str, **extras: Any) -> Message:
    return Message(title=title, body=_text(lines), url=url, lines=tuple(lines), **extras)


def _text(lines: tuple[Line, ...] | list[Line]) -> str:
    rendered: list[str] = []
    for line in lines:
        if line.buttons:
            rendered.extend(f"{part.label}: {part.url}" for part in line.parts if isinstance(part, Link))
            continue
        text = "".join(part if isinstance(part, str) else f"{part.label}: {part.url}" for part in line.parts)
        rendered.append(f"- {text}" if line.bullet else text)
    return "\n".join(rendered)


# Characters that would make Markdown out of user text (links, emphasis, code, raw HTML, tables).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#])")


def _markdown(lines: tuple[Line, ...]) -> str:
    def escape(text: str) -> str:
        return _MARKDOWN_SPECIAL.sub(r"\\\1", text)

    def part(piece: str | Link) -> str:
        if isinstance(piece, Link):
            return f"[{escape(piece.label)}]({piece.url.replace(')', '%29')})"
        return escape(piece)

    rendered = ""
    for index, line in enumerate(lines):
        if line.buttons:
            text = " · ".join(part(piece) for piece in line.parts if isinstance(piece, Link))
        else:
            text = "".join(part(piece) for piece in line.parts)
        # Consecutive bullets make one list; any other line is a paragraph of its own.
        if line.bullet:
            rendered += ("\n" if index and lines[index - 1].bullet else "\n\n") + f"- {text}"
        elif text:
            rendered += f"\n\n{text}"
    return rendered.strip()


_FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:16px;line-height:1.5"
_BUTTON = (
    "display:inline-block;margin:0 8px 8px 0;padding:10px 16px;border-radius:8px;border:1px solid #1f5f8b;"
    "text-decoration:none;font-weight:600;"
)
_PRIMARY = _BUTTON + "background:#1f5f8b;color:#ffffff"
_SECONDARY = _BUTTON + "background:#ffffff;color:#1f5f8b"


def _html(lines: tuple[Line, ...]) -> str:
    """Email clients show this; Apprise derives the email's text part from it, which keeps a link's text
    but not its address. So a link outside the buttons shows its address, and buttons are spaced."""

    def part(piece: str | Link) -> str:
        if isinstance(piece, Link):
            url = html.escape(piece.url)
            return f'{html.escape(piece.label)}: <a href="{url}">{url}</a>'
        return html.escape(piece)

    def button(link: Link, primary: bool) -> str:
        style = _PRIMARY if primary else _SECONDARY
        return f'<a href="{html.escape(link.url)}" style="{style}">{html.escape(link.label)}</a>'

    blocks: list[str] = []
    items: list[str] = []
    for line in lines:
        if line.bullet:
            items.append(f"<li>{''.join(part(piece) for piece in line.parts)}</li>")
            continue
        if items:
            blocks.append(f"<ul>{''.join(items)}</ul>")
            items = []
        if line.buttons:
            links = [piece for piece in line.parts if isinstance(piece, Link)]
            row = " ".join(button(link, index == 0) for index, link in enumerate(links))
            blocks.append(f'<p style="margin:16px 0 8px">{row}</p>')
        elif line.parts and any(line.parts):
            blocks.append(f'<p style="margin:0 0 12px">{"".join(part(piece) for piece in line.parts)}</p>')
    if items:
        blocks.append(f"<ul>{''.join(items)}</ul>")
    return f'<div style="{_FONT};color:#1a1a1a">{"".join(blocks)}</div>'


@dataclass(frozen=True)
class _Links:
    base: str

    def page(self, path: str, **query: str) -> str:
        suffix = f"?{urlencode(query)}" if query else ""
        return f"{self.base}{path}{suffix}"

    def act(self, token: str, choice: str | None = None) -> str:
        """The app's act page (a GET there changes nothing)."""
        page = f"{self.base}/act/{quote(token, safe='')}"
        return f"{page}?choice={choice}" if choice else page

    def act_api(self, token: str) -> str:
        """Where a POST answers (only ever a POST target, never a link)."""
        return f"{self.base}/api/v1/act/{quote(token, safe='')}"


# --------------------------------------------------------------------------------------------------
# One renderer per event


def _reminder_due(payload: Mapping[str, Any], links: _Links) -> Message:
    title = str(payload["keyActionTitle"])
    zone = payload.get("timeZone")
    when = local_time(payload["dueAt"], zone)
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
    if payload.get("snoozedFrom"):
        lead = f"Snoozed from {local_clock(payload['snoozedFrom'], zone)}."
    lines = [Line((lead,))]
    if payload.get("cue"):
        lines.append(Line((f"Your cue: {payload['cue']}",)))
    occurrence = str(payload["occurrenceId"])
    token = payload.get("actToken")
    if not token:
        # Old rows and tests have no token: no way to answer from here, so no links that pretend to.
        return _message(heading, lines, links.page("/today", occurrence=occurrence))
    token = str(token)
    choices = tuple(Link(label, links.act(token, choice)) for label, choice in REMINDER_CHOICES)
    lines += [Line(choices, buttons=True), Line((Link("All choices", links.act(token)),))]
    return _message(
        heading,
        lines,
        links.page("/today", occurrence=occurrence),
        push={
            "tag": f"occurrence:{occurrence}",
            "occurrenceId": occurrence,
            "actToken": token,
            "actions": [dict(action) for action in PUSH_ACTIONS],
        },
        quick_actions=(
            QuickAction("Done", links.act_api(token), post={"choice": "done"}),
            QuickAction("Snooze…", links.act(token)),
        ),
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
    return _message(
        "Time for your weekly review",
        [Line((f"The week of {local_date(week)}: {status} What moved, what got in the way, what next?",))],
        links.page("/review", week=week),
    )


def _encouragement_received(payload: Mapping[str, Any], links: _Links) -> Message:
    partner = str(payload["partnerName"])
    about = payload.get("keyActionTitle")
    lines = [Line((f"“{payload['message']}”",))]
    if about:
        lines.append(Line((f"— about {about}",)))
    return _message(f"{partner} is cheering you on", lines, links.page("/partners"))


def _invite_accepted(payload: Mapping[str, Any], links: _Links) -> Message:
    partner = str(payload["partnerName"])
    return _message(
        f"{partner} is now your accountability partner",
        [Line((f"{partner} accepted your invite and can now see what you share.",))],
        links.page("/partners"),
    )


def _partner_digest(payload: Mapping[str, Any], links: _Links) -> Message:
    people = list(payload.get("people") or [])
    tokens: Mapping[str, str] = payload.get("actTokens") or {}
    lines = [Line((f"The week of {local_date(str(payload['weekStart']))}:",))]
    for person in people:
        done, due = int(person.get("done") or 0), int(person.get("due") or 0)
        parts: list[str | Link] = [
            f"{person['name']}: {done} of {due} done ({_percent(person.get('completionRate'))})"
        ]
        token = person.get("actToken") or tokens.get(str(person.get("participantId")))
        if token:
            parts += [" · ", Link("Send encouragement", links.act(str(token), "encourage"))]
        lines.append(Line(tuple(parts), bullet=True))
    if not people:
        lines.append(Line(("No one you support had anything due.",)))
    return _message("Your partners' week", lines, links.page("/partners"))


def _partner_missed(payload: Mapping[str, Any], links: _Links) -> Message:
    name = str(payload["participantName"])
    when = local_time(payload["dueAt"], payload.get("timeZone"))
    return _message(
        f"{name} has not checked in yet",
        [Line((f"“{payload['keyActionTitle']}” was due {when}. A word from you may help.",))],
        links.page("/partners"),
    )


def _channel_disabled(payload: Mapping[str, Any], links: _Links) -> Message:
    label = str(payload["channelLabel"])
    error = payload.get("lastError")
    body = f"Followthrough stopped sending to “{label}” because it kept failing."
    if error:
        body += f" Last error: {error}"
    body += " Fix it and switch it back on in your notification settings."
    return _message(
        f"Notifications to “{label}” are off",
        [Line((body,))],
        links.page("/settings/notifications"),
    )


def _sign_up_attempted(payload: Mapping[str, Any], links: _Links) -> Message:
    when = local_time(payload["attemptedAt"], payload.get("timeZone"))
    return _message(
        "Someone tried to sign up with your email",
        [
            Line((f"{when}: someone tried to create a Followthrough account with your email address.",)),
            Line(("Nothing changed: your account and password are as they were, and no account was made.",)),
            Line(("If it was you, sign in instead. If not, you need do nothing.",)),
        ],
        links.page("/account"),
    )


def _channel_test(payload: Mapping[str, Any], links: _Links) -> Message:
    label = str(payload.get("channelLabel") or "This channel")
    return _message(
        "Followthrough test",
        [Line((f"This channel works: “{label}” will receive your reminders.",))],
        links.page("/settings/notifications"),
    )


WEBHOOK_ONLY_EVENTS = frozenset({Event.CHECKIN_RECORDED, Event.OCCURRENCE_MISSED, Event.REVIEW_SUBMITTED})
"""Events with no words: only webhooks receive them (their payload as data, docs/webhooks.md)."""

_RENDERERS: dict[Event, Callable[[Mapping[str, Any], _Links], Message]] = {
    Event.REMINDER_DUE: _reminder_due,
    Event.REVIEW_WEEKLY: _review_weekly,
    Event.ENCOURAGEMENT_RECEIVED: _encouragement_received,
    Event.INVITE_ACCEPTED: _invite_accepted,
    Event.PARTNER_DIGEST: _partner_digest,
    Event.PARTNER_MISSED: _partner_missed,
    Event.CHANNEL_DISABLED: _channel_disabled,
    Event.CHANNEL_TEST: _channel_test,
    Event.SIGN_UP_ATTEMPTED: _sign_up_attempted,
}
