from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import msgspec
import pytest
from sqlalchemy import func, select

from followthrough.actions.models import KeyAction, Occurrence
from followthrough.barriers.models import Barrier, BarrierStatusChange
from followthrough.clock import FrozenClock
from followthrough.reflections.models import Reflection
from followthrough.reflections.schemas import ReflectionAnswers
from tests.conftest import Caller, Callers, Database

REFLECTIONS = "/api/v1/reflections"
ACTION = {"title": "Ask for a training budget", "schedule": {"kind": "once", "dueAt": "2026-03-06T17:00:00"}}
OWNED_MODELS = (Reflection, Barrier, BarrierStatusChange, KeyAction, Occurrence)


async def _counts(database: Database, caller: Caller) -> dict[str, int]:
    """How many rows of each kind one participant has, to show that a refused reflection stored nothing."""
    async with database() as db:
        return {
            model.__tablename__: await db.scalar(
                select(func.count()).select_from(model).where(model.participant_id == UUID(caller.id))
            )
            or 0
            for model in OWNED_MODELS
        }


async def _reflect(caller: Caller, **body: Any) -> dict[str, Any]:
    response = await caller.post(REFLECTIONS, json={"answers": {"personal": "Fear of speaking up"}, **body})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


# The questions


async def test_the_guided_questions_are_served_in_order_with_their_wording(owner: Caller) -> None:
    response = await owner.get(f"{REFLECTIONS}/questions")
    assert response.status_code == 200
    assert [
        (item["number"], item["key"], item["text"], item["barrierLevel"]) for item in response.json()
    ] == [
        (1, "industry", "What is holding back your industry or field?", "industry"),
        (2, "organization", "What is holding back your organization?", "organization"),
        (3, "personal", "What is holding you back?", "personal"),
        (4, "organizationFree", "What is needed to set your organization free?", None),
        (5, "personalFree", "What is needed to set you free?", None),
        (6, "doing", "What are you doing about it?", None),
    ]


async def test_every_question_key_is_an_answer_field_on_the_wire(owner: Caller) -> None:
    keys = [item["key"] for item in (await owner.get(f"{REFLECTIONS}/questions")).json()]
    assert keys == [field.encode_name for field in msgspec.structs.fields(ReflectionAnswers)]


# Creating


async def test_a_reflection_keeps_my_answers_dated_today_in_my_time_zone(
    owner: Caller, clock: FrozenClock
) -> None:
    response = await owner.post(
        REFLECTIONS,
        json={
            "answers": {
                "industry": "Slow to change",
                "organization": " Silos ",
                "personal": "",
                "personalFree": "Time to think",
                "doing": "Blocking Friday mornings",
            }
        },
    )
    assert response.status_code == 201
    body = response.json()
    reflection = body["reflection"]
    assert reflection["reflectedOn"] == "2026-03-02"
    assert reflection["answers"] == {
        "industry": "Slow to change",
        "organization": "Silos",
        "personal": None,
        "organizationFree": None,
        "personalFree": "Time to think",
        "doing": "Blocking Friday mornings",
    }
    assert datetime.fromisoformat(reflection["createdAt"]) == clock.now()
    assert (body["barriers"], body["keyActions"]) == ([], [])
    assert (await owner.get(f"{REFLECTIONS}/{reflection['id']}")).json() == reflection


async def test_today_is_the_callers_local_date(callers: Callers, owner: Caller, clock: FrozenClock) -> None:
    clock.set(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))  # 01:00 on 3 March in Auckland
    auckland = await callers.participant(time_zone="Pacific/Auckland", name="Kiri")
    assert (await _reflect(auckland))["reflection"]["reflectedOn"] == "2026-03-03"
    assert (await _reflect(auckland, reflectedOn="2026-03-03"))["reflection"]["reflectedOn"] == "2026-03-03"
    assert (await _reflect(owner))["reflection"]["reflectedOn"] == "2026-03-02"
    refused = await owner.post(REFLECTIONS, json={"reflectedOn": "2026-03-03", "answers": {"personal": "x"}})
    assert refused.status_code == 422
    assert [error["field"] for error in refused.json()["errors"]] == ["reflectedOn"]


async def test_a_past_reflection_can_be_dated_when_it_happened(owner: Caller) -> None:
    assert (await _reflect(owner, reflectedOn="2019-11-05"))["reflection"]["reflectedOn"] == "2019-11-05"


async def test_answers_become_barriers_and_key_actions_in_one_request(
    owner: Caller, database: Database
) -> None:
    response = await owner.post(
        REFLECTIONS,
        json={
            "answers": {"organization": "Approvals take weeks", "doing": "Asking for a budget"},
            "barriers": [
                {"title": "Slow approvals", "level": "organization"},
                {
                    "title": "No training budget",
                    "level": "organization",
                    "keyHolder": "others",
                    "keyHolderName": "Finance",
                },
            ],
            "keyActions": [
                {
                    **ACTION,
                    "barrierIndex": 1,
                    "keyHolder": "others",
                    "keyHolderName": "Finance",
                    "ownPart": "Write the proposal",
                },
                {
                    "title": "Keep a log of delays",
                    "schedule": {
                        "kind": "recurring",
                        "startsAt": "2026-03-02T08:00:00",
                        "rrule": "FREQ=WEEKLY;BYDAY=MO",
                    },
                },
            ],
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    reflection_id = body["reflection"]["id"]
    barriers, actions = body["barriers"], body["keyActions"]
    assert [barrier["title"] for barrier in barriers] == ["Slow approvals", "No training budget"]
    assert {barrier["reflectionId"] for barrier in barriers} == {reflection_id}
    assert barriers[1]["keyHolderName"] == "Finance"
    assert [action["title"] for action in actions] == ["Ask for a training budget", "Keep a log of delays"]
    assert actions[0]["barrierId"] == barriers[1]["id"]
    assert actions[0]["ownPart"] == "Write the proposal"
    assert actions[1]["barrierId"] is None

    assert (await owner.get(f"/api/v1/barriers/{barriers[0]['id']}")).json() == barriers[0]
    counts = await _counts(database, owner)
    assert (
        counts["reflection"],
        counts["barrier"],
        counts["barrier_status_change"],
        counts["key_action"],
    ) == (
        1,
        2,
        2,
        2,
    )


async def test_key_actions_may_point_to_a_barrier_i_already_have(owner: Caller) -> None:
    barrier = (await owner.post("/api/v1/barriers", json={"title": "Old one", "level": "personal"})).json()
    body = await _reflect(owner, keyActions=[{**ACTION, "barrierId": barrier["id"]}])
    assert body["keyActions"][0]["barrierId"] == barrier["id"]


def _many(count: int, item: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(item) for _ in range(count)]


BARRIER = {"title": "A barrier", "level": "personal"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "answers"),
        ({"answers": {"personal": "  "}}, "answers"),
        ({"reflectedOn": "2026-03-03"}, "reflectedOn"),
        ({"reflectedOn": "last year"}, "reflectedOn"),
        ({"reflectedOn": 2026}, "reflectedOn"),
        ({"answers": {"industry": "x" * 4001}}, "answers.industry"),
        ({"answers": {"doing": 42}}, "answers.doing"),
        ({"answers": {"mood": "fine"}}, "mood"),
        ({"answers": "everything"}, "answers"),
        ({"feelings": "fine"}, "feelings"),
        ({"barriers": [BARRIER, {"title": "", "level": "personal"}]}, "barriers[1].title"),
        ({"barriers": [{"title": "T", "level": "planetary"}]}, "barriers[0].level"),
        ({"barriers": [BARRIER, {**BARRIER, "keyHolder": "others"}]}, "barriers[1].keyHolderName"),
        ({"barriers": [BARRIER, {**BARRIER, "keyHolderName": "Boss"}]}, "barriers[1].keyHolderName"),
        ({"barriers": [{**BARRIER, "reflectionId": str(uuid4())}]}, "reflectionId"),
        ({"barriers": _many(21, BARRIER)}, "barriers"),
        ({"barriers": {"title": "not a list"}}, "barriers"),
        (
            {"barriers": [BARRIER], "keyActions": [{**ACTION, "barrierIndex": 1}]},
            "keyActions[0].barrierIndex",
        ),
        ({"keyActions": [{**ACTION, "barrierIndex": -1}]}, "keyActions[0].barrierIndex"),
        ({"keyActions": [{**ACTION, "barrierIndex": "first"}]}, "keyActions[0].barrierIndex"),
        (
            {"barriers": [BARRIER], "keyActions": [{**ACTION, "barrierIndex": 0, "barrierId": str(uuid4())}]},
            "keyActions[0].barrierIndex",
        ),
        ({"keyActions": [ACTION, {"schedule": ACTION["schedule"]}]}, ("keyActions[1]", "`title`")),
        (
            {"barriers": [BARRIER], "keyActions": [ACTION, {**ACTION, "keyHolder": "others"}]},
            "keyActions[1].keyHolderName",
        ),
        (
            {"barriers": [BARRIER], "keyActions": [ACTION, {**ACTION, "barrierId": str(uuid4())}]},
            "keyActions[1].barrierId",
        ),
        (
            {"keyActions": [{**ACTION, "schedule": {"kind": "once", "dueAt": "2026-03-06T17:00:00+01:00"}}]},
            "keyActions[0].schedule.dueAt",
        ),
        ({"keyActions": _many(21, ACTION)}, "keyActions"),
    ],
)
async def test_a_refused_item_names_its_path_and_nothing_is_stored(
    owner: Caller, database: Database, body: dict[str, Any], field: str | tuple[str, ...]
) -> None:
    response = await owner.post(REFLECTIONS, json=body)
    assert 400 <= response.status_code < 500
    for part in (field,) if isinstance(field, str) else field:
        assert part in response.json()["detail"], response.text
    assert set((await _counts(database, owner)).values()) == {0}


async def test_a_refusal_after_earlier_items_were_written_rolls_all_of_them_back(
    owner: Caller, database: Database
) -> None:
    # The reflection, both barriers and the first key action are written before the last item is refused.
    response = await owner.post(
        REFLECTIONS,
        json={
            "answers": {"personal": "x"},
            "barriers": [BARRIER, {**BARRIER, "title": "Second"}],
            "keyActions": [{**ACTION, "barrierIndex": 1}, {**ACTION, "keyHolder": "others"}],
        },
    )
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["keyActions[1].keyHolderName"]
    assert set((await _counts(database, owner)).values()) == {0}


async def test_pointing_a_key_action_at_a_strangers_barrier_stores_nothing(
    owner: Caller, stranger: Caller, database: Database
) -> None:
    theirs = (await stranger.post("/api/v1/barriers", json=BARRIER)).json()
    response = await owner.post(
        REFLECTIONS,
        json={
            "answers": {"personal": "x"},
            "barriers": [BARRIER],
            "keyActions": [{**ACTION, "barrierId": theirs["id"]}],
        },
    )
    assert response.status_code == 422
    assert "keyActions[0].barrierId" in response.json()["detail"]
    assert set((await _counts(database, owner)).values()) == {0}


# Listing and reading


async def test_my_reflections_are_listed_newest_first(owner: Caller, stranger: Caller) -> None:
    oldest = await _reflect(owner, reflectedOn="2024-03-04")
    newest = await _reflect(owner, reflectedOn="2026-03-02")
    middle = await _reflect(owner, reflectedOn="2025-03-03")
    await _reflect(stranger)
    listed = (await owner.get(REFLECTIONS)).json()
    ids = [item["id"] for item in listed["items"]]
    assert ids == [newest["reflection"]["id"], middle["reflection"]["id"], oldest["reflection"]["id"]]
    assert (listed["total"], listed["limit"], listed["offset"]) == (3, 50, 0)
    page = (await owner.get(REFLECTIONS, params={"limit": 1, "offset": 1})).json()
    assert [item["id"] for item in page["items"]] == [middle["reflection"]["id"]]
    assert page["total"] == 3


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 10**21}, "offset"),
        ({"offset": "x"}, "offset"),
    ],
)
async def test_listing_with_bad_paging_is_400_naming_the_parameter(
    owner: Caller, params: dict[str, Any], field: str
) -> None:
    response = await owner.get(REFLECTIONS, params=params)
    assert response.status_code == 400
    assert field in [error["field"] for error in response.json()["errors"]]


async def test_a_stranger_sees_none_of_my_reflections(owner: Caller, stranger: Caller) -> None:
    mine = (await _reflect(owner))["reflection"]
    assert (await stranger.get(REFLECTIONS)).json()["total"] == 0
    assert (await stranger.get(f"{REFLECTIONS}/{mine['id']}")).status_code == 404
    assert (await stranger.get(f"{REFLECTIONS}/{uuid4()}")).status_code == 404
    comparison = (await stranger.get(f"{REFLECTIONS}/side-by-side")).json()
    assert all(question["answers"] == [] for question in comparison["questions"])


# Deleting


async def test_deleting_a_reflection_keeps_its_barriers_and_key_actions(
    owner: Caller, database: Database
) -> None:
    body = await _reflect(owner, barriers=[BARRIER], keyActions=[{**ACTION, "barrierIndex": 0}])
    reflection_id = body["reflection"]["id"]
    assert (await owner.delete(f"{REFLECTIONS}/{reflection_id}")).status_code == 204
    assert (await owner.get(f"{REFLECTIONS}/{reflection_id}")).status_code == 404
    assert (await owner.delete(f"{REFLECTIONS}/{reflection_id}")).status_code == 404
    barrier = (await owner.get(f"/api/v1/barriers/{body['barriers'][0]['id']}")).json()
    assert barrier["reflectionId"] is None
    assert barrier["title"] == BARRIER["title"]
    counts = await _counts(database, owner)
    assert (counts["reflection"], counts["barrier"], counts["key_action"]) == (0, 1, 1)


async def test_a_stranger_cannot_delete_my_reflection(
    owner: Caller, stranger: Caller, database: Database
) -> None:
    mine = (await _reflect(owner, barriers=[BARRIER]))["reflection"]
    before = await _counts(database, owner)
    assert (await stranger.delete(f"{REFLECTIONS}/{mine['id']}")).status_code == 404
    assert await _counts(database, owner) == before
    assert (await owner.get(f"{REFLECTIONS}/{mine['id']}")).json() == mine


# Side by side


async def test_answers_over_the_years_line_up_side_by_side(owner: Caller) -> None:
    recent = await _reflect(
        owner, reflectedOn="2026-03-02", answers={"personal": "Still fear", "doing": "Talks"}
    )
    ancient = await _reflect(owner, reflectedOn="2023-03-06", answers={"personal": "Fear"})
    older = await _reflect(
        owner, reflectedOn="2024-03-04", answers={"personal": "Fear", "industry": "Regulation"}
    )
    middle = await _reflect(owner, reflectedOn="2025-03-03", answers={"personal": "Less fear"})

    response = await owner.get(f"{REFLECTIONS}/side-by-side", params={"limit": 3})
    assert response.status_code == 200
    questions = {question["key"]: question for question in response.json()["questions"]}
    assert list(questions) == [
        "industry",
        "organization",
        "personal",
        "organizationFree",
        "personalFree",
        "doing",
    ]
    assert questions["personal"]["text"] == "What is holding you back?"
    expected_ids = [older["reflection"]["id"], middle["reflection"]["id"], recent["reflection"]["id"]]
    for question in questions.values():
        assert [answer["reflectionId"] for answer in question["answers"]] == expected_ids
    assert [answer["answer"] for answer in questions["personal"]["answers"]] == [
        "Fear",
        "Less fear",
        "Still fear",
    ]
    assert [answer["answer"] for answer in questions["industry"]["answers"]] == ["Regulation", None, None]
    assert [answer["reflectedOn"] for answer in questions["doing"]["answers"]] == [
        "2024-03-04",
        "2025-03-03",
        "2026-03-02",
    ]

    default = (await owner.get(f"{REFLECTIONS}/side-by-side")).json()
    assert [answer["reflectionId"] for answer in default["questions"][0]["answers"]] == [
        ancient["reflection"]["id"],
        *expected_ids,
    ]


@pytest.mark.parametrize("limit", ["0", "21", "five"])
async def test_side_by_side_refuses_a_bad_limit_naming_it(owner: Caller, limit: str) -> None:
    response = await owner.get(f"{REFLECTIONS}/side-by-side", params={"limit": limit})
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == ["limit"]


# Anonymous callers


async def test_anonymous_callers_get_401_on_every_reflection_route(
    callers: Callers, owner: Caller, database: Database
) -> None:
    mine = (await _reflect(owner))["reflection"]
    anonymous = callers.anonymous()
    for method, path, body in [
        ("GET", f"{REFLECTIONS}/questions", None),
        ("GET", REFLECTIONS, None),
        ("POST", REFLECTIONS, {"answers": {"personal": "x"}}),
        ("GET", f"{REFLECTIONS}/{mine['id']}", None),
        ("DELETE", f"{REFLECTIONS}/{mine['id']}", None),
        ("GET", f"{REFLECTIONS}/side-by-side", None),
    ]:
        assert (await anonymous.request(method, path, json=body)).status_code == 401, (method, path)
    assert (await _counts(database, owner))["reflection"] == 1
