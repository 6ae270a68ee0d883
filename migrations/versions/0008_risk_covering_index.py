"""A covering index for the risk figures: the dashboard's and the pack's grouped queries

Every column portal.risk reads from an item (status, observed_on, the policy's marking,
agency, author and id, provider, likelihood, impact, key question), so those queries scan
this narrow index instead of the wide rows: an index-only scan on PostgreSQL once the table
is vacuumed, a covering index on SQLite.

Revision ID: 0008_risk_covering_index
Revises: 0007_concerns_embargoes
Create Date: 2026-11-29
"""

from alembic import op

revision = '0008_risk_covering_index'
down_revision = '0007_concerns_embargoes'
branch_labels = None
depends_on = None

COLUMNS = [
    'status',
    'observed_on',
    'marking',
    'provider_id',
    'likelihood',
    'impact',
    'key_question',
    'source_agency_id',
    'author_id',
    'id',
]


def upgrade():
    with op.batch_alter_table('intelligence_items', schema=None) as batch_op:
        batch_op.create_index('ix_intelligence_items_risk', COLUMNS, unique=False)


def downgrade():
    with op.batch_alter_table('intelligence_items', schema=None) as batch_op:
        batch_op.drop_index('ix_intelligence_items_risk')
