"""sign-in identities: accounts at an OpenID provider linked to participants

Revision ID: f3c7e4a1b2d5
Revises: e2b6d3f0a1c4
Create Date: 2026-12-01 19:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = 'f3c7e4a1b2d5'
down_revision: str | None = 'e2b6d3f0a1c4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('sign_in_identity',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('issuer', sa.String(length=255), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('last_used_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('participant_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_sign_in_identity_participant_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_identity')),
    sa.UniqueConstraint('issuer', 'subject', name='uq_sign_in_identity_issuer_subject')
    )
    with op.batch_alter_table('sign_in_identity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_identity_participant_id'), ['participant_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sign_in_identity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_identity_participant_id'))

    op.drop_table('sign_in_identity')
