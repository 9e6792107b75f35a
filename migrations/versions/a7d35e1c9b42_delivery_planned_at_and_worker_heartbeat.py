"""delivery planned_at and worker heartbeats

`delivery.planned_at`: when a queued delivery was meant to arrive before quiet hours held it, so that it can
follow later changes to them. `worker_heartbeat`: each running worker's sign of life, so that a dead
worker's claims pass to another within seconds rather than when their lease ends.

Revision ID: a7d35e1c9b42
Revises: 3c0fd70f3ca1
Create Date: 2026-12-01 15:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = 'a7d35e1c9b42'
down_revision: str | None = '3c0fd70f3ca1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('worker_heartbeat',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('last_seen', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_worker_heartbeat')),
    sa.UniqueConstraint('name', name=op.f('uq_worker_heartbeat_name'))
    )
    with op.batch_alter_table('worker_heartbeat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_worker_heartbeat_last_seen'), ['last_seen'], unique=False)
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('planned_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_column('planned_at')
    with op.batch_alter_table('worker_heartbeat', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_worker_heartbeat_last_seen'))
    op.drop_table('worker_heartbeat')
