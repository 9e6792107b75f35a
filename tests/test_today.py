from __future__ import annotations

from datetime import date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from litestar import Litestar
from sqlalchemy import select

from followthrough.actions.models import Occurrence
from followthrough.checkins.models import CheckIn
from followthrough.clock import FrozenClock
from tests.conftest import Caller, Callers, Database
from tests.support.actions import KEY_ACTIONS, check_in, create, utc
from tests.support.agenda import TODAY, agenda, at, daily, sign_in_again
from tests.support.checkins import with_history
from tests.support.statements import counting_statements

# The agenda


async def test_today_lists_what_is_due_on_my_local_date_in_order_with_check_ins(
    owner: Caller, stranger: Caller, database: Database, clock: FrozenClock
) -> None:
    evening = await create(
        owner,
        title="Write the day's log",
        cue="When I close the laptop",
        schedule=daily("2026-02-23T18:30:00"),
        measure={"unit": "entries", "target": 1},
        visibility="partners",
    )
    morning = await create(owner, title="Plan the day", schedule=daily())
    await create(owner, title="Only on Friday", schedule={"kind": "once", "dueAt": "2026-03-06T12:00:00"})
    await create(stranger, title="Not mine", schedule=daily("2026-02-23T10:00:00"))
    made = await check_in(database, owner, morning["id"], utc(2026, 3, 2, 8))

    body = await agenda(owner)
    assert (body["date"], body["timeZone"]) == ("2026-03-02", "Europe/London")
    items = body["items"]
    assert [item["keyAction"]["title"] for item in items] == ["Plan the day", "Write the day's log"]
    assert [at(item["dueAt"]) for item in items] == [utc(2026, 3, 2, 8), utc(2026, 3, 2, 18, 30)]
    assert {item["localDate"] for item in items} == {"2026-03-02"}
    assert items[1]["keyAction"] == {
        "id": evening["id"],
        "title": "Write the day's log",
        "cue": "When I close the laptop",
        "measure": {"unit": "entries", "target": 1.0},
        "visibility": "partners",
    }
    assert items[1]["checkIn"] is None
    check = items[0]["checkIn"]
    assert (check["id"], check["keyActionId"], check["localDate"], check["result"]) == (
        str(made),
        morning["id"],
        "2026-03-02",
        "done",
    )
    assert at(check["occurrenceAt"]) == utc(2026, 3, 2, 8)

    friday = await agenda(owner, date="2026-03-06")
    assert [item["keyAction"]["title"] for item in friday["items"]] == [
        "Plan the day",
        "Only on Friday",
        "Write the day's log",
    ]
    assert [item["keyAction"]["title"] for item in (await agenda(stranger))["items"]] == ["Not mine"]


async def test_each_item_names_its_occurrence_as_a_reminder_does(owner: Caller, database: Database) -> None:
    await create(owner, title="Plan the day", schedule=daily())
    await create(owner, title="Review the day", schedule=daily("2026-02-23T18:00:00"))

    items = (await agenda(owner, date="2026-03-02"))["items"]

    async with database() as db:
        occurrences = await db.scalars(select(Occurrence).where(Occurrence.participant_id == UUID(owner.id)))
        ids = {occurrence.due_at: occurrence.id for occurrence in occurrences}
    assert [UUID(item["occurrenceId"]) for item in items] == [ids[at(item["dueAt"])] for item in items]
    assert len({item["occurrenceId"] for item in items}) == 2


async def test_today_is_the_callers_local_date(callers: Callers, clock: FrozenClock) -> None:
    clock.set(utc(2026, 3, 2, 12))  # 01:00 on Tuesday 3 March in Auckland
    auckland = await callers.participant(time_zone="Pacific/Auckland", name="Kiri")
    await create(auckland, schedule=daily("2026-02-23T07:00:00"))
    body = await agenda(auckland)
    assert (body["date"], body["timeZone"]) == ("2026-03-03", "Pacific/Auckland")
    assert [at(item["dueAt"]) for item in body["items"]] == [utc(2026, 3, 2, 18)]  # 07:00 NZDT


async def test_a_past_date_shows_its_history_and_an_empty_day_is_empty(owner: Caller) -> None:
    await create(owner, schedule=daily())
    past = await agenda(owner, date="2026-02-24")
    assert [at(item["dueAt"]) for item in past["items"]] == [utc(2026, 2, 24, 8)]
    assert (await agenda(owner, date="2025-01-01"))["items"] == []


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"date": "tomorrow"}, 400),
        ({"date": "2026-02-30"}, 400),
        ({"date": "2026-03-02T00:00:00"}, 400),
        ({"date": "2026-04-07"}, 422),
    ],
)
async def test_bad_dates_are_refused_naming_date(owner: Caller, params: dict[str, str], status: int) -> None:
    response = await owner.get(TODAY, params=params)
    assert response.status_code == status, response.text
    assert [error["field"] for error in response.json()["errors"]] == ["date"]


async def test_a_date_up_to_the_horizon_ahead_is_fine(owner: Caller) -> None:
    await create(owner, schedule=daily())
    far = await agenda(owner, date="2026-04-06")
    assert [at(item["dueAt"]) for item in far["items"]] == [utc(2026, 4, 6, 7)]  # 08:00 BST


async def test_anonymous_callers_get_401_for_today(callers: Callers) -> None:
    assert (await callers.anonymous().get(TODAY)).status_code == 401


# Daylight saving: an 08:00 action stays at 08:00 local time whatever the offset does.

DST_DAYS: dict[str, list[tuple[str, datetime]]] = {
    # EST to EDT on Sunday 8 March, back on Sunday 1 November.
    "America/New_York": [
        ("2026-03-07", utc(2026, 3, 7, 13)),
        ("2026-03-08", utc(2026, 3, 8, 12)),
        ("2026-03-09", utc(2026, 3, 9, 12)),
        ("2026-10-31", utc(2026, 10, 31, 12)),
        ("2026-11-01", utc(2026, 11, 1, 13)),
        ("2026-11-02", utc(2026, 11, 2, 13)),
    ],
    # GMT to BST on Sunday 29 March, back on Sunday 25 October.
    "Europe/London": [
        ("2026-03-28", utc(2026, 3, 28, 8)),
        ("2026-03-29", utc(2026, 3, 29, 7)),
        ("2026-03-30", utc(2026, 3, 30, 7)),
        ("2026-10-24", utc(2026, 10, 24, 7)),
        ("2026-10-25", utc(2026, 10, 25, 8)),
        ("2026-10-26", utc(2026, 10, 26, 8)),
    ],
    # +05:30 all year, on the days when others change.
    "Asia/Kolkata": [
        ("2026-03-08", utc(2026, 3, 8, 2, 30)),
        ("2026-03-29", utc(2026, 3, 29, 2, 30)),
        ("2026-03-30", utc(2026, 3, 30, 2, 30)),
        ("2026-10-25", utc(2026, 10, 25, 2, 30)),
    ],
    # +13:45 to +12:45 on Sunday 5 April, back to +13:45 on Sunday 27 September.
    "Pacific/Chatham": [
        ("2026-04-04", utc(2026, 4, 3, 18, 15)),
        ("2026-04-05", utc(2026, 4, 4, 19, 15)),
        ("2026-04-06", utc(2026, 4, 5, 19, 15)),
        ("2026-09-26", utc(2026, 9, 25, 19, 15)),
        ("2026-09-27", utc(2026, 9, 26, 18, 15)),
        ("2026-09-28", utc(2026, 9, 27, 18, 15)),
    ],
    # A half-hour change: +11 to +10:30 on Sunday 5 April, back to +11 on Sunday 4 October.
    "Australia/Lord_Howe": [
        ("2026-04-04", utc(2026, 4, 3, 21)),
        ("2026-04-05", utc(2026, 4, 4, 21, 30)),
        ("2026-04-06", utc(2026, 4, 5, 21, 30)),
        ("2026-10-03", utc(2026, 10, 2, 21, 30)),
        ("2026-10-04", utc(2026, 10, 3, 21)),
        ("2026-10-05", utc(2026, 10, 4, 21)),
    ],
}


@pytest.mark.parametrize("zone_name", list(DST_DAYS))
async def test_an_eight_oclock_action_stays_at_eight_across_daylight_saving_changes(
    callers: Callers, clock: FrozenClock, zone_name: str
) -> None:
    zone = ZoneInfo(zone_name)
    person = await callers.participant(time_zone=zone_name, name="Tz")
    await create(person, title="Daily", schedule=daily("2026-03-01T08:00:00"))
    await create(
        person,
        title="Mondays",
        schedule={"kind": "recurring", "startsAt": "2026-03-02T08:00:00", "rrule": "FREQ=WEEKLY;BYDAY=MO"},
    )
    for local_date, due_at in DST_DAYS[zone_name]:
        day = date.fromisoformat(local_date)
        clock.set(datetime.combine(day, time(12), zone))
        await sign_in_again(person)
        body = await agenda(person)
        assert body["date"] == local_date
        expected = ["Daily", "Mondays"] if day.weekday() == 0 else ["Daily"]
        assert sorted(item["keyAction"]["title"] for item in body["items"]) == expected, local_date
        for item in body["items"]:
            assert at(item["dueAt"]) == due_at, (local_date, item)
            assert at(item["dueAt"]).astimezone(zone).time() == time(8), local_date
            assert item["localDate"] == local_date


async def test_a_time_inside_the_spring_gap_or_the_autumn_overlap_is_due_once(
    callers: Callers, clock: FrozenClock
) -> None:
    person = await callers.participant(time_zone="America/New_York", name="Nora")
    await create(person, title="Half past two", schedule=daily("2026-03-01T02:30:00"))
    await create(person, title="Half past one", schedule=daily("2026-03-01T01:30:00"))
    clock.set(utc(2026, 3, 8, 16))
    spring = await agenda(person)
    # 02:30 does not exist on 8 March: it happens when the clock reaches it, at 03:30 EDT.
    assert [(item["keyAction"]["title"], at(item["dueAt"])) for item in spring["items"]] == [
        ("Half past one", utc(2026, 3, 8, 6, 30)),
        ("Half past two", utc(2026, 3, 8, 7, 30)),
    ]
    clock.set(utc(2026, 11, 1, 17))
    await sign_in_again(person)
    autumn = await agenda(person)
    # 01:30 happens twice on 1 November; the action is due the first time only.
    assert [(item["keyAction"]["title"], at(item["dueAt"])) for item in autumn["items"]] == [
        ("Half past one", utc(2026, 11, 1, 5, 30)),
        ("Half past two", utc(2026, 11, 1, 7, 30)),
    ]


# A new time zone moves the future and leaves the history


async def test_changing_time_zone_moves_future_occurrences_and_keeps_history(
    owner: Caller, database: Database, clock: FrozenClock
) -> None:
    action = await create(owner, schedule=daily())
    clock.set(utc(2026, 3, 5, 20))  # 20:00 in London, 15:00 in New York
    kept = await check_in(database, owner, action["id"], utc(2026, 3, 4, 8))
    moved = await owner.patch("/api/v1/account", json={"timeZone": "America/New_York"})
    assert moved.status_code == 200, moved.text

    response = await owner.get(
        f"{KEY_ACTIONS}/{action['id']}/occurrences", params={"from": "2026-03-02", "to": "2026-03-12"}
    )
    assert response.status_code == 200, response.text
    items = response.json()
    assert [(item["localDate"], at(item["dueAt"])) for item in items] == [
        # History, as it was: 08:00 in London.
        ("2026-03-02", utc(2026, 3, 2, 8)),
        ("2026-03-03", utc(2026, 3, 3, 8)),
        ("2026-03-04", utc(2026, 3, 4, 8)),
        ("2026-03-05", utc(2026, 3, 5, 8)),
        # The future: 08:00 in New York, EST then EDT from 8 March.
        ("2026-03-06", utc(2026, 3, 6, 13)),
        ("2026-03-07", utc(2026, 3, 7, 13)),
        ("2026-03-08", utc(2026, 3, 8, 12)),
        ("2026-03-09", utc(2026, 3, 9, 12)),
        ("2026-03-10", utc(2026, 3, 10, 12)),
        ("2026-03-11", utc(2026, 3, 11, 12)),
        ("2026-03-12", utc(2026, 3, 12, 12)),
    ]
    assert [item["checkIn"]["id"] if item["checkIn"] else None for item in items] == [
        None,
        None,
        str(kept),
        *[None] * 8,
    ]
    async with database() as db:
        rows = await db.execute(
            select(Occurrence.due_at, Occurrence.time_zone).where(
                Occurrence.key_action_id == UUID(action["id"])
            )
        )
        zones = {due_at: zone for due_at, zone in rows.tuples()}
    assert zones[utc(2026, 3, 5, 8)] == "Europe/London"
    assert zones[utc(2026, 3, 6, 13)] == "America/New_York"
    assert utc(2026, 3, 6, 8) not in zones

    today = await agenda(owner)
    assert (today["date"], today["timeZone"]) == ("2026-03-05", "America/New_York")
    assert [at(item["dueAt"]) for item in today["items"]] == [utc(2026, 3, 5, 8)]
    clock.set(utc(2026, 3, 9, 14))
    monday = await agenda(owner)
    assert [at(item["dueAt"]) for item in monday["items"]] == [utc(2026, 3, 9, 12)]
    assert (await owner.get(f"{KEY_ACTIONS}/{action['id']}")).json()[
        "nextOccurrenceAt"
    ] == "2026-03-10T12:00:00Z"


async def test_a_checked_in_occurrence_later_today_stays_when_the_zone_changes(
    owner: Caller, database: Database, clock: FrozenClock
) -> None:
    action = await create(owner, schedule=daily("2026-02-23T18:00:00"))
    clock.set(utc(2026, 3, 5, 10))
    early = await check_in(database, owner, action["id"], utc(2026, 3, 5, 18))
    assert (await owner.patch("/api/v1/account", json={"timeZone": "Asia/Kolkata"})).status_code == 200
    async with database() as db:
        check = await db.scalar(select(CheckIn).where(CheckIn.id == early))
        assert check is not None
        occurrence = await db.scalar(select(Occurrence).where(Occurrence.id == check.occurrence_id))
        assert occurrence is not None
        assert (occurrence.due_at, occurrence.time_zone) == (utc(2026, 3, 5, 18), "Europe/London")
    # 18:00 in Kolkata is 12:30 UTC: today's is new, beside the London one that was checked in early.
    instants = [
        at(item["dueAt"])
        for item in (
            await owner.get(
                f"{KEY_ACTIONS}/{action['id']}/occurrences", params={"from": "2026-03-05", "to": "2026-03-06"}
            )
        ).json()
    ]
    assert instants == [utc(2026, 3, 5, 12, 30), utc(2026, 3, 5, 18), utc(2026, 3, 6, 12, 30)]


# Cost: the agenda takes a fixed number of queries whatever the history


async def test_the_agenda_costs_the_same_queries_for_one_action_as_for_twenty_with_a_year_of_history(
    app: Litestar, callers: Callers, database: Database, clock: FrozenClock
) -> None:
    light = await with_history(callers, database, 1)
    heavy = await with_history(callers, database, 20)

    async def cost(caller: Caller) -> tuple[int, int]:
        with counting_statements(app) as statements:
            body = await agenda(caller)
        return len(statements), len(body["items"])

    for caller in (light, heavy):
        await agenda(caller)  # the session settles on its first request
    light_cost, heavy_cost = await cost(light), await cost(heavy)
    assert (light_cost[1], heavy_cost[1]) == (1, 20)
    assert light_cost[0] == heavy_cost[0]
    # Signing the caller in, checking that nothing needs materialising, and the agenda itself.
    assert light_cost[0] <= 4

    # A day later the first request extends the schedule a week ahead, in as many statements for twenty
    # actions as for one; the requests after it cost what they did before.
    clock.advance(timedelta(days=1))
    extending = await cost(light), await cost(heavy)
    assert extending[0][0] == extending[1][0] > light_cost[0]
    assert (await cost(light))[0] == (await cost(heavy))[0] == light_cost[0]
