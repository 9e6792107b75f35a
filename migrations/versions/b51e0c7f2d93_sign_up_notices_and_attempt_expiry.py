"""sign-up notices and attempt expiry

`sign-up.attempted` as a delivery event (the owner of a registered email is told that someone tried to sign
up with it): the CHECK constraint on delivery.event gains the value, and every existing channel receives it,
as a new channel does by default. An index on `sign_in_failure.failed_at`, so that recording an attempt can
delete the expired ones without reading the whole table.

Revision ID: b51e0c7f2d93
Revises: a7d35e1c9b42
Create Date: 2026-12-01 15:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = 'b51e0c7f2d93'
down_revision: str | None = 'a7d35e1c9b42'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENTS = (
    'reminder.due', 'review.weekly', 'partner.digest', 'partner.missed', 'encouragement.received',
    'invite.accepted', 'channel.disabled', 'channel.test',
)
SIGN_UP_ATTEMPTED = 'sign-up.attempted'
WITH_SIGN_UP = (*EVENTS, SIGN_UP_ATTEMPTED)
CHANNEL = sa.table('channel', sa.column('id', advanced_alchemy.types.guid.GUID(length=16)), sa.column('events', sa.JSON()))


def _event_type(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name='delivery_event', native_enum=False, create_constraint=True, length=32)


def _set_events(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite cannot alter a CHECK constraint: the table is copied with the new one.
        with op.batch_alter_table('delivery', recreate='always') as batch_op:
            batch_op.alter_column('event', existing_type=_event_type(old), type_=_event_type(new), existing_nullable=False)
        return
    values = ', '.join(f"'{value}'" for value in new)
    op.drop_constraint(op.f('ck_delivery_delivery_event'), 'delivery', type_='check')
    op.create_check_constraint(op.f('ck_delivery_delivery_event'), 'delivery', f'event IN ({values})')


def _channel_events(change: str) -> None:
    """Adds the event to, or removes it from, every channel's list."""
    bind = op.get_bind()
    for channel_id, events in bind.execute(sa.select(CHANNEL.c.id, CHANNEL.c.events)).all():
        current = [event for event in (events or []) if event != SIGN_UP_ATTEMPTED]
        wanted = [*current, SIGN_UP_ATTEMPTED] if change == 'add' else current
        if wanted != (events or []):
            bind.execute(sa.update(CHANNEL).where(CHANNEL.c.id == channel_id).values(events=wanted))


def upgrade() -> None:
    with op.batch_alter_table('sign_in_failure', schema=None) as batch_op:
        batch_op.create_index('ix_sign_in_failure_failed_at', ['failed_at'], unique=False)
    _set_events(EVENTS, WITH_SIGN_UP)
    _channel_events('add')


def downgrade() -> None:
    _channel_events('remove')
    op.execute(f"DELETE FROM delivery WHERE event = '{SIGN_UP_ATTEMPTED}'")
    _set_events(WITH_SIGN_UP, EVENTS)
    with op.batch_alter_table('sign_in_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_sign_in_failure_failed_at')
