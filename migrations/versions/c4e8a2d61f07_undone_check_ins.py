"""undone check-ins

The `undone_check_in` table: the id of every check-in that was undone, so that a late replay of the request
that made it is refused (410) instead of storing it again.

Revision ID: c4e8a2d61f07
Revises: b51e0c7f2d93
Create Date: 2026-12-01 15:25:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = 'c4e8a2d61f07'
down_revision: str | None = 'b51e0c7f2d93'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('undone_check_in',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('key_action_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('undone_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('participant_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['key_action_id'], ['key_action.id'], name=op.f('fk_undone_check_in_key_action_id_key_action'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_undone_check_in_participant_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_undone_check_in'))
    )
    with op.batch_alter_table('undone_check_in', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_undone_check_in_key_action_id'), ['key_action_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_undone_check_in_participant_id'), ['participant_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('undone_check_in', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_undone_check_in_participant_id'))
        batch_op.drop_index(batch_op.f('ix_undone_check_in_key_action_id'))
    op.drop_table('undone_check_in')
