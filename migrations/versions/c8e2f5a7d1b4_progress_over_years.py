"""progress over years

The check-ins' index on key_action_id gains participant_id and measure_value, so that the all-time measure
totals read the index alone (it still serves every lookup by key action, so writes cost no more).

The `streak_checkpoint` table (the settled part of a streak, followthrough/checkins/streaks.py) and the
triggers that keep it true: writing or removing an occurrence, or a check-in's result or occurrence, on a day a
checkpoint has settled clears that checkpoint (`settled_before` becomes null), whoever writes (the API, an
import, a cascade from a deleted key action), so the next request counts all history and settles again.

The triggers clear rather than delete, so that a request storing a checkpoint at the same moment (INSERT …
ON CONFLICT DO UPDATE) takes the row's lock and a concurrent change clears what it stored after it commits.

Revision ID: c8e2f5a7d1b4
Revises: b8e1f4c2d7a9
Create Date: 2026-12-02 01:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "c8e2f5a7d1b4"
down_revision: str | None = "b8e1f4c2d7a9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLEAR = "UPDATE streak_checkpoint SET settled_before = NULL, settled_before_at = NULL"
# An occurrence row: clear its participant's checkpoints that settled its day or its instant.
SETTLED_OCCURRENCE = (
    "participant_id = {row}.participant_id "
    "AND (settled_before > {row}.local_date OR settled_before_at > {row}.due_at)"
)
# A check-in row: the same, for the occurrence it is on.
SETTLED_CHECK_IN = (
    "participant_id = {row}.participant_id AND EXISTS (SELECT 1 FROM occurrence "
    "WHERE occurrence.id = {row}.occurrence_id AND (streak_checkpoint.settled_before > occurrence.local_date "
    "OR streak_checkpoint.settled_before_at > occurrence.due_at))"
)
# (table, event, the rows the event has, the condition); UPDATE only of the columns a streak reads.
SQLITE_TRIGGERS = [
    ("occurrence", "INSERT", ["NEW"], SETTLED_OCCURRENCE),
    ("occurrence", "UPDATE OF participant_id, local_date, due_at", ["OLD", "NEW"], SETTLED_OCCURRENCE),
    ("occurrence", "DELETE", ["OLD"], SETTLED_OCCURRENCE),
    ("check_in", "INSERT", ["NEW"], SETTLED_CHECK_IN),
    ("check_in", "UPDATE OF participant_id, occurrence_id, result", ["OLD", "NEW"], SETTLED_CHECK_IN),
    ("check_in", "DELETE", ["OLD"], SETTLED_CHECK_IN),
]


def upgrade() -> None:
    with op.batch_alter_table("check_in", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_in_key_action_id"))
        batch_op.create_index(
            "ix_check_in_key_action_measure", ["key_action_id", "participant_id", "measure_value"], unique=False
        )
    op.create_table(
        "streak_checkpoint",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("settled_before", sa.Date(), nullable=True),
        sa.Column(
            "settled_before_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True
        ),
        sa.Column("best", sa.Integer(), nullable=False),
        sa.Column("trailing", sa.Integer(), nullable=False),
        sa.Column("participant_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_streak_checkpoint_participant_id_participant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_streak_checkpoint")),
        sa.UniqueConstraint("participant_id", "scope", name="uq_streak_checkpoint_scope"),
    )
    with op.batch_alter_table("streak_checkpoint", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_streak_checkpoint_participant_id"), ["participant_id"], unique=False
        )
    if op.get_bind().dialect.name == "sqlite":
        for number, (table, event, rows, condition) in enumerate(SQLITE_TRIGGERS):
            body = " ".join(f"{CLEAR} WHERE {condition.format(row=row)};" for row in rows)
            op.execute(
                f"CREATE TRIGGER streak_checkpoint_clear_{number} AFTER {event} ON {table} "
                f"FOR EACH ROW BEGIN {body} END"
            )
        return
    for table, condition in (("occurrence", SETTLED_OCCURRENCE), ("check_in", SETTLED_CHECK_IN)):
        op.execute(
            f"""CREATE FUNCTION streak_checkpoint_clear_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'INSERT' THEN {CLEAR} WHERE {condition.format(row="OLD")}; END IF;
                IF TG_OP <> 'DELETE' THEN {CLEAR} WHERE {condition.format(row="NEW")}; END IF;
                RETURN NULL;
            END $$"""
        )
    for table, columns in (
        ("occurrence", "participant_id, local_date, due_at"),
        ("check_in", "participant_id, occurrence_id, result"),
    ):
        op.execute(
            f"CREATE TRIGGER streak_checkpoint_clear AFTER INSERT OR UPDATE OF {columns} OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION streak_checkpoint_clear_{table}()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for number in range(len(SQLITE_TRIGGERS)):
            op.execute(f"DROP TRIGGER IF EXISTS streak_checkpoint_clear_{number}")
    else:
        for table in ("occurrence", "check_in"):
            op.execute(f"DROP TRIGGER IF EXISTS streak_checkpoint_clear ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS streak_checkpoint_clear_{table}()")
    with op.batch_alter_table("streak_checkpoint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_streak_checkpoint_participant_id"))
    op.drop_table("streak_checkpoint")
    with op.batch_alter_table("check_in", schema=None) as batch_op:
        batch_op.drop_index("ix_check_in_key_action_measure")
        batch_op.create_index(batch_op.f("ix_check_in_key_action_id"), ["key_action_id"], unique=False)
