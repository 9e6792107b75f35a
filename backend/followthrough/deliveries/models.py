from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint, bindparam, column
from sqlalchemy.orm import Mapped, QueryableAttribute, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from followthrough.enums import DeliveryStatus, Event, column_enum
from followthrough.ownership import Owned

CLAIMABLE = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING, DeliveryStatus.SENDING)
"""What a worker may claim: rows waiting, and rows being sent (again once their lease ends or worker dies)."""


def status_among(
    status: ColumnElement[Any] | QueryableAttribute[Any], statuses: Collection[DeliveryStatus]
) -> ColumnElement[bool]:
    """`status IN ('pending', ...)` with the values written into the SQL rather than bound. A planner uses a
    partial index only for a query whose own condition implies the index's, and it can tell that from values,
    never from parameters (SQLite at all, PostgreSQL in a prepared statement's generic plan)."""
    values = [member.value for member in statuses]
    return status.in_(bindparam(None, values, expanding=True, literal_execute=True))


class Delivery(Owned, UUIDv7AuditBase):
    """One message to one channel. `participant_id` is the recipient (a partner, for partner events).

    The unique key makes detection idempotent: a scheduler step that runs twice, or on two workers at once,
    inserts each delivery once.
    """

    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("event", "subject_key", "channel_id", name="uq_delivery_event_subject_channel"),
        # Kept for counting deliveries by status (`metrics.py`) and for the rows being sent.
        Index("ix_delivery_due", "status", "next_attempt_at"),
        # The claim's order over the rows it may take, so a claim reads its batch and stops however long
        # the backlog; queries state `status_among(Delivery.status, CLAIMABLE)` to use it.
        Index(
            "ix_delivery_claimable",
            "next_attempt_at",
            postgresql_where=status_among(column("status"), CLAIMABLE),
            sqlite_where=status_among(column("status"), CLAIMABLE),
        ),
    )

    event: Mapped[Event] = mapped_column(column_enum(Event, "delivery_event", length=32))
    subject_key: Mapped[str] = mapped_column(String(120))
    """What the message is about, and which instance of it: e.g. `occurrence:<id>:60` (a reminder 60
    minutes before), `occurrence:<id>:nudge`, `review:<participant>:2026-03-02`."""
    occurrence_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("occurrence.id", ondelete="CASCADE"), default=None, index=True
    )
    channel_id: Mapped[UUID] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"), index=True)
    due_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    """When it should arrive, after quiet hours and snoozes."""
    planned_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    """When it was meant to arrive before quiet hours held it, so that it can follow a later change to
    them (back to this moment if they are removed, never earlier). None means `due_at` (rows written
    directly rather than through the queue, and rows queued before this column existed)."""
    status: Mapped[DeliveryStatus] = mapped_column(
        column_enum(DeliveryStatus, "delivery_status"), default=DeliveryStatus.PENDING
    )
    next_attempt_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    """`due_at` at first; later the retry time, or the lease's end while a worker holds it."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64), default=None)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    sent_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """What the message says, fixed at detection (titles, local times), so a retry sends the same words."""


class WorkerHeartbeat(UUIDv7AuditBase):
    """A running worker's sign of life, renewed every `worker_heartbeat_seconds`. Once it is a few beats
    old the worker is taken for dead and the deliveries it holds ("sending", `lease_owner` = its name) may
    be claimed at once by another, rather than when their lease ends."""

    __tablename__ = "worker_heartbeat"

    name: Mapped[str] = mapped_column(String(64), unique=True)
    """The worker's name, as written into `delivery.lease_owner`."""
    last_seen: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)
