from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from litestar import Litestar
from sqlalchemy import insert, update

from followthrough.actions.models import KeyAction, Occurrence
from followthrough.checkins.models import CheckIn
from followthrough.clock import FrozenClock
from followthrough.enums import ActionStatus, CheckInResult, ScheduleKind
from followthrough.readcache import read_cache
from tests.conftest import Caller, Callers, Database
from tests.support.actions import create_action
from tests.support.checkins import CHECK_INS, check_in_body
from tests.support.statements import counting_statements

PROGRESS = "/api/v1/progress"
FRIDAY_NOON = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)


def _week(weeks: list[dict[str, Any]], week_start: str) -> dict[str, Any]:
    [found] = [week for week in weeks if week["weekStart"] == week_start]
    return found


def _counts(week: dict[str, Any]) -> tuple[Any, ...]:
    keys = ("due", "done", "partly", "notDone", "skipped", "missed", "completionRate")
    return tuple(week[key] for key in keys)


async def _hand_built_history(owner: Caller, clock: FrozenClock) -> tuple[dict[str, Any], dict[str, Any]]:
    """Friday 2026-03-06 noon in London: a daily action (08:00) and a weekly one (Mondays 18:00), measured.

    daily:  Feb 23 done, 24 done, 25 not done, 26 done, 27 partly, 28 skipped, Mar 1 done,
            Mar 2 done, Mar 3 missed, Mar 4 done, Mar 5 skipped, Mar 6 (today) not checked in yet.
    weekly: Feb 23 done (2 managers coached), Mar 2 not done (1.5).
    """
    clock.set(FRIDAY_NOON)
    daily = await create_action(owner)
    weekly = await create_action(
        owner,
        title="Coach a manager",
        schedule={"kind": "recurring", "startsAt": "2026-02-23T18:00:00", "rrule": "FREQ=WEEKLY;BYDAY=MO"},
        measure={"unit": "managers coached", "target": 10},
    )
    daily_results = {
        "02-23": "done",
        "02-24": "done",
        "02-25": "not_done",
        "02-26": "done",
        "02-27": "partly",
        "02-28": "skipped",
        "03-01": "done",
        "03-02": "done",
        "03-04": "done",
        "03-05": "skipped",
    }
    for day, result in daily_results.items():
        response = await owner.post(
            CHECK_INS, json=check_in_body(daily, at=f"2026-{day}T08:00:00Z", result=result)
        )
        assert response.status_code == 201, response.text
    for at, result, value in [("2026-02-23T18:00:00Z", "done", 2), ("2026-03-02T18:00:00Z", "not_done", 1.5)]:
        response = await owner.post(
            CHECK_INS, json=check_in_body(weekly, at=at, result=result, measureValue=value)
        )
        assert response.status_code == 201, response.text
    return daily, weekly


async def test_a_key_actions_progress_counts_streaks_and_weekly_rates_exactly(
    owner: Caller, clock: FrozenClock
) -> None:
    daily, weekly = await _hand_built_history(owner, clock)

    progress = (await owner.get(f"/api/v1/key-actions/{daily['id']}/progress")).json()
    assert (progress["keyActionId"], progress["title"], progress["today"]) == (
        daily["id"],
        daily["title"],
        "2026-03-06",
    )
    # Kept runs, skipped days left out: 23-24 | 26, 27, Mar 1, Mar 2 | Mar 4; Mar 3 was missed.
    assert progress["streak"] == {"current": 1, "best": 4}
    weeks = progress["weeks"]
    assert len(weeks) == 12
    assert [week["weekStart"] for week in weeks][:2] == ["2025-12-15", "2025-12-22"]
    assert weeks[-1]["weekStart"] == "2026-03-02"
    assert _counts(_week(weeks, "2026-02-23")) == (7, 4, 1, 1, 1, 0, 0.75)
    # Today's unchecked occurrence and the weekend's future ones are not counted.
    assert _counts(_week(weeks, "2026-03-02")) == (4, 2, 0, 0, 1, 1, 0.6667)
    assert _counts(weeks[0]) == (0, 0, 0, 0, 0, 0, None)
    assert progress["measure"] is None

    coached = (await owner.get(f"/api/v1/key-actions/{weekly['id']}/progress")).json()
    assert coached["streak"] == {"current": 0, "best": 1}
    assert _counts(_week(coached["weeks"], "2026-02-23")) == (1, 1, 0, 0, 0, 0, 1.0)
    assert _counts(_week(coached["weeks"], "2026-03-02")) == (1, 0, 0, 1, 0, 0, 0.0)
    measure = coached["measure"]
    assert (measure["keyActionId"], measure["unit"], measure["target"], measure["total"]) == (
        weekly["id"],
        "managers coached",
        10,
        3.5,
    )
    assert [week["total"] for week in measure["weeks"]] == [0] * 10 + [2, 1.5]
    assert [week["weekStart"] for week in measure["weeks"]] == [week["weekStart"] for week in weeks]


async def test_the_accounts_progress_counts_days_on_which_everything_was_kept(
    owner: Caller, clock: FrozenClock
) -> None:
    daily, weekly = await _hand_built_history(owner, clock)
    barrier = (
        await owner.post("/api/v1/barriers", json={"title": "No budget", "level": "organization"})
    ).json()
    clock.advance(timedelta(minutes=5))
    await owner.patch(
        f"/api/v1/barriers/{barrier['id']}", json={"status": "loosening", "statusReason": "A grant"}
    )

    progress = (await owner.get(PROGRESS)).json()
    assert progress["today"] == "2026-03-06"
    # Days: 23, 24 kept | 25 not | 26, 27, Mar 1 kept (28 only skipped) | Mar 2 (weekly not done) |
    # Mar 3 (missed) | Mar 4 kept; Mar 5 only skipped, Mar 6 nothing checked in yet.
    assert progress["streak"] == {"current": 1, "best": 3}
    assert _counts(_week(progress["weeks"], "2026-02-23")) == (8, 5, 1, 1, 1, 0, 0.7857)
    assert _counts(_week(progress["weeks"], "2026-03-02")) == (5, 2, 0, 1, 1, 1, 0.5)
    assert [(item["keyActionId"], item["total"]) for item in progress["measures"]] == [(weekly["id"], 3.5)]
    [history] = progress["barriers"]
    assert (history["barrierId"], history["title"], history["status"]) == (
        barrier["id"],
        "No budget",
        "loosening",
    )
    assert [(step["fromStatus"], step["toStatus"], step["reason"]) for step in history["history"]] == [
        (None, "holding", None),
        ("holding", "loosening", "A grant"),
    ]

    # A check-in today counts at once, and the skipped day between does not break the run.
    today = await owner.post(CHECK_INS, json=check_in_body(daily, at="2026-03-06T08:00:00Z"))
    assert today.status_code == 201
    assert (await owner.get(PROGRESS)).json()["streak"] == {"current": 2, "best": 3}
    one = (await owner.get(f"/api/v1/key-actions/{daily['id']}/progress")).json()
    assert one["streak"] == {"current": 2, "best": 4}


async def test_progress_without_history_is_all_zeros(owner: Caller) -> None:
    progress = (await owner.get(PROGRESS)).json()
    assert progress["streak"] == {"current": 0, "best": 0}
    assert len(progress["weeks"]) == 12
    assert {_counts(week) for week in progress["weeks"]} == {(0, 0, 0, 0, 0, 0, None)}
    assert (progress["measures"], progress["barriers"]) == ([], [])

    action = await create_action(owner, measure={"unit": "hours saved", "target": None})
    one = (await owner.get(f"/api/v1/key-actions/{action['id']}/progress")).json()
    assert one["measure"]["total"] == 0
    assert one["measure"]["target"] is None
    assert [week["total"] for week in one["measure"]["weeks"]] == [0] * 12


async def test_a_stranger_cannot_see_my_progress(owner: Caller, stranger: Caller) -> None:
    action = await create_action(owner, measure={"unit": "hours saved", "target": 3})
    await owner.post(CHECK_INS, json=check_in_body(action, measureValue=2))
    assert (await stranger.get(f"/api/v1/key-actions/{action['id']}/progress")).status_code == 404
    theirs = (await stranger.get(PROGRESS)).json()
    assert theirs["measures"] == []
    assert sum(week["due"] for week in theirs["weeks"]) == 0


async def test_an_unknown_key_actions_progress_is_404(owner: Caller) -> None:
    response = await owner.get(f"/api/v1/key-actions/{uuid4()}/progress")
    assert (response.status_code, response.json()["detail"]) == (404, "key action not found")


async def test_anonymous_callers_get_401_on_progress(callers: Callers) -> None:
    anonymous = callers.anonymous()
    assert (await anonymous.get(PROGRESS)).status_code == 401
    assert (await anonymous.get(f"/api/v1/key-actions/{uuid4()}/progress")).status_code == 401


# Cost


RESULTS = [
    CheckInResult.DONE,
    CheckInResult.DONE,
    CheckInResult.PARTLY,
    CheckInResult.NOT_DONE,
    CheckInResult.SKIPPED,
]


async def _insert_history(
    database: Database, participant_id: UUID, now: datetime, actions: int, weeks: int
) -> tuple[list[UUID], int]:
    """Actions due on Mondays and Thursdays at 08:00 London time for `weeks` weeks before today, checked in
    on five of every six occurrences. Returns the action ids and the number of occurrences in the last 12
    weeks."""
    today = now.date()
    first_monday = today - timedelta(days=today.weekday(), weeks=weeks)
    window_start = today - timedelta(days=today.weekday(), weeks=11)
    action_rows: list[dict[str, Any]] = []
    occurrence_rows: list[dict[str, Any]] = []
    check_in_rows: list[dict[str, Any]] = []
    in_window = 0
    for number in range(actions):
        action_id = uuid4()
        action_rows.append(
            {
                "id": action_id,
                "participant_id": participant_id,
                "title": f"Action {number}",
                "schedule_kind": ScheduleKind.RECURRING,
                "starts_at": datetime.combine(first_monday, time(8, 0)),
                "rrule": "FREQ=WEEKLY;BYDAY=MO,TH",
                "status": ActionStatus.ACTIVE,
                "status_changed_at": now,
                "measure_unit": "hours saved" if number % 2 else None,
                "occurrences_until": now + timedelta(days=400),
                "reminder_offsets": [],
                "created_at": now,
                "updated_at": now,
            }
        )
        day = first_monday
        index = 0
        while day < today:
            if day.weekday() in (0, 3):
                occurrence_id = uuid4()
                week_start = day - timedelta(days=day.weekday())
                occurrence_rows.append(
                    {
                        "id": occurrence_id,
                        "participant_id": participant_id,
                        "key_action_id": action_id,
                        "due_at": datetime.combine(day, time(8, 0), tzinfo=UTC),
                        "local_date": day,
                        "week_start": week_start,
                        "time_zone": "Europe/London",
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                in_window += week_start >= window_start
                if index % 6 != 5:
                    check_in_rows.append(
                        {
                            "id": uuid4(),
                            "participant_id": participant_id,
                            "key_action_id": action_id,
                            "occurrence_id": occurrence_id,
                            "result": RESULTS[index % 6],
                            "measure_value": 1.0 if number % 2 else None,
                            "checked_in_at": now,
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
                index += 1
            day += timedelta(days=1)
    async with database() as db:
        await db.execute(insert(KeyAction), action_rows)
        for offset in range(0, len(occurrence_rows), 500):
            await db.execute(insert(Occurrence), occurrence_rows[offset : offset + 500])
        for offset in range(0, len(check_in_rows), 500):
            await db.execute(insert(CheckIn), check_in_rows[offset : offset + 500])
    return [row["id"] for row in action_rows], in_window


async def test_progress_costs_the_same_few_queries_for_a_week_or_a_year_of_history(
    app: Litestar, callers: Callers, database: Database, clock: FrozenClock
) -> None:
    now = clock.now()
    newcomer = await callers.participant(name="Newcomer")
    veteran = await callers.participant(name="Veteran")
    new_actions, _ = await _insert_history(database, UUID(newcomer.id), now, actions=2, weeks=1)
    old_actions, in_window = await _insert_history(database, UUID(veteran.id), now, actions=20, weeks=52)

    costs: dict[str, list[int]] = {}
    for caller, action_id in [(newcomer, new_actions[1]), (veteran, old_actions[1])]:
        await caller.get(PROGRESS)  # sessions and occurrences settle on the first request
        with counting_statements(app) as account:
            account_response = await caller.get(PROGRESS)
        with counting_statements(app) as one:
            one_response = await caller.get(f"/api/v1/key-actions/{action_id}/progress")
        assert account_response.status_code == one_response.status_code == 200
        costs.setdefault("account", []).append(len(account))
        costs.setdefault("one", []).append(len(one))
        for value in ("4w", "1y", "all"):
            with counting_statements(app) as ranged:
                response = await caller.get(f"/api/v1/key-actions/{action_id}/progress?range={value}")
            assert response.status_code == 200
            costs.setdefault(value, []).append(len(ranged))

    assert costs["account"][0] == costs["account"][1] <= 8, costs
    assert costs["one"][0] == costs["one"][1] <= 6, costs
    assert costs["4w"][0] == costs["4w"][1] == costs["1y"][0] == costs["1y"][1] <= 6, costs
    assert costs["all"][0] == costs["all"][1] <= 7, costs  # and one to find the first occurrence

    veteran_progress = (await veteran.get(PROGRESS)).json()
    assert sum(week["due"] for week in veteran_progress["weeks"]) == in_window
    assert len(veteran_progress["measures"]) == 10
    # Five of every six occurrences have a check-in, one of them skipped: runs are short but never zero.
    assert veteran_progress["streak"]["best"] >= 1


async def test_a_year_of_history_gives_the_expected_totals(
    callers: Callers, database: Database, clock: FrozenClock
) -> None:
    veteran = await callers.participant(name="Veteran")
    actions, _ = await _insert_history(database, UUID(veteran.id), clock.now(), actions=2, weeks=52)
    progress = (await veteran.get(f"/api/v1/key-actions/{actions[1]}/progress")).json()
    # 52 weeks of Mondays and Thursdays before Monday 2026-03-02: 104 occurrences, 5 of every 6 checked in.
    checked_in = sum(1 for index in range(104) if index % 6 != 5)
    assert progress["measure"]["total"] == checked_in
    # Pattern per 6 occurrences: done, done, partly, not done, skipped, missed. The best run is 3 (done, done,
    # partly); the last two (indexes 102 and 103) are done, done.
    assert progress["streak"] == {"current": 2, "best": 3}
    assert date.fromisoformat(progress["today"]) == clock.now().date()


# Ranges


def _bucket(buckets: list[dict[str, Any]], start: str) -> dict[str, Any]:
    [found] = [bucket for bucket in buckets if bucket["start"] == start]
    return found


async def test_four_weeks_are_the_last_four_local_weeks_with_their_total(
    owner: Caller, clock: FrozenClock
) -> None:
    daily, _ = await _hand_built_history(owner, clock)
    progress = (await owner.get(f"/api/v1/key-actions/{daily['id']}/progress", params={"range": "4w"})).json()
    assert (progress["range"], progress["bucketUnit"]) == ("4w", "week")
    assert [(bucket["start"], bucket["end"]) for bucket in progress["buckets"]] == [
        ("2026-02-09", "2026-02-15"),
        ("2026-02-16", "2026-02-22"),
        ("2026-02-23", "2026-03-01"),
        ("2026-03-02", "2026-03-08"),
    ]
    # The same counting rules as `weeks`, which stay as they were.
    assert _counts(_bucket(progress["buckets"], "2026-02-23")) == (7, 4, 1, 1, 1, 0, 0.75)
    assert _counts(_bucket(progress["buckets"], "2026-03-02")) == (4, 2, 0, 0, 1, 1, 0.6667)
    assert _counts(progress["buckets"][0]) == (0, 0, 0, 0, 0, 0, None)
    assert _counts(progress["total"]) == (11, 6, 1, 1, 2, 1, 0.7222)
    assert len(progress["weeks"]) == 12


async def test_three_months_are_thirteen_weeks_and_the_default(owner: Caller, clock: FrozenClock) -> None:
    daily, _ = await _hand_built_history(owner, clock)
    url = f"/api/v1/key-actions/{daily['id']}/progress"
    default = (await owner.get(url)).json()
    asked = (await owner.get(url, params={"range": "3m"})).json()
    assert default == asked
    assert (asked["range"], asked["bucketUnit"], len(asked["buckets"])) == ("3m", "week", 13)
    assert (asked["buckets"][0]["start"], asked["buckets"][-1]["end"]) == ("2025-12-08", "2026-03-08")
    assert _counts(asked["total"]) == (11, 6, 1, 1, 2, 1, 0.7222)


async def test_a_year_is_twelve_calendar_months_for_one_action_and_the_account(
    owner: Caller, clock: FrozenClock
) -> None:
    daily, _ = await _hand_built_history(owner, clock)
    one = (await owner.get(f"/api/v1/key-actions/{daily['id']}/progress", params={"range": "1y"})).json()
    assert (one["range"], one["bucketUnit"], len(one["buckets"])) == ("1y", "month", 12)
    assert (one["buckets"][0]["start"], one["buckets"][0]["end"]) == ("2025-04-01", "2025-04-30")
    february, march = one["buckets"][-2:]
    assert (february["start"], february["end"], march["start"], march["end"]) == (
        "2026-02-01",
        "2026-02-28",
        "2026-03-01",
        "2026-03-31",
    )
    assert _counts(february) == (6, 3, 1, 1, 1, 0, 0.7)
    assert _counts(march) == (5, 3, 0, 0, 1, 1, 0.75)

    account = (await owner.get(PROGRESS, params={"range": "1y"})).json()
    assert (account["range"], account["bucketUnit"]) == ("1y", "month")
    # The weekly action adds a done Monday in February and a not-done Monday in March.
    assert _counts(account["buckets"][-2]) == (7, 4, 1, 1, 1, 0, 0.75)
    assert _counts(account["buckets"][-1]) == (6, 3, 0, 1, 1, 1, 0.6)
    assert _counts(account["total"]) == (13, 7, 1, 2, 2, 1, 0.6818)
    assert "weekdays" not in account


async def test_all_runs_in_months_from_the_month_of_the_first_occurrence(
    owner: Caller, clock: FrozenClock
) -> None:
    daily, _ = await _hand_built_history(owner, clock)
    progress = (
        await owner.get(f"/api/v1/key-actions/{daily['id']}/progress", params={"range": "all"})
    ).json()
    assert (progress["range"], progress["bucketUnit"]) == ("all", "month")
    assert [bucket["start"] for bucket in progress["buckets"]] == ["2026-02-01", "2026-03-01"]
    assert _counts(progress["total"]) == (11, 6, 1, 1, 2, 1, 0.7222)


async def test_all_without_any_occurrence_yet_is_this_month(owner: Caller, clock: FrozenClock) -> None:
    clock.set(FRIDAY_NOON)
    later = await create_action(
        owner, schedule={"kind": "recurring", "startsAt": "2026-05-04T08:00:00", "rrule": "FREQ=DAILY"}
    )
    one = (await owner.get(f"/api/v1/key-actions/{later['id']}/progress", params={"range": "all"})).json()
    account = (await owner.get(PROGRESS, params={"range": "all"})).json()
    for progress in (one, account):
        assert [(bucket["start"], bucket["end"]) for bucket in progress["buckets"]] == [
            ("2026-03-01", "2026-03-31")
        ]
        assert _counts(progress["total"]) == (0, 0, 0, 0, 0, 0, None)


async def test_all_switches_to_years_beyond_twenty_four_months_of_history(
    callers: Callers, database: Database, clock: FrozenClock
) -> None:
    veteran = await callers.participant(name="Veteran")
    # Five years of Mondays and Thursdays before Monday 2026-03-02, from Monday 2021-03-08.
    [action], _ = await _insert_history(database, UUID(veteran.id), clock.now(), actions=1, weeks=260)
    one = (await veteran.get(f"/api/v1/key-actions/{action}/progress", params={"range": "all"})).json()
    account = (await veteran.get(PROGRESS, params={"range": "all"})).json()
    for progress in (one, account):
        assert progress["bucketUnit"] == "year"
        assert [(bucket["start"], bucket["end"]) for bucket in progress["buckets"]] == [
            (f"{year}-01-01", f"{year}-12-31") for year in range(2021, 2027)
        ]
        assert progress["total"]["due"] == 520 == sum(bucket["due"] for bucket in progress["buckets"])
        # 2026 up to Sunday 1 March: eight Mondays (Jan 5 … Feb 23) and nine Thursdays (Jan 1 … Feb 26).
        assert progress["buckets"][-1]["due"] == 17
    assert sum(day["due"] for day in one["weekdays"]) == 520
    assert [day["due"] for day in one["weekdays"]] == [260, 0, 0, 260, 0, 0, 0]


async def test_the_weekday_breakdown_counts_each_local_weekday_over_the_range(
    owner: Caller, clock: FrozenClock
) -> None:
    daily, _ = await _hand_built_history(owner, clock)
    progress = (await owner.get(f"/api/v1/key-actions/{daily['id']}/progress", params={"range": "4w"})).json()
    assert [day["weekday"] for day in progress["weekdays"]] == list(range(7))
    assert [_counts(day) for day in progress["weekdays"]] == [
        (2, 2, 0, 0, 0, 0, 1.0),  # Mondays: Feb 23, Mar 2 done
        (2, 1, 0, 0, 0, 1, 0.5),  # Tuesdays: done, Mar 3 missed
        (2, 1, 0, 1, 0, 0, 0.5),  # Wednesdays: not done, done
        (2, 1, 0, 0, 1, 0, 1.0),  # Thursdays: done, skipped
        (1, 0, 1, 0, 0, 0, 0.5),  # Fridays: partly; today's is not counted yet
        (1, 0, 0, 0, 1, 0, None),  # Saturdays: skipped
        (1, 1, 0, 0, 0, 0, 1.0),  # Sundays: done
    ]


async def test_months_and_weekdays_follow_the_local_date_across_a_dst_change(
    callers: Callers, clock: FrozenClock
) -> None:
    """New York, 21:00 every evening through the change of 8 March 2026: every occurrence falls on the next
    day in UTC (02:00 in winter, 01:00 in summer), yet belongs to its local day and month."""
    clock.set(datetime(2026, 4, 2, 12, 0, tzinfo=UTC))  # 08:00 on Thursday 2 April in New York
    evening = await callers.participant(time_zone="America/New_York", name="Evening")
    action = await create_action(
        evening, schedule={"kind": "recurring", "startsAt": "2026-03-01T21:00:00", "rrule": "FREQ=DAILY"}
    )
    for at in ("2026-03-08T02:00:00Z", "2026-04-01T01:00:00Z"):  # Sat 7 March (EST), Tue 31 March (EDT)
        response = await evening.post(CHECK_INS, json=check_in_body(action, at=at))
        assert response.status_code == 201, response.text

    progress = (
        await evening.get(f"/api/v1/key-actions/{action['id']}/progress", params={"range": "1y"})
    ).json()
    february, march, april = progress["buckets"][-3:]
    assert (march["start"], march["end"]) == ("2026-03-01", "2026-03-31")
    assert _counts(february) == (0, 0, 0, 0, 0, 0, None)
    assert _counts(march) == (31, 2, 0, 0, 0, 29, 0.0645)
    # 1 April was missed; this evening's occurrence is still ahead.
    assert _counts(april) == (1, 0, 0, 0, 0, 1, 0.0)
    done_by_weekday = [day["done"] for day in progress["weekdays"]]
    assert done_by_weekday == [0, 1, 0, 0, 0, 1, 0]  # Tuesday 31 March and Saturday 7 March


async def test_an_unknown_range_is_refused_naming_range(owner: Caller) -> None:
    action = await create_action(owner)
    for url in (PROGRESS, f"/api/v1/key-actions/{action['id']}/progress"):
        for value in ("2w", "", "ALL"):
            response = await owner.get(url, params={"range": value})
            assert response.status_code == 422, response.text
            assert [error["field"] for error in response.json()["errors"]] == ["range"]


async def test_another_participants_key_action_answers_404_whatever_the_range(
    owner: Caller, stranger: Caller
) -> None:
    action = await create_action(owner)
    for value in ("4w", "3m", "1y", "all"):
        response = await stranger.get(f"/api/v1/key-actions/{action['id']}/progress", params={"range": value})
        assert (response.status_code, response.json()["detail"]) == (404, "key action not found")


# On PostgreSQL the read cache runs only while it listens (NOTIFY).
@pytest.mark.dialect
async def test_a_remembered_answer_is_kept_per_range(
    app: Litestar, owner: Caller, database: Database, clock: FrozenClock
) -> None:
    daily, _ = await _hand_built_history(owner, clock)
    url = f"/api/v1/key-actions/{daily['id']}/progress"
    three_months = (await owner.get(url, params={"range": "3m"})).json()
    assert three_months["bucketUnit"] == "week"

    async with database() as db:
        await db.execute(update(KeyAction).where(KeyAction.id == UUID(daily["id"])).values(title="Renamed"))
    year = (await owner.get(url, params={"range": "1y"})).json()
    assert (year["range"], year["bucketUnit"], len(year["buckets"]), year["title"]) == (
        "1y",
        "month",
        12,
        "Renamed",
    )
    account_year = (await owner.get(PROGRESS, params={"range": "1y"})).json()
    assert (account_year["range"], account_year["bucketUnit"]) == ("1y", "month")
    account_weeks = (await owner.get(PROGRESS, params={"range": "4w"})).json()
    assert (account_weeks["range"], len(account_weeks["buckets"])) == ("4w", 4)

    # The 3m answer is still remembered: the rename behind the API's back does not show in it.
    assert read_cache(app.state).enabled
    assert (await owner.get(url, params={"range": "3m"})).json() == three_months
