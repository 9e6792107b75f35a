"""Dates a request names stay within the years schedules use (issue 11, finding 4): a date near Python's
calendar ends is a 422 naming the parameter, never a 500 from date arithmetic (OverflowError)."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from tests.conftest import Caller
from tests.support.answers import error_fields

KEY_ACTIONS = "/api/v1/key-actions"
CHECK_INS = "/api/v1/check-ins"
REVIEWS = "/api/v1/weekly-reviews"
TODAY = "/api/v1/today"
DAILY = {"kind": "recurring", "startsAt": "2026-02-23T08:00:00", "rrule": "FREQ=DAILY"}


async def _action(caller: Caller) -> str:
    response = await caller.post(KEY_ACTIONS, json={"title": "Walk", "schedule": DAILY})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "9999-12-20", "to": "9999-12-31"}, "from"),
        ({"from": "0001-01-01"}, "from"),
        ({"from": "0001-01-01", "to": "0001-01-07"}, "from"),
        ({"to": "0001-01-03"}, "to"),
        ({"from": "9999-12-31"}, "from"),
        ({"to": "9999-12-31"}, "to"),
        ({"from": "1969-12-31", "to": "1970-01-06"}, "from"),
        ({"from": "2200-12-31", "to": "2201-01-01"}, "to"),
        ({"from": "2026-01-01", "to": "2027-01-02"}, "to"),  # 367 days: one more than a range may span
    ],
)
async def test_occurrences_outside_the_bounds_are_a_422_naming_the_parameter(
    owner: Caller, params: dict[str, str], field: str
) -> None:
    response = await owner.get(f"{KEY_ACTIONS}/{await _action(owner)}/occurrences", params=params)

    assert response.status_code == 422, response.text
    assert error_fields(response) == [field]


@pytest.mark.parametrize(
    "params",
    [
        {"from": "1970-01-01", "to": "1970-01-07"},
        {"to": "1970-01-03"},  # a week ending then would start in 1969: it starts on 1 January 1970
        {"from": "2200-12-31"},  # likewise it ends on the last day, not in 2201
        {"from": "2200-01-01", "to": "2200-12-31"},
    ],
)
async def test_occurrences_at_the_edges_of_the_bounds_are_answered(
    owner: Caller, params: dict[str, str]
) -> None:
    response = await owner.get(f"{KEY_ACTIONS}/{await _action(owner)}/occurrences", params=params)

    assert response.status_code == 200, response.text
    dates = [item["localDate"] for item in response.json()]
    assert all("1970-01-01" <= day <= "2200-12-31" for day in dates)


async def test_the_last_day_of_the_bounds_lists_what_a_schedule_there_produces(owner: Caller) -> None:
    late = {"kind": "recurring", "startsAt": "2200-12-30T23:30:00", "rrule": "FREQ=DAILY"}
    created = await owner.post(KEY_ACTIONS, json={"title": "Late", "schedule": late})
    assert created.status_code == 201, created.text

    response = await owner.get(
        f"{KEY_ACTIONS}/{created.json()['id']}/occurrences", params={"from": "2200-12-25", "to": "2200-12-31"}
    )

    assert response.status_code == 200, response.text
    assert [item["localDate"] for item in response.json()] == ["2200-12-30", "2200-12-31"]


@pytest.mark.parametrize("day", ["0001-01-01", "1969-12-31", "9999-12-31"])
async def test_today_for_a_date_outside_the_bounds_is_a_422_naming_date(owner: Caller, day: str) -> None:
    response = await owner.get(TODAY, params={"date": day})

    assert response.status_code == 422, response.text
    assert error_fields(response) == ["date"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "0001-01-01"}, "from"),
        ({"to": "9999-12-31"}, "to"),
        ({"from": "0001-01-01", "to": "9999-12-31"}, "from"),
    ],
)
async def test_listing_check_ins_outside_the_bounds_is_a_422_naming_the_parameter(
    owner: Caller, params: dict[str, str], field: str
) -> None:
    response = await owner.get(CHECK_INS, params=params)

    assert response.status_code == 422, response.text
    assert error_fields(response) == [field]


async def test_listing_check_ins_over_the_whole_bounds_is_answered(owner: Caller) -> None:
    response = await owner.get(CHECK_INS, params={"from": "1970-01-01", "to": "2200-12-31"})

    assert response.status_code == 200, response.text


@pytest.mark.parametrize("week", ["0001-01-01", "1969-12-29"])  # both Mondays
async def test_a_weekly_review_of_a_week_outside_the_bounds_is_a_422_naming_week_start(
    owner: Caller, week: str
) -> None:
    body: dict[str, Any] = {"id": str(uuid4()), "weekStart": week, "confidence": 3, "checkIns": []}

    response = await owner.post(REVIEWS, json=body)

    assert response.status_code == 422, response.text
    assert error_fields(response) == ["weekStart"]
    assert (await owner.get(REVIEWS)).json()["total"] == 0
