"""The focused agenda and the meeting's life: a provider's list, a pack's appendix and correction

- meeting_providers.listed_for: the chair's choice of list for a provider ("discussion" or
  "noting"); none leaves it to the group's rules.
- meeting_packs.appendix: whether the pack carries the items' full texts in an appendix.
- meeting_packs.correction_reason: why a version issued after the meeting was needed.

Revision ID: 0009_focused_agenda
Revises: 0008_risk_covering_index
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = '0009_focused_agenda'
down_revision = '0008_risk_covering_index'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('meeting_providers') as batch:
        batch.add_column(sa.Column('listed_for', sa.String(length=20), nullable=True))
    with op.batch_alter_table('meeting_packs') as batch:
        batch.add_column(
            sa.Column('appendix', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(
            sa.Column('correction_reason', sa.Text(), server_default='', nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('meeting_packs') as batch:
        batch.drop_column('correction_reason')
        batch.drop_column('appendix')
    with op.batch_alter_table('meeting_providers') as batch:
        batch.drop_column('listed_for')
