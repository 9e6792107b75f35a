"""The statements that record check-ins: one read that finds everything the rules ask about the requested
check-ins, and one insert of those the rules allow.

A check-in request is a write people make many times a day; each statement it sends costs a round trip and
the ORM's handling, so what used to be four reads (the ids already stored, the ids undone, the key actions,
the occurrences) plus the questions asked after the insert (are occurrences materialised far enough, are
reminders waiting, has the person a webhook) is asked once, one row per requested check-in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Integer, Select, Subquery, Table, and_, bindparam, literal, select, text, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import TextualSelect

from followthrough.actions import KeyAction, Occurrence, stale_actions
from followthrough.checkins import schemas
from followthrough.checkins.models import CheckIn, UndoneCheckIn
from followthrough.checkins.webhook_events import has_webhooks
from followthrough.deliveries import has_waiting_reminders

CHECK_IN_TABLE = cast("Table", CheckIn.__table__)
_INSERTED_COLUMNS = (
    "id",
    "participant_id",
    "key_action_id",
    "occurrence_id",
    "result",
    "note",
    "measure_value",
    "checked_in_at",
    "weekly_review_id",
    "created_at",
    "updated_at",
)
# Aliases: the read joins check-ins, occurrences and key actions in more than one role, and its EXISTS
# questions about key actions must not be correlated with the joined one.
_STORED = aliased(CheckIn, name="stored")
_STORED_ON = aliased(Occurrence, name="stored_on")
_ACTION = aliased(KeyAction, name="requested_action")
_TAKEN = aliased(CheckIn, name="taken")


@dataclass(frozen=True, slots=True)
class Found:
    """What the database holds about one requested check-in."""

    stored: tuple[CheckIn, Occurrence] | None
    """A check-in already stored with this id (whoever's: a client id is unique across everyone)."""
    undone: bool
    """The id was undone."""
    action_found: bool
    """The key action is the caller's."""
    measure_unit: str | None
    occurrence: Occurrence | None
    """The caller's occurrence of the key action due at the requested instant."""
    taken: bool
    """That occurrence has a check-in."""
    reminders_waiting: bool
    """That occurrence has reminders waiting to be sent (`deliveries.cancel_reminders`)."""


@dataclass(frozen=True, slots=True)
class Findings:
    items: list[Found]
    """In the order of the request."""
    stale: bool
    """Some active key action of the caller is not materialised far enough (`ensure_for_participant`)."""
    has_webhooks: bool


def _requested(count: int) -> Subquery:
    """`count` requested check-ins as rows of a derived table, so that one statement can join them; their
    values are parameters (`_parameters`)."""
    rows = [
        select(
            literal(position, Integer).label("position"),
            bindparam(f"id_{position}", type_=CheckIn.id.type).label("id"),
            bindparam(f"key_action_id_{position}", type_=CheckIn.key_action_id.type).label("key_action_id"),
            bindparam(f"due_at_{position}", type_=Occurrence.due_at.type).label("due_at"),
        )
        for position in range(count)
    ]
    return (rows[0] if len(rows) == 1 else union_all(*rows)).subquery("requested")


def _parameters(
    participant_id: UUID, items: Sequence[schemas.CheckInCreate], until: datetime
) -> dict[str, object]:
    parameters: dict[str, object] = {"participant_id": participant_id, "until": until}
    for position, item in enumerate(items):
        parameters[f"id_{position}"] = item.id
        parameters[f"key_action_id_{position}"] = item.key_action_id
        parameters[f"due_at_{position}"] = item.occurrence_at.astimezone(UTC)
    return parameters


@cache
def _finding(count: int) -> Select[Any]:
    """The read for `count` requested check-ins, built once per count: building and keying a statement this
    size costs more than running it."""
    requested = _requested(count)
    participant_id = bindparam("participant_id", type_=Occurrence.participant_id.type)
    until = bindparam("until", type_=KeyAction.occurrences_until.type)
    occurrence = and_(
        Occurrence.participant_id == participant_id,
        Occurrence.key_action_id == requested.c.key_action_id,
        Occurrence.due_at == requested.c.due_at,
    )
    any_stale = select(KeyAction.id).where(*stale_actions(participant_id, until)).correlate(None).exists()
    return (
        select(
            _STORED,
            _STORED_ON,
            UndoneCheckIn.id,
            _ACTION.id,
            _ACTION.measure_unit,
            Occurrence,
            _TAKEN.id,
            has_waiting_reminders(Occurrence.id),
            any_stale,
            has_webhooks(participant_id),
        )
        .select_from(requested)
        .outerjoin(_STORED, _STORED.id == requested.c.id)
        .outerjoin(_STORED_ON, _STORED_ON.id == _STORED.occurrence_id)
        .outerjoin(UndoneCheckIn, UndoneCheckIn.id == requested.c.id)
        .outerjoin(
            _ACTION, and_(_ACTION.id == requested.c.key_action_id, _ACTION.participant_id == participant_id)
        )
        .outerjoin(Occurrence, occurrence)
        .outerjoin(_TAKEN, _TAKEN.occurrence_id == Occurrence.id)
        .order_by(requested.c.position)
        # Bulk updates elsewhere bypass the identity map; read what the database holds.
        .execution_options(populate_existing=True)
    )


async def find(
    session: AsyncSession, participant_id: UUID, items: Sequence[schemas.CheckInCreate], until: datetime
) -> Findings:
    """One statement: per requested check-in, what is stored under its id, whether it was undone, the key
    action, the occurrence and whether it is taken or has reminders waiting; and for the caller, whether any
    key action is materialised short of `until` (`actions.stale_actions`) and whether they have webhooks."""
    rows = await session.execute(_finding(len(items)), _parameters(participant_id, items, until))
    found: list[Found] = []
    stale = webhooks = False  # the same on every row
    for row in rows.tuples():
        stored, stored_on, undone, action, unit, on, taken, waiting, stale, webhooks = row
        found.append(
            Found(
                stored=None if stored is None else (stored, stored_on),
                undone=undone is not None,
                action_found=action is not None,
                measure_unit=unit,
                occurrence=on,
                taken=taken is not None,
                reminders_waiting=bool(waiting),
            )
        )
    return Findings(found, bool(stale), bool(webhooks))


async def insert(session: AsyncSession, check_ins: Sequence[CheckIn]) -> set[UUID]:
    """Store these check-ins, skipping any whose id or occurrence another request stored meanwhile (that
    request's answer is then read again); returns the ids stored.

    No SAVEPOINT is needed around it: a conflict skips the row rather than fail the transaction. A key
    action or occurrence deleted meanwhile still fails it (IntegrityError), and on PostgreSQL the
    transaction with it.
    """
    values: dict[str, object] = {}
    for position, check_in in enumerate(check_ins):
        values.update({f"{name}_{position}": getattr(check_in, name) for name in _INSERTED_COLUMNS})
    return set((await session.execute(_inserting(len(check_ins)), values)).scalars())


@cache
def _inserting(count: int) -> TextualSelect:
    """INSERT … ON CONFLICT DO NOTHING RETURNING, which SQLite and PostgreSQL spell alike, for `count` rows.
    Written as text because SQLAlchemy 2.0 compiles its dialects' ON CONFLICT inserts again on every use
    (they have no cache key): about a quarter of a millisecond of CPU on every check-in."""
    columns = ", ".join(_INSERTED_COLUMNS)
    rows = ", ".join(
        "(" + ", ".join(f":{name}_{position}" for name in _INSERTED_COLUMNS) + ")"
        for position in range(count)
    )
    # Only the table's and columns' own names go into the text; every value is a parameter.
    statement = text(
        f"INSERT INTO {CHECK_IN_TABLE.name} ({columns}) VALUES {rows} ON CONFLICT DO NOTHING RETURNING id"  # noqa: S608
    )
    return statement.bindparams(
        *(
            bindparam(f"{name}_{position}", type_=CHECK_IN_TABLE.c[name].type)
            for position in range(count)
            for name in _INSERTED_COLUMNS
        )
    ).columns(CHECK_IN_TABLE.c.id)
