"""Check-ins for tests: request bodies, what one participant has stored, and a year of history."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import insert, select

from followthrough.actions.models import Occurrence
from followthrough.checkins.models import CheckIn
from followthrough.enums import CheckInResult
from tests.conftest import Caller, Callers, Database
from tests.support.actions import create, utc
from tests.support.agenda import daily

CHECK_INS = "/api/v1/check-ins"

# The default clock is Monday 2026-03-02 09:00 in London (UTC+0 until the end of March).
TODAY_AT_8 = "2026-03-02T08:00:00Z"


def check_in_body(action: dict[str, Any], at: str = TODAY_AT_8, **fields: Any) -> dict[str, Any]:
    return {"id": str(uuid4()), "keyActionId": action["id"], "occurrenceAt": at, "result": "done", **fields}


async def stored_check_ins(database: Database, caller: Caller) -> list[tuple[Any, ...]]:
    """Every stored check-in of one participant, to show that a refused request changed nothing."""
    async with database() as db:
        rows = await db.execute(
            select(
                CheckIn.id,
                CheckIn.key_action_id,
                CheckIn.occurrence_id,
                CheckIn.result,
                CheckIn.note,
                CheckIn.measure_value,
                CheckIn.weekly_review_id,
                CheckIn.updated_at,
            )
            .where(CheckIn.participant_id == UUID(caller.id))
            .order_by(CheckIn.id)
        )
        return [tuple(row) for row in rows]


async def with_history(callers: Callers, database: Database, actions: int) -> Caller:
    """A participant with `actions` daily actions since a year ago, most occurrences checked in."""
    person = await callers.participant(name=f"Veteran{actions}")
    ids = [
        (await create(person, title=f"Habit {index}", schedule=daily("2025-03-01T08:00:00")))["id"]
        for index in range(actions)
    ]
    async with database() as db:
        occurrences = (
            await db.execute(
                select(Occurrence.id, Occurrence.key_action_id, Occurrence.due_at).where(
                    Occurrence.participant_id == UUID(person.id), Occurrence.due_at < utc(2026, 3, 2, 9)
                )
            )
        ).all()
        rows = [
            {
                "id": uuid4(),
                "participant_id": UUID(person.id),
                "key_action_id": key_action_id,
                "occurrence_id": occurrence_id,
                "result": CheckInResult.DONE if index % 3 else CheckInResult.PARTLY,
                "checked_in_at": due_at,
                "created_at": due_at,
                "updated_at": due_at,
            }
            for index, (occurrence_id, key_action_id, due_at) in enumerate(occurrences)
            if index % 5
        ]
        for start in range(0, len(rows), 500):
            await db.execute(insert(CheckIn), rows[start : start + 500])
    assert len(ids) == actions
    assert len(rows) > 250 * actions
    return person
