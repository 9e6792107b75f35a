"""Check-ins for tests: request bodies, and what one participant has stored."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import select

from followthrough.checkins.models import CheckIn
from tests.conftest import Caller, Database

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
