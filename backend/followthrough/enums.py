"""The product vocabulary's closed sets, shared by models, schemas and services."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Enum


class BarrierLevel(StrEnum):
    INDUSTRY = "industry"
    ORGANIZATION = "organization"
    PERSONAL = "personal"


class KeyHolder(StrEnum):
    ME = "me"
    OTHERS = "others"


class BarrierStatus(StrEnum):
    HOLDING = "holding"
    LOOSENING = "loosening"
    BROKEN = "broken"


class ActionStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    DONE = "done"
    DROPPED = "dropped"


class Visibility(StrEnum):
    PRIVATE = "private"
    PARTNERS = "partners"


class ScheduleKind(StrEnum):
    ONCE = "once"
    RECURRING = "recurring"


class CheckInResult(StrEnum):
    DONE = "done"
    PARTLY = "partly"
    NOT_DONE = "not_done"
    SKIPPED = "skipped"


def column_enum(enum: type[StrEnum], name: str) -> Enum:
    """A portable enum column: a string with a CHECK constraint on both databases, storing the values."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )
