from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from followthrough.clock import FrozenClock
from tests.conftest import Caller, Callers, Database
from tests.support.actions import create_action
from tests.support.answers import error_fields
from tests.support.checkins import CHECK_INS, TODAY_AT_8, check_in_body, stored_check_ins

KEY_ACTIONS = "/api/v1/key-actions"


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value)


# Recording


async def test_a_check_in_on_an_occurrence_is_stored_and_returned(
    owner: Caller, database: Database, clock: FrozenClock
) -> None:
    action = await create_action(owner)
    body = check_in_body(action, note="Asked Sam; useful.", result="partly")
    response = await owner.post(CHECK_INS, json=body)
    assert response.status_code == 201, response.text
    check_in = response.json()
    assert check_in["id"] == body["id"]
    assert check_in["keyActionId"] == action["id"]
    assert _when(check_in["occurrenceAt"]) == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert check_in["localDate"] == "2026-03-02"
    assert (check_in["result"], check_in["note"], check_in["measureValue"]) == (
        "partly",
        "Asked Sam; useful.",
        None,
    )
    assert _when(check_in["checkedInAt"]) == _when(check_in["updatedAt"]) == clock.now()
    assert check_in["weeklyReviewId"] is None
    assert (await owner.get(f"{CHECK_INS}/{body['id']}")).json() == check_in
    assert len(await stored_check_ins(database, owner)) == 1


async def test_an_occurrence_at_may_be_given_with_any_offset(owner: Caller) -> None:
    action = await create_action(owner)
    response = await owner.post(CHECK_INS, json=check_in_body(action, at="2026-03-02T09:00:00+01:00"))
    assert response.status_code == 201
    assert _when(response.json()["occurrenceAt"]) == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


async def test_past_occurrences_can_be_checked_in_late(owner: Caller) -> None:
    action = await create_action(owner)
    response = await owner.post(
        CHECK_INS, json=check_in_body(action, at="2026-02-24T08:00:00Z", result="not_done")
    )
    assert response.status_code == 201
    assert response.json()["localDate"] == "2026-02-24"


async def test_an_occurrence_later_today_can_be_checked_in_early(owner: Caller) -> None:
    action = await create_action(
        owner, schedule={"kind": "recurring", "startsAt": "2026-02-23T17:00:00", "rrule": "FREQ=DAILY"}
    )
    response = await owner.post(CHECK_INS, json=check_in_body(action, at="2026-03-02T17:00:00Z"))
    assert response.status_code == 201


async def test_sending_the_same_check_in_again_stores_one_and_answers_the_same(
    owner: Caller, database: Database, clock: FrozenClock
) -> None:
    action = await create_action(owner, measure={"unit": "people asked", "target": 5})
    body = check_in_body(action, note="Offline", measureValue=2.5)
    first = await owner.post(CHECK_INS, json=body)
    clock.advance(timedelta(hours=3))
    again = await owner.post(CHECK_INS, json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert len(await stored_check_ins(database, owner)) == 1


async def test_the_same_id_with_a_different_body_is_a_409_and_changes_nothing(
    owner: Caller, database: Database
) -> None:
    action = await create_action(owner)
    body = check_in_body(action)
    assert (await owner.post(CHECK_INS, json=body)).status_code == 201
    before = await stored_check_ins(database, owner)
    for change in (
        {"result": "not_done"},
        {"note": "changed my mind"},
        {"occurrenceAt": "2026-03-01T08:00:00Z"},
    ):
        response = await owner.post(CHECK_INS, json={**body, **change})
        assert response.status_code == 409
        assert error_fields(response) == ["id"]
    assert await stored_check_ins(database, owner) == before


# Concurrent writes: SQLite's write lock, PostgreSQL's constraints.
@pytest.mark.dialect
async def test_two_identical_check_ins_sent_at_once_store_one(owner: Caller, database: Database) -> None:
    action = await create_action(owner)
    body = check_in_body(action)
    responses = await asyncio.gather(*(owner.post(CHECK_INS, json=body) for _ in range(3)))
    assert sorted(response.status_code for response in responses) == [200, 200, 201]
    assert len({response.text for response in responses}) == 1
    assert len(await stored_check_ins(database, owner)) == 1


async def test_a_time_that_is_not_an_occurrence_of_the_action_is_a_422(
    owner: Caller, database: Database
) -> None:
    action = await create_action(owner)
    for at in ("2026-03-02T08:30:00Z", "2026-02-22T08:00:00Z", "2020-01-01T08:00:00Z"):
        response = await owner.post(CHECK_INS, json=check_in_body(action, at=at))
        assert response.status_code == 422
        assert error_fields(response) == ["occurrenceAt"]
        assert "not an occurrence" in response.json()["detail"]
    assert await stored_check_ins(database, owner) == []


async def test_an_occurrence_of_another_action_does_not_count(owner: Caller, database: Database) -> None:
    daily = await create_action(owner)
    weekly = await create_action(
        owner,
        schedule={"kind": "recurring", "startsAt": "2026-02-23T18:00:00", "rrule": "FREQ=WEEKLY;BYDAY=MO"},
    )
    response = await owner.post(CHECK_INS, json=check_in_body(weekly, at=TODAY_AT_8))
    assert (response.status_code, error_fields(response)) == (422, ["occurrenceAt"])
    assert (await owner.post(CHECK_INS, json=check_in_body(daily))).status_code == 201


async def test_an_occurrence_due_on_a_later_day_is_a_422(owner: Caller, database: Database) -> None:
    action = await create_action(owner)
    response = await owner.post(CHECK_INS, json=check_in_body(action, at="2026-03-03T08:00:00Z"))
    assert response.status_code == 422
    assert error_fields(response) == ["occurrenceAt"]
    assert await stored_check_ins(database, owner) == []


async def test_a_second_check_in_on_the_same_occurrence_is_a_409(owner: Caller, database: Database) -> None:
    action = await create_action(owner)
    assert (await owner.post(CHECK_INS, json=check_in_body(action))).status_code == 201
    before = await stored_check_ins(database, owner)
    response = await owner.post(CHECK_INS, json=check_in_body(action, result="skipped"))
    assert response.status_code == 409
    assert error_fields(response) == ["occurrenceAt"]
    assert await stored_check_ins(database, owner) == before


async def test_a_measure_value_is_kept_only_for_an_action_with_a_measure(
    owner: Caller, database: Database
) -> None:
    plain = await create_action(owner)
    refused = await owner.post(CHECK_INS, json=check_in_body(plain, measureValue=3))
    assert refused.status_code == 422
    assert error_fields(refused) == ["measureValue"]
    assert await stored_check_ins(database, owner) == []

    measured = await create_action(
        owner, title="Coach a manager", measure={"unit": "managers coached", "target": 4}
    )
    stored = await owner.post(CHECK_INS, json=check_in_body(measured, measureValue=1.5))
    assert stored.status_code == 201
    assert stored.json()["measureValue"] == 1.5


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": "not-a-uuid"}, "id"),
        ({"id": None}, "id"),
        ({"keyActionId": "nope"}, "keyActionId"),
        ({"occurrenceAt": "2026-03-02T08:00:00"}, "occurrenceAt"),
        ({"occurrenceAt": "yesterday"}, "occurrenceAt"),
        ({"occurrenceAt": "0001-01-01T00:00:00+01:00"}, "occurrenceAt"),
        ({"result": "great"}, "result"),
        ({"result": None}, "result"),
        ({"note": "x" * 2001}, "note"),
        ({"note": 7}, "note"),
        ({"measureValue": "three"}, "measureValue"),
        ({"measureValue": 1e10}, "measureValue"),
        ({"measureValue": -1e10}, "measureValue"),
        ({"mood": "happy"}, "mood"),
        ({"participantId": str(uuid4())}, "participantId"),
    ],
)
async def test_recording_bad_input_names_the_field_and_stores_nothing(
    owner: Caller, database: Database, change: dict[str, Any], field: str
) -> None:
    action = await create_action(owner, measure={"unit": "hours saved", "target": None})
    response = await owner.post(CHECK_INS, json={**check_in_body(action), **change})
    assert response.status_code in {400, 422}
    assert field in response.json()["detail"]
    assert await stored_check_ins(database, owner) == []


async def test_a_missing_field_is_named(owner: Caller, database: Database) -> None:
    action = await create_action(owner)
    body = check_in_body(action)
    del body["result"]
    response = await owner.post(CHECK_INS, json=body)
    assert response.status_code == 400
    assert "result" in response.json()["detail"]
    assert await stored_check_ins(database, owner) == []


async def test_a_stranger_cannot_check_in_on_my_action(
    owner: Caller, stranger: Caller, database: Database
) -> None:
    action = await create_action(owner)
    response = await stranger.post(CHECK_INS, json=check_in_body(action))
    assert response.status_code == 404
    assert await stored_check_ins(database, stranger) == []
    assert await stored_check_ins(database, owner) == []


async def test_a_stranger_reusing_my_check_in_id_is_refused_and_mine_is_untouched(
    owner: Caller, stranger: Caller, database: Database
) -> None:
    mine = check_in_body(await create_action(owner))
    assert (await owner.post(CHECK_INS, json=mine)).status_code == 201
    before = await stored_check_ins(database, owner)
    theirs = {**check_in_body(await create_action(stranger)), "id": mine["id"]}
    response = await stranger.post(CHECK_INS, json=theirs)
    assert (response.status_code, error_fields(response)) == (409, ["id"])
    assert "keyActionId" not in response.text
    assert await stored_check_ins(database, owner) == before
    assert await stored_check_ins(database, stranger) == []


# Reading


async def test_my_check_ins_are_listed_newest_occurrence_first_and_filter(
    owner: Caller, stranger: Caller
) -> None:
    daily = await create_action(owner)
    weekly = await create_action(
        owner,
        schedule={"kind": "recurring", "startsAt": "2026-02-23T18:00:00", "rrule": "FREQ=WEEKLY;BYDAY=MO"},
    )
    made = {}
    for action, at in [
        (daily, "2026-02-25T08:00:00Z"),
        (daily, "2026-03-02T08:00:00Z"),
        (weekly, "2026-02-23T18:00:00Z"),
        (daily, "2026-02-23T08:00:00Z"),
    ]:
        response = await owner.post(CHECK_INS, json=check_in_body(action, at=at))
        made[at] = response.json()["id"]
    await owner.post(CHECK_INS, json=check_in_body(await create_action(stranger)))

    everything = (await owner.get(CHECK_INS)).json()
    assert [item["occurrenceAt"][:16] for item in everything["items"]] == [
        "2026-03-02T08:00",
        "2026-02-25T08:00",
        "2026-02-23T18:00",
        "2026-02-23T08:00",
    ]
    assert (everything["total"], everything["limit"], everything["offset"]) == (4, 50, 0)

    only_daily = (await owner.get(CHECK_INS, params={"keyActionId": daily["id"]})).json()
    assert only_daily["total"] == 3
    assert {item["keyActionId"] for item in only_daily["items"]} == {daily["id"]}

    window = (await owner.get(CHECK_INS, params={"from": "2026-02-23", "to": "2026-02-25"})).json()
    assert [item["id"] for item in window["items"]] == [
        made["2026-02-25T08:00:00Z"],
        made["2026-02-23T18:00:00Z"],
        made["2026-02-23T08:00:00Z"],
    ]
    page = (await owner.get(CHECK_INS, params={"limit": 1, "offset": 1})).json()
    assert ([item["id"] for item in page["items"]], page["total"]) == ([made["2026-02-25T08:00:00Z"]], 4)


async def test_a_stranger_sees_none_of_my_check_ins(owner: Caller, stranger: Caller) -> None:
    action = await create_action(owner)
    body = check_in_body(action)
    await owner.post(CHECK_INS, json=body)
    assert (await stranger.get(f"{CHECK_INS}/{body['id']}")).status_code == 404
    listed = (await stranger.get(CHECK_INS, params={"keyActionId": action["id"]})).json()
    assert (listed["items"], listed["total"]) == ([], 0)


async def test_an_unknown_check_in_is_404(owner: Caller) -> None:
    response = await owner.get(f"{CHECK_INS}/{uuid4()}")
    assert response.status_code == 404
    assert response.json()["detail"] == "check-in not found"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 10**21}, "offset"),
        ({"keyActionId": "x"}, "keyActionId"),
        ({"from": "March"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "to"),
    ],
)
async def test_listing_with_bad_parameters_names_them(
    owner: Caller, params: dict[str, Any], field: str
) -> None:
    response = await owner.get(CHECK_INS, params=params)
    assert response.status_code in {400, 422}
    assert field in response.json()["detail"]


# Editing and undoing


async def test_a_check_in_may_be_edited_field_by_field(owner: Caller, clock: FrozenClock) -> None:
    action = await create_action(owner, measure={"unit": "people asked", "target": None})
    body = check_in_body(action, note="first", measureValue=1)
    created = (await owner.post(CHECK_INS, json=body)).json()
    clock.advance(timedelta(days=3))
    url = f"{CHECK_INS}/{body['id']}"

    changed = await owner.patch(url, json={"result": "partly"})
    assert changed.status_code == 200
    assert (changed.json()["result"], changed.json()["note"], changed.json()["measureValue"]) == (
        "partly",
        "first",
        1,
    )
    assert _when(changed.json()["updatedAt"]) == clock.now()
    assert changed.json()["checkedInAt"] == created["checkedInAt"]

    cleared = (await owner.patch(url, json={"note": None, "measureValue": None})).json()
    assert (cleared["result"], cleared["note"], cleared["measureValue"]) == ("partly", None, None)
    assert (await owner.get(url)).json() == cleared


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"result": "great"}, "result"),
        ({"note": "x" * 2001}, "note"),
        ({"measureValue": "lots"}, "measureValue"),
        ({"measureValue": 2}, "measureValue"),
        ({"occurrenceAt": "2026-03-01T08:00:00Z"}, "occurrenceAt"),
        ({"id": str(uuid4())}, "id"),
    ],
)
async def test_editing_with_bad_input_names_the_field_and_changes_nothing(
    owner: Caller, database: Database, change: dict[str, Any], field: str
) -> None:
    body = check_in_body(await create_action(owner))
    await owner.post(CHECK_INS, json=body)
    before = await stored_check_ins(database, owner)
    response = await owner.patch(f"{CHECK_INS}/{body['id']}", json=change)
    assert response.status_code in {400, 422}
    assert field in response.json()["detail"]
    assert await stored_check_ins(database, owner) == before


async def test_a_stranger_cannot_edit_or_undo_my_check_in(
    owner: Caller, stranger: Caller, database: Database
) -> None:
    body = check_in_body(await create_action(owner))
    await owner.post(CHECK_INS, json=body)
    before = await stored_check_ins(database, owner)
    assert (await stranger.patch(f"{CHECK_INS}/{body['id']}", json={"result": "not_done"})).status_code == 404
    assert (await stranger.delete(f"{CHECK_INS}/{body['id']}")).status_code == 404
    assert await stored_check_ins(database, owner) == before


async def test_a_check_in_can_be_undone_within_a_day(
    owner: Caller, database: Database, clock: FrozenClock
) -> None:
    action = await create_action(owner)
    body = check_in_body(action)
    await owner.post(CHECK_INS, json=body)
    clock.advance(timedelta(hours=23, minutes=59))
    assert (await owner.delete(f"{CHECK_INS}/{body['id']}")).status_code == 204
    assert (await owner.get(f"{CHECK_INS}/{body['id']}")).status_code == 404
    assert await stored_check_ins(database, owner) == []
    # The occurrence is open again.
    assert (await owner.post(CHECK_INS, json=check_in_body(action, result="not_done"))).status_code == 201


async def test_after_a_day_a_check_in_can_no_longer_be_undone(
    owner: Caller, database: Database, clock: FrozenClock
) -> None:
    body = check_in_body(await create_action(owner))
    await owner.post(CHECK_INS, json=body)
    before = await stored_check_ins(database, owner)
    clock.advance(timedelta(days=1, seconds=1))
    response = await owner.delete(f"{CHECK_INS}/{body['id']}")
    assert response.status_code == 409
    assert error_fields(response) == ["checkedInAt"]
    assert "within a day" in response.json()["detail"]
    assert await stored_check_ins(database, owner) == before


async def test_undoing_an_unknown_check_in_is_404(owner: Caller) -> None:
    assert (await owner.delete(f"{CHECK_INS}/{uuid4()}")).status_code == 404


async def test_anonymous_callers_get_401_on_every_check_in_route(callers: Callers) -> None:
    anonymous = callers.anonymous()
    some_id = uuid4()
    for method, url in [
        ("POST", CHECK_INS),
        ("GET", CHECK_INS),
        ("GET", f"{CHECK_INS}/{some_id}"),
        ("PATCH", f"{CHECK_INS}/{some_id}"),
        ("DELETE", f"{CHECK_INS}/{some_id}"),
    ]:
        response = await anonymous.request(method, url, json={} if method in {"POST", "PATCH"} else None)
        assert response.status_code == 401, (method, url)
