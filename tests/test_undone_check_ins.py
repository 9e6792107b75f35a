"""An undone check-in stays undone (issue 11, finding 15): its id is kept, and recording it again, as a stale
offline retry would, is a 410 naming the id, on both databases."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from sqlalchemy import select

from followthrough.checkins.models import CheckIn, UndoneCheckIn
from followthrough.clock import FrozenClock
from tests.conftest import Caller, Database
from tests.support.actions import create_action
from tests.support.checkins import CHECK_INS, TODAY_AT_8, check_in_body, stored_check_ins

# Concurrent undos and replays: SQLite's write lock and PostgreSQL's constraints.
pytestmark = pytest.mark.dialect

REVIEWS = "/api/v1/weekly-reviews"
YESTERDAY_AT_8 = "2026-03-01T08:00:00Z"


def _errors(response: httpx.Response) -> list[tuple[str, str]]:
    return [(error["field"], error["message"]) for error in response.json()["errors"]]


async def _record_and_undo(caller: Caller, action: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = check_in_body(action, **fields)
    assert (await caller.post(CHECK_INS, json=body)).status_code == 201
    assert (await caller.delete(f"{CHECK_INS}/{body['id']}")).status_code == 204
    return body


async def test_recording_an_undone_check_in_again_is_a_410_naming_its_id_and_stores_nothing(
    owner: Caller, database: Database
) -> None:
    action = await create_action(owner)
    body = await _record_and_undo(owner, action)

    replay = await owner.post(CHECK_INS, json=body)

    assert replay.status_code == 410, replay.text
    assert _errors(replay) == [("id", f"check-in {body['id']} was undone; it is not stored again")]
    assert await stored_check_ins(database, owner) == []
    today = (await owner.get("/api/v1/today")).json()
    assert [item["checkIn"] for item in today["items"]] == [None]
    assert (await owner.get(CHECK_INS)).json()["total"] == 0


async def test_a_stale_retry_after_a_new_check_in_on_the_same_occurrence_is_a_410_not_a_409(
    owner: Caller, database: Database
) -> None:
    action = await create_action(owner)
    undone = await _record_and_undo(owner, action)
    again = check_in_body(action, result="not_done")
    assert (await owner.post(CHECK_INS, json=again)).status_code == 201

    replay = await owner.post(CHECK_INS, json=undone)

    assert replay.status_code == 410, replay.text
    assert [field for field, _ in _errors(replay)] == ["id"]
    assert [row[0] for row in await stored_check_ins(database, owner)] == [UUID(again["id"])]


async def test_the_id_stays_undone_after_the_undo_window(owner: Caller, clock: FrozenClock) -> None:
    body = await _record_and_undo(owner, await create_action(owner))
    clock.advance(timedelta(days=3))

    assert (await owner.post(CHECK_INS, json=body)).status_code == 410


async def test_undoing_again_answers_204_and_changes_nothing(owner: Caller, database: Database) -> None:
    action = await create_action(owner)
    body = await _record_and_undo(owner, action)
    kept = check_in_body(action, at=YESTERDAY_AT_8)
    assert (await owner.post(CHECK_INS, json=kept)).status_code == 201
    before = await stored_check_ins(database, owner)

    assert (await owner.delete(f"{CHECK_INS}/{body['id']}")).status_code == 204
    assert await stored_check_ins(database, owner) == before


async def test_a_stranger_can_neither_undo_again_nor_record_my_undone_id(
    owner: Caller, stranger: Caller, database: Database
) -> None:
    body = await _record_and_undo(owner, await create_action(owner))

    assert (await stranger.delete(f"{CHECK_INS}/{body['id']}")).status_code == 404
    theirs = check_in_body(await create_action(stranger), id=body["id"])
    assert (await stranger.post(CHECK_INS, json=theirs)).status_code == 410
    assert await stored_check_ins(database, stranger) == []


async def test_the_undo_keeps_the_id_with_its_owner_and_key_action(owner: Caller, database: Database) -> None:
    action = await create_action(owner)
    body = await _record_and_undo(owner, action)

    async with database() as db:
        kept = (await db.scalars(select(UndoneCheckIn).where(UndoneCheckIn.id == UUID(body["id"])))).one()
        assert (kept.participant_id, kept.key_action_id) == (UUID(owner.id), UUID(action["id"]))
        assert kept.undone_at == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        assert await db.get(CheckIn, UUID(body["id"])) is None


async def test_deleting_the_key_action_removes_its_undone_ids(owner: Caller, database: Database) -> None:
    action = await create_action(owner)
    body = await _record_and_undo(owner, action)

    assert (await owner.delete(f"/api/v1/key-actions/{action['id']}")).status_code == 204

    async with database() as db:
        assert await db.get(UndoneCheckIn, UUID(body["id"])) is None


async def test_a_weekly_review_replayed_after_one_of_its_check_ins_was_undone_is_a_410_naming_it(
    owner: Caller, database: Database
) -> None:
    check_in = check_in_body(await create_action(owner), at=TODAY_AT_8)
    review: dict[str, Any] = {"id": str(uuid4()), "confidence": 4, "checkIns": [check_in]}
    assert (await owner.post(REVIEWS, json=review)).status_code == 201
    assert (await owner.delete(f"{CHECK_INS}/{check_in['id']}")).status_code == 204

    replay = await owner.post(REVIEWS, json=review)

    assert replay.status_code == 410, replay.text
    assert [field for field, _ in _errors(replay)] == ["checkIns[0].id"]
    assert await stored_check_ins(database, owner) == []


async def test_a_new_weekly_review_naming_an_undone_check_in_is_a_410_and_stores_nothing(
    owner: Caller, database: Database
) -> None:
    action = await create_action(owner)
    undone = await _record_and_undo(owner, action)
    fresh = check_in_body(await create_action(owner, title="Another"))
    review: dict[str, Any] = {"id": str(uuid4()), "confidence": 4, "checkIns": [fresh, undone]}

    response = await owner.post(REVIEWS, json=review)

    assert response.status_code == 410, response.text
    assert [field for field, _ in _errors(response)] == ["checkIns[1].id"]
    assert await stored_check_ins(database, owner) == []
    assert (await owner.get(REVIEWS)).json()["total"] == 0


async def test_an_undo_and_a_replay_at_the_same_moment_never_leave_the_check_in_stored(
    owner: Caller, database: Database
) -> None:
    action = await create_action(owner)
    for _ in range(5):
        body = check_in_body(action, at=YESTERDAY_AT_8)
        assert (await owner.post(CHECK_INS, json=body)).status_code == 201

        undo, replay = await asyncio.gather(
            owner.delete(f"{CHECK_INS}/{body['id']}"), owner.post(CHECK_INS, json=body)
        )

        assert undo.status_code == 204
        assert replay.status_code in {200, 410}, replay.text  # before the undo, or after it
        assert await stored_check_ins(database, owner) == []
        assert (await owner.post(CHECK_INS, json=body)).status_code == 410


async def test_two_undos_at_the_same_moment_both_answer_204_and_keep_one_undone_id(
    owner: Caller, database: Database
) -> None:
    body = check_in_body(await create_action(owner))
    assert (await owner.post(CHECK_INS, json=body)).status_code == 201

    first, second = await asyncio.gather(
        owner.delete(f"{CHECK_INS}/{body['id']}"), owner.delete(f"{CHECK_INS}/{body['id']}")
    )

    assert (first.status_code, second.status_code) == (204, 204), (first.text, second.text)
    async with database() as db:
        kept = await db.scalars(
            select(UndoneCheckIn.id).where(UndoneCheckIn.participant_id == UUID(owner.id))
        )
        assert list(kept) == [UUID(body["id"])]
