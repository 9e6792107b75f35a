"""Key actions for tests: made through the API (one `create_action`, with each caller's defaults) or
checked in straight in the database, and what is stored about them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import partial
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import select

from followthrough.actions.models import KeyAction, KeyActionStatusChange, Occurrence
from followthrough.checkins.models import CheckIn
from followthrough.enums import CheckInResult
from tests.conftest import Caller, Database

KEY_ACTIONS = "/api/v1/key-actions"

# The default clock is Monday 2026-03-02 09:00 UTC, which is 09:00 in London until 29 March.
ONCE = {"kind": "once", "dueAt": "2026-03-06T17:00:00"}

ACTION = {"title": "Ask for a training budget", "schedule": ONCE}
DAILY_SINCE_MONDAY_FEB_23 = {"kind": "recurring", "startsAt": "2026-02-23T08:00:00", "rrule": "FREQ=DAILY"}
MONDAYS_FROM_MARCH_2 = {
    "kind": "recurring",
    "startsAt": "2026-03-02T08:00:00",
    "rrule": "FREQ=WEEKLY;BYDAY=MO",
}
DAILY_ACTION = {"title": "Ask one colleague for feedback", "schedule": DAILY_SINCE_MONDAY_FEB_23}
"""Due every day at 08:00 local time since Monday 2026-02-23."""


async def create_action(
    caller: Caller, /, defaults: Mapping[str, Any] = DAILY_ACTION, **fields: Any
) -> dict[str, Any]:
    """A key action made through the API: `fields` over `defaults`. Modules with other defaults bind their
    own with `functools.partial`."""
    response = await caller.post(KEY_ACTIONS, json={**defaults, **fields})
    assert response.status_code == 201, response.text
    action: dict[str, Any] = response.json()
    return action


create = partial(create_action, defaults=ACTION)
"""A one-off action on Friday 2026-03-06 at 17:00 unless told otherwise."""


async def check_in(database: Database, caller: Caller, action_id: str, due_at: datetime) -> UUID:
    """Store a check-in on one occurrence directly, as the check-in endpoint would."""
    async with database() as db:
        occurrence = await db.scalar(
            select(Occurrence).where(Occurrence.key_action_id == UUID(action_id), Occurrence.due_at == due_at)
        )
        assert occurrence is not None
        made = CheckIn(
            id=uuid4(),
            participant_id=UUID(caller.id),
            key_action_id=UUID(action_id),
            occurrence_id=occurrence.id,
            result=CheckInResult.DONE,
            note="kept",
            checked_in_at=due_at,
        )
        db.add(made)
        return made.id


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def instant(value: str) -> datetime:
    """An instant as the API writes it (ISO 8601 with its offset)."""
    return datetime.fromisoformat(value)


async def stored(database: Database, caller: Caller) -> dict[str, list[tuple[Any, ...]]]:
    """What is stored about one participant's key actions, to show that a refused request changed nothing."""
    owner = UUID(caller.id)
    async with database() as db:
        actions = await db.execute(
            select(
                KeyAction.id,
                KeyAction.title,
                KeyAction.barrier_id,
                KeyAction.cue,
                KeyAction.key_holder,
                KeyAction.key_holder_name,
                KeyAction.own_part,
                KeyAction.schedule_kind,
                KeyAction.starts_at,
                KeyAction.rrule,
                KeyAction.reminder_offsets,
                KeyAction.status,
                KeyAction.status_reason,
                KeyAction.visibility,
                KeyAction.measure_unit,
                KeyAction.measure_target,
                KeyAction.updated_at,
            )
            .where(KeyAction.participant_id == owner)
            .order_by(KeyAction.id)
        )
        changes = await db.execute(
            select(KeyActionStatusChange.id, KeyActionStatusChange.to_status)
            .where(KeyActionStatusChange.participant_id == owner)
            .order_by(KeyActionStatusChange.id)
        )
        occurrences = await db.execute(
            select(Occurrence.key_action_id, Occurrence.due_at)
            .where(Occurrence.participant_id == owner)
            .order_by(Occurrence.key_action_id, Occurrence.due_at)
        )
        return {
            "actions": [tuple(row) for row in actions],
            "changes": [tuple(row) for row in changes],
            "occurrences": [tuple(row) for row in occurrences],
        }


async def due_instants(database: Database, action_id: str) -> list[datetime]:
    """The stored occurrences of one key action, earliest first."""
    async with database() as db:
        return list(
            await db.scalars(
                select(Occurrence.due_at)
                .where(Occurrence.key_action_id == UUID(action_id))
                .order_by(Occurrence.due_at)
            )
        )
