"""The calendar feed: a secret address that calendar apps read without signing in, listing the participant's
active key actions as events whose expansion is exactly the API's occurrences."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from icalendar import Calendar
from litestar import Litestar

from followthrough.clock import FrozenClock
from followthrough.logs import HideLinkTokens
from tests.conftest import Caller, Callers
from tests.support import actions
from tests.support.statements import counting_statements

FEED = "/api/v1/calendar-feed"
KEY_ACTIONS = "/api/v1/key-actions"


async def create_action(
    caller: Caller, title: str, schedule: dict[str, str], **fields: Any
) -> dict[str, Any]:
    return await actions.create_action(caller, defaults={}, title=title, schedule=schedule, **fields)


def recurring(starts: str, rrule: str) -> dict[str, str]:
    return {"kind": "recurring", "startsAt": starts, "rrule": rrule}


async def make_feed(caller: Caller) -> dict[str, Any]:
    response = await caller.post(FEED)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def path_of(url: str) -> str:
    return urlsplit(url).path


async def read_feed(callers: Callers, url: str) -> Calendar:
    response = await callers.anonymous().client.get(path_of(url))
    assert response.status_code == 200, response.text
    return Calendar.from_ical(response.content)


# The property of issue 12: over a year, in five zones across daylight-saving changes, the feed expands to
# exactly the API's occurrences.

ZONES_AND_GAP_TIMES = {
    "Europe/London": "01:30:00",  # clocks go 01:00 -> 02:00 in March, 02:00 -> 01:00 in October
    "America/New_York": "02:30:00",
    "Australia/Sydney": "02:30:00",  # southern: forward in October, back in April
    "Asia/Kolkata": "02:30:00",  # no daylight saving
    "Pacific/Chatham": "03:00:00",  # +12:45/+13:45, clocks go 02:45 -> 03:45
}


def schedules(gap_time: str) -> dict[str, dict[str, str]]:
    return {
        "daily at nine": recurring("2026-02-20T09:00:00", "FREQ=DAILY"),
        # The start is a Tuesday the rule does not produce: iCalendar would count it, the API does not.
        "twice a week": recurring("2026-02-24T18:30:00", "FREQ=WEEKLY;BYDAY=MO,TH"),
        "every other Tuesday since November": recurring(
            "2025-11-06T07:15:00", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"
        ),
        "on the 31st": recurring("2026-01-31T12:00:00", "FREQ=MONTHLY"),
        "last weekday of the month": recurring(
            "2026-01-01T17:00:00", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"
        ),
        "in the gap, or twice in the overlap": recurring(f"2026-01-01T{gap_time}", "RRULE:freq=daily"),
        "on America's change day": recurring("2026-01-01T02:30:00", "FREQ=YEARLY;BYMONTH=3,11;BYDAY=2SU,1SU"),
        "ten Saturdays": recurring("2026-03-01T10:00:00", "FREQ=WEEKLY;BYDAY=SA;COUNT=10"),
        "every third day until a fall-back night": recurring(
            "2026-09-01T01:15:00", "FREQ=DAILY;INTERVAL=3;UNTIL=20261101T013000"
        ),
        "every five hours, thirty times": recurring("2026-03-07T20:00:00", "FREQ=HOURLY;INTERVAL=5;COUNT=30"),
        "once": {"kind": "once", "dueAt": "2026-06-15T10:00:00"},
    }


async def api_instants(caller: Caller, action_id: str, first: date, last: date) -> list[datetime]:
    response = await caller.get(
        f"{KEY_ACTIONS}/{action_id}/occurrences", params={"from": first.isoformat(), "to": last.isoformat()}
    )
    assert response.status_code == 200, response.text
    return [datetime.fromisoformat(item["dueAt"]) for item in response.json()]


def feed_instants(calendar: Calendar, zone: ZoneInfo, first: date, last: date) -> dict[str, list[datetime]]:
    """Each event's occurrences due on the local dates first..last, as recurring_ical_events expands them."""
    start = datetime.combine(first - timedelta(days=2), datetime.min.time(), UTC)
    end = datetime.combine(last + timedelta(days=3), datetime.min.time(), UTC)
    found: dict[str, list[datetime]] = {}
    for occurrence in recurring_ical_events.of(calendar).between(start, end):
        instant = occurrence.decoded("dtstart").astimezone(UTC)
        if first <= instant.astimezone(zone).date() <= last:
            found.setdefault(str(occurrence["uid"]).removesuffix("@followthrough"), []).append(instant)
    return found


@pytest.mark.parametrize("time_zone", sorted(ZONES_AND_GAP_TIMES))
async def test_over_a_year_the_feed_expands_to_exactly_the_api_occurrences(
    callers: Callers, time_zone: str
) -> None:
    person = await callers.participant(time_zone=time_zone, name="Zoned")
    made = {
        title: await create_action(person, title, schedule)
        for title, schedule in schedules(ZONES_AND_GAP_TIMES[time_zone]).items()
    }
    zone = ZoneInfo(time_zone)
    first = datetime(2026, 3, 2, 9, tzinfo=UTC).astimezone(zone).date()
    last = first + timedelta(days=364)

    expanded = feed_instants(await read_feed(callers, (await make_feed(person))["url"]), zone, first, last)

    for title, action in made.items():
        expected = await api_instants(person, action["id"], first, last)
        assert expected, title  # every rule has occurrences in the year, or the comparison says little
        got = expanded.get(action["id"], [])
        assert sorted(set(got)) == expected, title
        if "hours" not in title:
            # Only an hourly rule can put two wall times on one instant (02:00 and 03:00 in a spring gap).
            assert len(got) == len(expected), title


async def test_a_rule_ending_in_a_spring_gap_ends_where_the_api_does(callers: Callers) -> None:
    person = await callers.participant(time_zone="America/New_York", name="Gap")
    # Wall times 00:30, 02:30 (in the gap, so 03:30 EDT) ... up to the local UNTIL 02:45.
    action = await create_action(
        person, "Late shift", recurring("2026-03-07T02:30:00", "FREQ=DAILY;UNTIL=20260308T024500")
    )
    calendar = await read_feed(callers, (await make_feed(person))["url"])
    zone = ZoneInfo("America/New_York")
    expected = await api_instants(person, action["id"], date(2026, 3, 1), date(2026, 3, 14))
    assert expected == [datetime(2026, 3, 7, 7, 30, tzinfo=UTC), datetime(2026, 3, 8, 7, 30, tzinfo=UTC)]
    assert feed_instants(calendar, zone, date(2026, 3, 1), date(2026, 3, 14))[action["id"]] == expected


# What each event says


async def test_each_event_carries_its_schedule_reminders_cue_and_barrier(
    owner: Caller, callers: Callers
) -> None:
    barrier = await owner.post(
        "/api/v1/barriers", json={"title": "No time for deep work", "level": "personal"}
    )
    assert barrier.status_code == 201, barrier.text
    action = await create_action(
        owner,
        "Write one page",
        recurring("2026-03-02T08:00:00", "FREQ=WEEKLY;BYDAY=MO,WE"),
        cue="When I open my laptop",
        barrierId=barrier.json()["id"],
        reminderOffsets=[0, 15, 1440],
    )
    calendar = await read_feed(callers, (await make_feed(owner))["url"])

    assert str(calendar["x-wr-calname"]) == "Followthrough — Owner"
    assert [str(zone["tzid"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["uid"]) == f"{action['id']}@followthrough"
    assert str(vevent["summary"]) == "Write one page"
    assert vevent.decoded("dtstart") == datetime(2026, 3, 2, 8, tzinfo=ZoneInfo("Europe/London"))
    assert vevent["dtstart"].params["TZID"] == "Europe/London"
    assert vevent["rrule"]["FREQ"] == ["WEEKLY"]
    assert vevent["rrule"]["BYDAY"] == ["MO", "WE"]
    assert vevent.decoded("duration") == timedelta(minutes=15)
    description = str(vevent["description"])
    assert "When I open my laptop, I will write one page." in description
    assert "Barrier: No time for deep work" in description
    assert str(vevent["url"]).endswith(f"/actions/{action['id']}")
    alarms = vevent.walk("VALARM")
    assert sorted(alarm.decoded("trigger") for alarm in alarms) == [
        timedelta(minutes=-1440),
        timedelta(minutes=-15),
        timedelta(0),
    ]
    assert {str(alarm["action"]) for alarm in alarms} == {"DISPLAY"}


async def test_paused_done_and_dropped_actions_are_left_out(owner: Caller, callers: Callers) -> None:
    kept = await create_action(owner, "Keep going", recurring("2026-03-02T08:00:00", "FREQ=DAILY"))
    for status in ("paused", "done", "dropped"):
        action = await create_action(owner, f"Now {status}", recurring("2026-03-02T08:00:00", "FREQ=DAILY"))
        response = await owner.post(
            f"{KEY_ACTIONS}/{action['id']}/status", json={"status": status, "reason": "Changed plans"}
        )
        assert response.status_code == 200, response.text
    calendar = await read_feed(callers, (await make_feed(owner))["url"])
    assert [str(item["uid"]) for item in calendar.walk("VEVENT")] == [f"{kept['id']}@followthrough"]


async def test_someone_elses_actions_and_barriers_never_appear(
    owner: Caller, stranger: Caller, callers: Callers
) -> None:
    await create_action(owner, "Mine", recurring("2026-03-02T08:00:00", "FREQ=DAILY"))
    theirs = await stranger.post("/api/v1/barriers", json={"title": "Stranger's secret", "level": "personal"})
    await create_action(
        stranger,
        "Theirs",
        recurring("2026-03-02T08:00:00", "FREQ=DAILY"),
        barrierId=theirs.json()["id"],
        cue="When nobody looks",
    )
    await make_feed(stranger)
    response = await callers.anonymous().client.get(path_of((await make_feed(owner))["url"]))
    assert "Mine" in response.text
    assert "Theirs" not in response.text
    assert "secret" not in response.text
    assert "nobody" not in response.text


# The address


async def test_the_address_works_without_signing_in_and_says_it_is_a_private_calendar(
    owner: Caller, callers: Callers, app: Litestar
) -> None:
    await create_action(owner, "Walk", recurring("2026-03-02T08:00:00", "FREQ=DAILY"))
    made = await make_feed(owner)
    assert made["url"].startswith(app.state.settings.public_url.rstrip("/") + "/calendar/")
    assert made["url"].endswith(".ics")
    assert made["webcalUrl"] == "webcal://" + made["url"].split("://", 1)[1]
    token = path_of(made["url"]).removeprefix("/calendar/").removesuffix(".ics")
    assert len(token) == 43
    assert made["hint"] == token[-4:]

    response = await callers.anonymous().client.get(path_of(made["url"]))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["cache-control"] == "private, no-cache"
    assert "BEGIN:VEVENT" in response.text
    assert "SUMMARY:Walk" in response.text


async def test_a_new_address_replaces_the_old_one_at_once(owner: Caller, callers: Callers) -> None:
    old = await make_feed(owner)
    new = await make_feed(owner)
    anonymous = callers.anonymous().client
    assert (await anonymous.get(path_of(old["url"]))).status_code == 404
    assert (await anonymous.get(path_of(new["url"]))).status_code == 200
    assert (await owner.get(FEED)).json()["hint"] == new["hint"]


async def test_turning_the_feed_off_makes_its_address_answer_like_any_unknown_one(
    owner: Caller, callers: Callers
) -> None:
    made = await make_feed(owner)
    assert (await owner.delete(FEED)).status_code == 204
    anonymous = callers.anonymous().client
    revoked = await anonymous.get(path_of(made["url"]))
    unknown = await anonymous.get("/calendar/" + "A" * 43 + ".ics")
    assert revoked.status_code == unknown.status_code == 404
    assert {**revoked.json(), "requestId": ""} == {**unknown.json(), "requestId": ""}
    assert (await owner.get(FEED)).json() == {
        "enabled": False,
        "hint": None,
        "createdAt": None,
        "lastFetchedAt": None,
    }
    assert (await owner.delete(FEED)).status_code == 404


async def test_reading_the_feed_state_never_shows_the_address(
    owner: Caller, callers: Callers, clock: FrozenClock
) -> None:
    assert (await owner.get(FEED)).json()["enabled"] is False
    made = await make_feed(owner)
    token = path_of(made["url"]).removeprefix("/calendar/").removesuffix(".ics")
    clock.advance(timedelta(minutes=1))
    await callers.anonymous().client.get(path_of(made["url"]))
    state = await owner.get(FEED)
    assert token not in state.text
    assert state.json() == {
        "enabled": True,
        "hint": made["hint"],
        "createdAt": made["createdAt"],
        "lastFetchedAt": "2026-03-02T09:01:00Z",
    }


async def test_an_unchanged_feed_answers_304_and_still_counts_as_fetched(
    owner: Caller, callers: Callers, clock: FrozenClock
) -> None:
    await create_action(owner, "Walk", recurring("2026-03-02T08:00:00", "FREQ=DAILY"))
    path = path_of((await make_feed(owner))["url"])
    anonymous = callers.anonymous().client
    first = await anonymous.get(path)
    clock.advance(timedelta(hours=1))
    again = await anonymous.get(path, headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert (await owner.get(FEED)).json()["lastFetchedAt"] == "2026-03-02T10:00:00Z"
    await create_action(owner, "Read", recurring("2026-03-02T20:00:00", "FREQ=DAILY"))
    changed = await anonymous.get(path, headers={"if-none-match": first.headers["etag"]})
    assert changed.status_code == 200
    assert "SUMMARY:Read" in changed.text


@pytest.mark.parametrize(
    "file_name",
    [
        "x.ics",
        "A" * 43 + ".ics",
        "A" * 43,
        "A" * 42 + ".ics",
        "A" * 44 + ".ics",
        "A" * 43 + ".ICS",
        "A" * 43 + ".ics.ics",
        "A" * 42 + "=.ics",
        "A" * 42 + "%C3%A9.ics",
        "..%2F..%2Fapi%2Fv1%2Faccount",
        "A" * 5000 + ".ics",
        ".ics",
        "%20.ics",
    ],
)
async def test_garbage_addresses_of_every_shape_are_404(callers: Callers, file_name: str) -> None:
    response = await callers.anonymous().client.get(f"/calendar/{file_name}")
    assert response.status_code == 404, response.text


async def test_a_nul_in_the_address_is_refused_as_everywhere(callers: Callers) -> None:
    # The app refuses NUL in any request before routing (followthrough.edge); still no 5xx.
    response = await callers.anonymous().client.get("/calendar/" + "%00" * 43 + ".ics")
    assert response.status_code == 422, response.text


async def test_the_token_is_never_logged(
    owner: Caller, callers: Callers, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    made = await make_feed(owner)
    token = path_of(made["url"]).removeprefix("/calendar/").removesuffix(".ics")
    await callers.anonymous().client.get(path_of(made["url"]))
    await owner.get(FEED)
    # The test's own HTTP client logs the URLs it asks for; the server must not.
    server_lines = [record.getMessage() for record in caplog.records if not record.name.startswith("http")]
    assert not any(token in line for line in server_lines)
    access = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("1.2.3.4", "GET", path_of(made["url"]), "1.1", 200),
        None,
    )
    HideLinkTokens().filter(access)
    assert token not in access.getMessage()
    assert "/calendar/…" in access.getMessage()


async def test_signed_out_callers_cannot_manage_a_feed(callers: Callers) -> None:
    anonymous = callers.anonymous().client
    assert (await anonymous.get(FEED)).status_code == 401
    assert (await anonymous.post(FEED)).status_code == 401
    assert (await anonymous.delete(FEED)).status_code == 401


# Cost


async def test_serving_the_feed_takes_two_queries_whatever_the_number_of_actions(
    owner: Caller, callers: Callers, app: Litestar, clock: FrozenClock
) -> None:
    barrier = await owner.post("/api/v1/barriers", json={"title": "Busy", "level": "personal"})
    path = path_of((await make_feed(owner))["url"])
    anonymous = callers.anonymous().client
    counts = []
    for index in range(2):
        for extra in range(5 * index + 1):
            await create_action(
                owner,
                f"Habit {index}.{extra}",
                recurring("2026-03-02T08:00:00", "FREQ=WEEKLY;BYDAY=MO;COUNT=5"),
                barrierId=barrier.json()["id"],
            )
        await anonymous.get(path)  # notes the fetch; the next one within minutes does not
        clock.advance(timedelta(minutes=1))
        with counting_statements(app) as statements:
            assert (await anonymous.get(path)).status_code == 200
        counts.append(len([s for s in statements if s.lstrip().upper().startswith(("SELECT", "UPDATE"))]))
    assert counts == [2, 2]
