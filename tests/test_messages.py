"""What each notification says: titles, bodies in the recipient's zone, and links into the PWA."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from followthrough.enums import Event
from followthrough.notifications.messages import local_time, render
from followthrough.settings import Settings

SETTINGS = Settings(data_dir=Path("unused"), public_url="https://ft.example.org/")
BASE = "https://ft.example.org"


def _reminder(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "keyActionId": "ka-1",
        "keyActionTitle": "Ask for the budget",
        "cue": "When I open my laptop on Monday",
        "occurrenceId": "occ-1",
        "dueAt": "2026-03-02T08:00:00+00:00",
        "timeZone": "Europe/London",
        "minutesBefore": 0,
        "nudge": False,
        "actToken": "tok.en/+=",
    }
    payload.update(changes)
    return payload


@pytest.mark.parametrize(
    ("instant", "zone", "shown"),
    [
        ("2026-03-02T08:00:00+00:00", "Europe/London", "Mon 2 Mar, 08:00"),
        ("2026-03-02T08:00:00Z", "America/New_York", "Mon 2 Mar, 03:00"),
        ("2026-03-02T20:30:00+00:00", "Asia/Tokyo", "Tue 3 Mar, 05:30"),
        # Either side of London's spring change (29 March 2026, 01:00 UTC).
        ("2026-03-28T08:00:00+00:00", "Europe/London", "Sat 28 Mar, 08:00"),
        ("2026-03-30T07:00:00+00:00", "Europe/London", "Mon 30 Mar, 08:00"),
        ("2026-03-02T08:00:00+00:00", "Not/AZone", "Mon 2 Mar, 08:00"),
    ],
)
def test_times_are_shown_in_the_recipients_zone(instant: str, zone: str, shown: str) -> None:
    assert local_time(instant, zone) == shown


def test_a_reminder_due_now_says_so_and_links_to_today() -> None:
    message = render(Event.REMINDER_DUE, _reminder(), SETTINGS)
    assert message.title == "Now: Ask for the budget"
    assert message.body.startswith("Due Mon 2 Mar, 08:00.\nYour cue: When I open my laptop on Monday")
    assert message.url == f"{BASE}/today?occurrence=occ-1"


def test_a_reminder_links_each_choice_to_the_act_page() -> None:
    page = f"{BASE}/act/tok.en%2F%2B%3D"
    body = render(Event.REMINDER_DUE, _reminder(), SETTINGS).body
    assert body.splitlines()[2:] == [
        f"Done: {page}?choice=done",
        f"Partly / not done: {page}?choice=partly",
        f"Snooze 15 min: {page}?choice=snooze_15m",
        f"Snooze 1 h: {page}?choice=snooze_1h",
        f"Snooze tonight: {page}?choice=snooze_tonight",
        f"All choices: {page}",
    ]
    assert "/api/" not in body


def test_a_reminder_carries_its_web_push_extras_and_ntfy_buttons() -> None:
    message = render(Event.REMINDER_DUE, _reminder(actToken="T0k"), SETTINGS)
    assert message.push == {
        "tag": "occurrence:occ-1",
        "occurrenceId": "occ-1",
        "actToken": "T0k",
        "actions": [{"action": "done", "title": "Done"}, {"action": "snooze_1h", "title": "Snooze 1 h"}],
    }
    done, more = message.quick_actions
    assert (done.label, done.url, done.post) == ("Done", f"{BASE}/api/v1/act/T0k", {"choice": "done"})
    assert (more.label, more.url, more.post) == ("Snooze…", f"{BASE}/act/T0k", None)


def test_a_snoozed_reminder_says_from_when_in_the_participants_zone() -> None:
    payload = _reminder(snoozedFrom="2026-03-02T16:38:00+00:00", timeZone="America/New_York")
    assert render(Event.REMINDER_DUE, payload, SETTINGS).body.startswith("Snoozed from 11:38.\n")


@pytest.mark.parametrize(
    ("minutes", "title"),
    [
        (15, "In 15 minutes: Ask for the budget"),
        (1, "In 1 minute: Ask for the budget"),
        (60, "In 1 hour: Ask for the budget"),
        (120, "In 2 hours: Ask for the budget"),
        (1440, "In 1 day: Ask for the budget"),
    ],
)
def test_an_early_reminder_says_how_early(minutes: int, title: str) -> None:
    assert render(Event.REMINDER_DUE, _reminder(minutesBefore=minutes), SETTINGS).title == title


def test_the_end_of_day_nudge_reads_differently() -> None:
    message = render(Event.REMINDER_DUE, _reminder(nudge=True, cue=None, timeZone="Europe/Paris"), SETTINGS)
    assert message.title == "Still open: Ask for the budget"
    assert "It was due Mon 2 Mar, 09:00." in message.body
    assert "cue" not in message.body


@pytest.mark.parametrize("changes", [{"actToken": None}, {"actToken": None, "snoozeToken": "old"}])
def test_a_reminder_without_a_token_offers_no_links(changes: dict[str, Any]) -> None:
    message = render(Event.REMINDER_DUE, _reminder(**changes), SETTINGS)
    assert "http" not in message.body
    assert "http" not in message.body_in("html").replace(message.url, "")
    assert message.push is None
    assert message.quick_actions == ()


@pytest.mark.parametrize(
    ("open_count", "says"),
    [(0, "Everything due this week has a check-in."), (1, "1 occurrence still"), (4, "4 occurrences still")],
)
def test_the_weekly_review_prompt(open_count: int, says: str) -> None:
    payload = {"weekStart": "2026-03-02", "openOccurrences": open_count, "timeZone": "Europe/London"}
    message = render(Event.REVIEW_WEEKLY, payload, SETTINGS)
    assert message.title == "Time for your weekly review"
    assert message.body.startswith("The week of Mon 2 Mar:")
    assert says in message.body
    assert message.url == f"{BASE}/review?week=2026-03-02"


def test_encouragement_quotes_the_partner() -> None:
    payload = {"partnerName": "Grace", "message": "You've got this", "keyActionTitle": "Ask for the budget"}
    message = render(Event.ENCOURAGEMENT_RECEIVED, payload, SETTINGS)
    assert message.title == "Grace is cheering you on"
    assert message.body == "“You've got this”\n— about Ask for the budget"
    assert message.url == f"{BASE}/partners"
    bare = render(Event.ENCOURAGEMENT_RECEIVED, {**payload, "keyActionTitle": None}, SETTINGS)
    assert bare.body == "“You've got this”"


def test_an_accepted_invite() -> None:
    message = render(Event.INVITE_ACCEPTED, {"partnerName": "Grace"}, SETTINGS)
    assert message.title == "Grace is now your accountability partner"
    assert message.url == f"{BASE}/partners"


def test_the_partner_digest_lists_each_person_with_their_encouragement_link() -> None:
    payload = {
        "weekStart": "2026-03-02",
        "people": [
            {"participantId": "p1", "name": "Ada", "done": 3, "due": 4, "completionRate": 0.75},
            {"participantId": "p2", "name": "Alan", "done": 0, "due": 0, "completionRate": None},
        ],
        "actTokens": {"p1": "abc"},
        # An old row's /api/ link is never shown: a GET there must not act, so it is no link to offer.
        "oneTapLinks": {"p2": f"{BASE}/api/v1/encourage/old"},
    }
    message = render(Event.PARTNER_DIGEST, payload, SETTINGS)
    assert message.title == "Your partners' week"
    assert message.body.splitlines() == [
        "The week of Mon 2 Mar:",
        f"- Ada: 3 of 4 done (75%) · Send encouragement: {BASE}/act/abc?choice=encourage",
        "- Alan: 0 of 0 done (no check-ins due)",
    ]
    empty = render(
        Event.PARTNER_DIGEST, {"weekStart": "2026-03-02", "people": [], "oneTapLinks": {}}, SETTINGS
    )
    assert "No one you support had anything due." in empty.body


def test_a_missed_check_in_tells_the_partner_in_the_participants_zone() -> None:
    payload = {
        "participantName": "Ada",
        "participantId": "p1",
        "keyActionTitle": "Ask for the budget",
        "dueAt": "2026-03-02T17:00:00+00:00",
        "timeZone": "America/New_York",
    }
    message = render(Event.PARTNER_MISSED, payload, SETTINGS)
    assert message.title == "Ada has not checked in yet"
    assert "was due Mon 2 Mar, 12:00" in message.body


def test_a_disabled_channel_tells_its_owner_where_to_fix_it() -> None:
    payload = {"channelLabel": "Work mail", "lastError": "SMTP said no"}
    message = render(Event.CHANNEL_DISABLED, payload, SETTINGS)
    assert message.title == "Notifications to “Work mail” are off"
    assert "Last error: SMTP said no" in message.body
    assert message.url == f"{BASE}/settings/notifications"


def test_every_event_a_person_reads_has_wording() -> None:
    from followthrough.notifications import WEBHOOK_ONLY_EVENTS
    from followthrough.notifications.messages import _RENDERERS

    # checkin.recorded, occurrence.missed and review.submitted go to automations only, as structured JSON
    # (tests/test_webhooks.py): no channel that shows text may take them.
    assert set(_RENDERERS) == set(Event) - WEBHOOK_ONLY_EVENTS
