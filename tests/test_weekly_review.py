from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import func, select

from followthrough.checkins.models import CheckIn, WeeklyReview
from followthrough.clock import FrozenClock
from tests.conftest import Caller, Callers, Database
from tests.support.actions import create_action
from tests.support.answers import error_fields
from tests.support.checkins import CHECK_INS, check_in_body, stored_check_ins

REVIEWS = "/api/v1/weekly-reviews"
FRIDAY_EVENING = datetime(2026, 3, 6, 18, 0, tzinfo=UTC)


def review_body(**fields: Any) -> dict[str, Any]:
    return {
        "id": str(uuid4()),
        "moved": "Asked three people for feedback.",
        "inTheWay": "Back-to-back meetings.",
        "nextStep": "Block Friday mornings.",
        "confidence": 4,
        **fields,
    }


async def stored_rows(database: Database, caller: Caller) -> tuple[int, int]:
    """How many reviews and check-ins one participant has stored."""
    owner_id = UUID(caller.id)
    async with database() as db:
        reviews = await db.scalar(
            select(func.count()).select_from(WeeklyReview).where(WeeklyReview.participant_id == owner_id)
        )
        check_ins = await db.scalar(
            select(func.count()).select_from(CheckIn).where(CheckIn.participant_id == owner_id)
        )
    return reviews or 0, check_ins or 0


@pytest.fixture
def friday(clock: FrozenClock) -> FrozenClock:
    clock.set(FRIDAY_EVENING)
    return clock


async def test_the_current_week_lists_open_occurrences_due_so_far(owner: Caller, friday: FrozenClock) -> None:
    daily = await create_action(owner)
    await create_action(
        owner,
        title="Coach a manager",
        schedule={"kind": "recurring", "startsAt": "2026-02-23T19:00:00", "rrule": "FREQ=WEEKLY;BYDAY=FR"},
        measure={"unit": "managers coached", "target": 2},
    )
    await owner.post(CHECK_INS, json=check_in_body(daily, at="2026-03-03T08:00:00Z"))

    current = (await owner.get(f"{REVIEWS}/current")).json()
    assert current["weekStart"] == "2026-03-02"
    assert current["review"] is None
    open_ones = [
        (item["keyActionTitle"], item["localDate"], item["measureUnit"])
        for item in current["openOccurrences"]
    ]
    # Tuesday is checked in; Friday 19:00 is later today but due today; the weekend is not due yet.
    assert open_ones == [
        ("Ask one colleague for feedback", "2026-03-02", None),
        ("Ask one colleague for feedback", "2026-03-04", None),
        ("Ask one colleague for feedback", "2026-03-05", None),
        ("Ask one colleague for feedback", "2026-03-06", None),
        ("Coach a manager", "2026-03-06", "managers coached"),
    ]
    assert all(item["keyActionId"] and item["checkIn"] is None for item in current["openOccurrences"])


async def test_a_review_stores_its_reflections_and_check_ins_together(
    owner: Caller, database: Database, friday: FrozenClock
) -> None:
    action = await create_action(owner)
    body = review_body(
        checkIns=[
            check_in_body(action, at="2026-03-02T08:00:00Z"),
            check_in_body(action, at="2026-03-03T08:00:00Z", result="partly", note="Only asked one person"),
        ]
    )
    response = await owner.post(REVIEWS, json=body)
    assert response.status_code == 201, response.text
    submitted = response.json()
    review = submitted["review"]
    assert review["id"] == body["id"]
    assert review["weekStart"] == "2026-03-02"
    assert (review["moved"], review["inTheWay"], review["nextStep"], review["confidence"]) == (
        body["moved"],
        body["inTheWay"],
        body["nextStep"],
        4,
    )
    assert datetime.fromisoformat(review["submittedAt"]) == friday.now()
    assert [item["id"] for item in submitted["checkIns"]] == [item["id"] for item in body["checkIns"]]
    assert {item["weeklyReviewId"] for item in submitted["checkIns"]} == {body["id"]}
    assert submitted["checkIns"][1]["note"] == "Only asked one person"

    assert await stored_rows(database, owner) == (1, 2)
    assert (await owner.get(f"{REVIEWS}/{body['id']}")).json() == submitted
    current = (await owner.get(f"{REVIEWS}/current")).json()
    assert current["review"] == review
    assert [item["localDate"] for item in current["openOccurrences"]] == [
        "2026-03-04",
        "2026-03-05",
        "2026-03-06",
    ]
    check_in = (await owner.get(f"{CHECK_INS}/{body['checkIns'][0]['id']}")).json()
    assert check_in["weeklyReviewId"] == body["id"]


async def test_a_review_with_no_check_ins_is_fine(owner: Caller, database: Database) -> None:
    response = await owner.post(REVIEWS, json={"id": str(uuid4()), "confidence": 1})
    assert response.status_code == 201
    assert response.json()["checkIns"] == []
    assert response.json()["review"]["moved"] is None
    assert response.json()["review"]["weekStart"] == "2026-03-02"
    assert await stored_rows(database, owner) == (1, 0)


async def test_sending_the_same_review_again_stores_one_and_answers_the_same(
    owner: Caller, database: Database, friday: FrozenClock
) -> None:
    action = await create_action(owner)
    body = review_body(checkIns=[check_in_body(action, at="2026-03-04T08:00:00Z")])
    first = await owner.post(REVIEWS, json=body)
    friday.advance(timedelta(hours=2))
    again = await owner.post(REVIEWS, json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert await stored_rows(database, owner) == (1, 1)


async def test_a_review_replayed_in_the_next_week_with_its_week_given_is_still_the_same(
    owner: Caller, database: Database, friday: FrozenClock
) -> None:
    body = review_body(weekStart="2026-03-02")
    first = await owner.post(REVIEWS, json=body)
    friday.advance(timedelta(days=4))
    again = await owner.post(REVIEWS, json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert await stored_rows(database, owner) == (1, 0)


# Concurrent writes: SQLite's write lock, PostgreSQL's constraints.
@pytest.mark.dialect
async def test_two_identical_reviews_sent_at_once_store_one(
    owner: Caller, database: Database, friday: FrozenClock
) -> None:
    action = await create_action(owner)
    body = review_body(checkIns=[check_in_body(action, at="2026-03-05T08:00:00Z")])
    responses = await asyncio.gather(owner.post(REVIEWS, json=body), owner.post(REVIEWS, json=body))
    assert sorted(response.status_code for response in responses) == [200, 201]
    assert responses[0].json() == responses[1].json()
    assert await stored_rows(database, owner) == (1, 1)


@pytest.mark.parametrize(
    "change",
    [
        {"confidence": 2},
        {"moved": "Something else"},
        {"inTheWay": None},
        {"weekStart": "2026-02-23"},
        {"checkIns": []},
    ],
)
async def test_the_same_review_id_with_a_different_body_is_a_409(
    owner: Caller, database: Database, friday: FrozenClock, change: dict[str, Any]
) -> None:
    action = await create_action(owner)
    body = review_body(checkIns=[check_in_body(action, at="2026-03-04T08:00:00Z")])
    assert (await owner.post(REVIEWS, json=body)).status_code == 201
    before = await stored_check_ins(database, owner)
    response = await owner.post(REVIEWS, json={**body, **change})
    assert response.status_code == 409
    assert error_fields(response) == ["id"]
    assert await stored_check_ins(database, owner) == before
    assert await stored_rows(database, owner) == (1, 1)


async def test_a_replayed_review_whose_check_in_differs_is_a_409(
    owner: Caller, database: Database, friday: FrozenClock
) -> None:
    action = await create_action(owner)
    check_in = check_in_body(action, at="2026-03-04T08:00:00Z")
    body = review_body(checkIns=[check_in])
    await owner.post(REVIEWS, json=body)
    response = await owner.post(REVIEWS, json={**body, "checkIns": [{**check_in, "result": "skipped"}]})
    assert (response.status_code, error_fields(response)) == (409, ["id"])
    assert (await owner.get(f"{CHECK_INS}/{check_in['id']}")).json()["result"] == "done"


async def test_only_one_review_per_week(owner: Caller, database: Database, friday: FrozenClock) -> None:
    assert (await owner.post(REVIEWS, json=review_body())).status_code == 201
    action = await create_action(owner)
    response = await owner.post(
        REVIEWS,
        json=review_body(weekStart="2026-03-02", checkIns=[check_in_body(action, at="2026-03-05T08:00:00Z")]),
    )
    assert response.status_code == 409
    assert error_fields(response) == ["weekStart"]
    assert await stored_rows(database, owner) == (1, 0)


async def test_a_past_week_can_be_reviewed_late_but_not_a_future_one(
    owner: Caller, database: Database, friday: FrozenClock
) -> None:
    action = await create_action(owner)
    late = await owner.post(
        REVIEWS,
        json=review_body(weekStart="2026-02-23", checkIns=[check_in_body(action, at="2026-02-27T08:00:00Z")]),
    )
    assert late.status_code == 201
    assert late.json()["review"]["weekStart"] == "2026-02-23"
    future = await owner.post(REVIEWS, json=review_body(weekStart="2026-03-09"))
    assert (future.status_code, error_fields(future)) == (422, ["weekStart"])
    assert await stored_rows(database, owner) == (1, 1)


async def test_reviews_follow_the_participants_local_week(callers: Callers, clock: FrozenClock) -> None:
    # Sunday 2026-03-08 20:00 UTC is already Monday 2026-03-09 in Auckland.
    clock.set(datetime(2026, 3, 8, 20, 0, tzinfo=UTC))
    auckland = await callers.participant(time_zone="Pacific/Auckland", name="Kiri")
    london = await callers.participant(time_zone="Europe/London", name="Liz")
    assert (await auckland.post(REVIEWS, json=review_body())).json()["review"]["weekStart"] == "2026-03-09"
    assert (await london.post(REVIEWS, json=review_body())).json()["review"]["weekStart"] == "2026-03-02"


async def test_a_failing_check_in_stores_nothing_of_the_review(
    owner: Caller, database: Database, friday: FrozenClock
) -> None:
    action = await create_action(owner)
    body = review_body(
        checkIns=[
            check_in_body(action, at="2026-03-02T08:00:00Z"),
            check_in_body(action, at="2026-03-03T08:00:00Z"),
            check_in_body(action, at="2026-03-04T08:30:00Z"),
        ]
    )
    response = await owner.post(REVIEWS, json=body)
    assert response.status_code == 422
    assert error_fields(response) == ["checkIns[2].occurrenceAt"]
    assert await stored_rows(database, owner) == (0, 0)
    # Nothing half-stored blocks a corrected submission.
    body["checkIns"].pop()
    assert (await owner.post(REVIEWS, json=body)).status_code == 201
    assert await stored_rows(database, owner) == (1, 2)


@pytest.mark.parametrize(
    ("check_in", "status", "field"),
    [
        ({"occurrenceAt": "2026-02-27T08:00:00Z"}, 422, "checkIns[1].occurrenceAt"),
        ({"occurrenceAt": "2026-03-07T08:00:00Z"}, 422, "checkIns[1].occurrenceAt"),
        ({"keyActionId": str(uuid4())}, 422, "checkIns[1].keyActionId"),
        ({"measureValue": 2}, 422, "checkIns[1].measureValue"),
        ({"occurrenceAt": "2026-03-02T08:00:00Z"}, 409, "checkIns[1].occurrenceAt"),
    ],
)
async def test_a_check_in_that_breaks_a_rule_is_named_by_its_index_and_nothing_is_stored(
    owner: Caller, database: Database, friday: FrozenClock, check_in: dict[str, Any], status: int, field: str
) -> None:
    action = await create_action(owner)
    body = review_body(
        checkIns=[
            check_in_body(action, at="2026-03-02T08:00:00Z"),
            {**check_in_body(action, at="2026-03-03T08:00:00Z"), **check_in},
        ]
    )
    response = await owner.post(REVIEWS, json=body)
    assert response.status_code == status
    assert error_fields(response) == [field]
    assert await stored_rows(database, owner) == (0, 0)


async def test_an_occurrence_checked_in_before_the_review_is_a_409_on_the_check_in(
    owner: Caller, database: Database, friday: FrozenClock
) -> None:
    action = await create_action(owner)
    await owner.post(CHECK_INS, json=check_in_body(action, at="2026-03-02T08:00:00Z"))
    response = await owner.post(
        REVIEWS, json=review_body(checkIns=[check_in_body(action, at="2026-03-02T08:00:00Z")])
    )
    assert (response.status_code, error_fields(response)) == (409, ["checkIns[0].occurrenceAt"])
    assert await stored_rows(database, owner) == (0, 1)


async def test_the_same_check_in_twice_in_one_review_is_refused(
    owner: Caller, database: Database, friday: FrozenClock
) -> None:
    action = await create_action(owner)
    check_in = check_in_body(action, at="2026-03-02T08:00:00Z")
    response = await owner.post(REVIEWS, json=review_body(checkIns=[check_in, check_in]))
    assert (response.status_code, error_fields(response)) == (422, ["checkIns[1].id"])
    assert await stored_rows(database, owner) == (0, 0)


async def test_a_stranger_cannot_review_with_my_actions(
    owner: Caller, stranger: Caller, database: Database, friday: FrozenClock
) -> None:
    action = await create_action(owner)
    response = await stranger.post(
        REVIEWS, json=review_body(checkIns=[check_in_body(action, at="2026-03-02T08:00:00Z")])
    )
    assert (response.status_code, error_fields(response)) == (422, ["checkIns[0].keyActionId"])
    assert await stored_rows(database, stranger) == (0, 0)
    assert await stored_rows(database, owner) == (0, 0)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"confidence": 0}, "confidence"),
        ({"confidence": 6}, "confidence"),
        ({"confidence": "high"}, "confidence"),
        ({"confidence": None}, "confidence"),
        ({"id": "review-1"}, "id"),
        ({"moved": "x" * 2001}, "moved"),
        ({"inTheWay": ["a"]}, "inTheWay"),
        ({"nextStep": "x" * 2001}, "nextStep"),
        ({"weekStart": "2026-03-04"}, "weekStart"),
        ({"weekStart": "last week"}, "weekStart"),
        ({"checkIns": "all"}, "checkIns"),
        ({"checkIns": [{"result": "done"}]}, "checkIns"),
        (
            {
                "checkIns": [
                    {
                        "id": str(uuid4()),
                        "keyActionId": str(uuid4()),
                        "occurrenceAt": "2026-03-02T08:00:00Z",
                        "result": "great",
                    }
                ]
            },
            "checkIns",
        ),
        ({"feeling": "good"}, "feeling"),
    ],
)
async def test_submitting_bad_input_names_the_field_and_stores_nothing(
    owner: Caller, database: Database, change: dict[str, Any], field: str
) -> None:
    response = await owner.post(REVIEWS, json=review_body(**change))
    assert response.status_code in {400, 422}
    assert field in response.json()["detail"]
    assert await stored_rows(database, owner) == (0, 0)


async def test_a_review_takes_at_most_200_check_ins(owner: Caller, database: Database) -> None:
    action = await create_action(owner)
    check_ins = [check_in_body(action) for _ in range(201)]
    response = await owner.post(REVIEWS, json=review_body(checkIns=check_ins))
    assert response.status_code == 400
    assert "checkIns" in response.json()["detail"]
    assert await stored_rows(database, owner) == (0, 0)


async def test_past_reviews_are_listed_newest_week_first(
    owner: Caller, stranger: Caller, friday: FrozenClock
) -> None:
    older = review_body(weekStart="2026-02-16", confidence=2)
    old = review_body(weekStart="2026-02-23", confidence=3)
    this_week = review_body(confidence=5)
    for body in (old, this_week, older):
        assert (await owner.post(REVIEWS, json=body)).status_code == 201
    await stranger.post(REVIEWS, json=review_body())

    listed = (await owner.get(REVIEWS)).json()
    assert [item["id"] for item in listed["items"]] == [this_week["id"], old["id"], older["id"]]
    assert [item["weekStart"] for item in listed["items"]] == ["2026-03-02", "2026-02-23", "2026-02-16"]
    assert (listed["total"], listed["limit"], listed["offset"]) == (3, 50, 0)
    page = (await owner.get(REVIEWS, params={"limit": 1, "offset": 2})).json()
    assert ([item["id"] for item in page["items"]], page["total"]) == ([older["id"]], 3)
    assert (await owner.get(REVIEWS, params={"limit": 0})).status_code == 400


async def test_a_stranger_cannot_read_my_reviews(
    owner: Caller, stranger: Caller, friday: FrozenClock
) -> None:
    action = await create_action(owner)
    body = review_body(checkIns=[check_in_body(action, at="2026-03-02T08:00:00Z")])
    await owner.post(REVIEWS, json=body)
    assert (await stranger.get(f"{REVIEWS}/{body['id']}")).status_code == 404
    listed = (await stranger.get(REVIEWS)).json()
    assert (listed["items"], listed["total"]) == ([], 0)
    current = (await stranger.get(f"{REVIEWS}/current")).json()
    assert (current["review"], current["openOccurrences"]) == (None, [])


async def test_a_stranger_reusing_my_review_id_is_refused(
    owner: Caller, stranger: Caller, database: Database
) -> None:
    body = review_body()
    await owner.post(REVIEWS, json=body)
    response = await stranger.post(REVIEWS, json=body)
    assert (response.status_code, error_fields(response)) == (409, ["id"])
    assert "Asked three people" not in response.text
    assert await stored_rows(database, stranger) == (0, 0)


async def test_an_unknown_review_is_404(owner: Caller) -> None:
    response = await owner.get(f"{REVIEWS}/{uuid4()}")
    assert (response.status_code, response.json()["detail"]) == (404, "weekly review not found")


async def test_anonymous_callers_get_401_on_every_review_route(callers: Callers) -> None:
    anonymous = callers.anonymous()
    for method, url in [
        ("POST", REVIEWS),
        ("GET", REVIEWS),
        ("GET", f"{REVIEWS}/current"),
        ("GET", f"{REVIEWS}/{uuid4()}"),
    ]:
        response = await anonymous.request(method, url, json=review_body() if method == "POST" else None)
        assert response.status_code == 401, (method, url)
