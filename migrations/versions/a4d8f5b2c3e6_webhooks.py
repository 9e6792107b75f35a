"""webhooks

Webhook channels (kind `webhook`, docs/webhooks.md) and their three events: the CHECK constraints on
channel.kind and delivery.event gain the values. Downgrading deletes the webhook channels (their deliveries
go with them) and any delivery of the new events first.

Revision ID: a4d8f5b2c3e6
Revises: f3c7e4a1b2d5
Create Date: 2026-12-01 19:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a4d8f5b2c3e6"
down_revision: str | None = "f3c7e4a1b2d5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENTS = (
    "reminder.due",
    "review.weekly",
    "partner.digest",
    "partner.missed",
    "encouragement.received",
    "invite.accepted",
    "channel.disabled",
    "channel.test",
    "sign-up.attempted",
)
WEBHOOK_EVENTS = ("checkin.recorded", "occurrence.missed", "review.submitted")
WITH_WEBHOOK_EVENTS = (*EVENTS, *WEBHOOK_EVENTS)
KINDS = ("apprise", "webpush")
WITH_WEBHOOK = (*KINDS, "webhook")


def _enum(values: tuple[str, ...], name: str, length: int) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=length)


def _set_values(
    table: str, column: str, name: str, length: int, old: tuple[str, ...], new: tuple[str, ...]
) -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot alter a CHECK constraint: the table is copied with the new one.
        with op.batch_alter_table(table, recreate="always") as batch_op:
            batch_op.alter_column(
                column,
                existing_type=_enum(old, name, length),
                type_=_enum(new, name, length),
                existing_nullable=False,
            )
        return
    values = ", ".join(f"'{value}'" for value in new)
    op.drop_constraint(op.f(f"ck_{table}_{name}"), table, type_="check")
    op.create_check_constraint(op.f(f"ck_{table}_{name}"), table, f"{column} IN ({values})")


def upgrade() -> None:
    _set_values("channel", "kind", "channel_kind", 16, KINDS, WITH_WEBHOOK)
    _set_values("delivery", "event", "delivery_event", 32, EVENTS, WITH_WEBHOOK_EVENTS)


def downgrade() -> None:
    listed = ", ".join(f"'{value}'" for value in WEBHOOK_EVENTS)
    op.execute(f"DELETE FROM delivery WHERE event IN ({listed})")  # noqa: S608 - constants, not input
    op.execute("DELETE FROM delivery WHERE channel_id IN (SELECT id FROM channel WHERE kind = 'webhook')")
    op.execute("DELETE FROM channel WHERE kind = 'webhook'")
    _set_values("delivery", "event", "delivery_event", 32, WITH_WEBHOOK_EVENTS, EVENTS)
    _set_values("channel", "kind", "channel_kind", 16, WITH_WEBHOOK, KINDS)
