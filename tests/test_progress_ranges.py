"""Progress over a range (four weeks, three months, a year, all of it): its buckets in the participant's
local calendar, across a clock change, and a remembered answer kept per range."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from litestar import Litestar
from sqlalchemy import update

from followthrough.actions.models import KeyAction
from followthrough.clock import FrozenClock
from followthrough.readcache import read_cache
from tests.conftest import Caller, Callers, Database
from tests.support.actions import create_action
from tests.support.checkins import CHECK_INS, check_in_body
from tests.support.progress import FRIDAY_NOON, PROGRESS, counts, hand_built_history, insert_history


def _bucket(buckets: list[dict[str, Any]], start: str) -> dict[str, Any]:
    [found] = [bucket for bucket in buckets if bucket["start"] == start]
    return found


async def test_four_weeks_are_the_last_four_local_weeks_with_their_total(
    owner: Caller, clock: FrozenClock
) -> None:
    daily, _ = await hand_built_history(owner, clock)
    progress = (await owner.get(f"/api/v1/key-actions/{daily['id']}/progress", params={"range": "4w"})).json()
    assert (progress["range"], progress["bucketUnit"]) == ("4w", "week")
    assert [(bucket["start"], bucket["end"]) for bucket in progress["buckets"]] == [
        ("2026-02-09", "2026-02-15"),
        ("2026-02-16", "2026-02-22"),
        ("2026-02-23", "2026-03-01"),
        ("2026-03-02", "2026-03-08"),
    ]
    # The same counting rules as `weeks`, which stay as they were.
    assert counts(_bucket(progress["buckets"], "2026-02-23")) == (7, 4, 1, 1, 1, 0, 0.75)
    assert counts(_bucket(progress["buckets"], "2026-03-02")) == (4, 2, 0, 0, 1, 1, 0.6667)
    assert counts(progress["buckets"][0]) == (0, 0, 0, 0, 0, 0, None)
    assert counts(progress["total"]) == (11, 6, 1, 1, 2, 1, 0.7222)
    assert len(progress["weeks"]) == 12


async def test_three_months_are_thirteen_weeks_and_the_default(owner: Caller, clock: FrozenClock) -> None:
    daily, _ = await hand_built_history(owner, clock)
    url = f"/api/v1/key-actions/{daily['id']}/progress"
    default = (await owner.get(url)).json()
    asked = (await owner.get(url, params={"range": "3m"})).json()
    assert default == asked
    assert (asked["range"], asked["bucketUnit"], len(asked["buckets"])) == ("3m", "week", 13)
    assert (asked["buckets"][0]["start"], asked["buckets"][-1]["end"]) == ("2025-12-08", "2026-03-08")
    assert counts(asked["total"]) == (11, 6, 1, 1, 2, 1, 0.7222)


async def test_a_year_is_twelve_calendar_months_for_one_action_and_the_account(
    owner: Caller, clock: FrozenClock
) -> None:
    daily, _ = await hand_built_history(owner, clock)
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
    assert counts(february) == (6, 3, 1, 1, 1, 0, 0.7)
    assert counts(march) == (5, 3, 0, 0, 1, 1, 0.75)

    account = (await owner.get(PROGRESS, params={"range": "1y"})).json()
    assert (account["range"], account["bucketUnit"]) == ("1y", "month")
    # The weekly action adds a done Monday in February and a not-done Monday in March.
    assert counts(account["buckets"][-2]) == (7, 4, 1, 1, 1, 0, 0.75)
    assert counts(account["buckets"][-1]) == (6, 3, 0, 1, 1, 1, 0.6)
    assert counts(account["total"]) == (13, 7, 1, 2, 2, 1, 0.6818)
    assert "weekdays" not in account


async def test_all_runs_in_months_from_the_month_of_the_first_occurrence(
    owner: Caller, clock: FrozenClock
) -> None:
    daily, _ = await hand_built_history(owner, clock)
    progress = (
        await owner.get(f"/api/v1/key-actions/{daily['id']}/progress", params={"range": "all"})
    ).json()
    assert (progress["range"], progress["bucketUnit"]) == ("all", "month")
    assert [bucket["start"] for bucket in progress["buckets"]] == ["2026-02-01", "2026-03-01"]
    assert counts(progress["total"]) == (11, 6, 1, 1, 2, 1, 0.7222)


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
        assert counts(progress["total"]) == (0, 0, 0, 0, 0, 0, None)


async def test_all_switches_to_years_beyond_twenty_four_months_of_history(
    callers: Callers, database: Database, clock: FrozenClock
) -> None:
    veteran = await callers.participant(name="Veteran")
    # Five years of Mondays and Thursdays before Monday 2026-03-02, from Monday 2021-03-08.
    [action], _ = await insert_history(database, UUID(veteran.id), clock.now(), actions=1, weeks=260)
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
    daily, _ = await hand_built_history(owner, clock)
    progress = (await owner.get(f"/api/v1/key-actions/{daily['id']}/progress", params={"range": "4w"})).json()
    assert [day["weekday"] for day in progress["weekdays"]] == list(range(7))
    assert [counts(day) for day in progress["weekdays"]] == [
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
    assert counts(february) == (0, 0, 0, 0, 0, 0, None)
    assert counts(march) == (31, 2, 0, 0, 0, 29, 0.0645)
    # 1 April was missed; this evening's occurrence is still ahead.
    assert counts(april) == (1, 0, 0, 0, 0, 1, 0.0)
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
    daily, _ = await hand_built_history(owner, clock)
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
