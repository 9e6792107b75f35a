"""imports

The `import_record` table: what each imported row became (a barrier, a key action, a reflection), so that
importing the same file again changes nothing.

Revision ID: e2b6d3f0a1c4
Revises: d1a5c2e9f0b3
Create Date: 2026-12-01 19:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = 'e2b6d3f0a1c4'
down_revision: str | None = 'd1a5c2e9f0b3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('import_record',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('source', sa.Enum('followthrough', 'loop', name='import_source', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('external_key', sa.String(length=300), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('participant_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_import_record_participant_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_record')),
    sa.UniqueConstraint('participant_id', 'source', 'external_key', name='uq_import_record_key')
    )
    with op.batch_alter_table('import_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_record_participant_id'), ['participant_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('import_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_record_participant_id'))
    op.drop_table('import_record')
