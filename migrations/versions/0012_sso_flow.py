"""Sign-out that ends the session on the server; prompt=login for shared computers

- sign_in_sessions: one row per sign-in on a browser (its id is in the session cookie);
  an ended row refuses the cookie on every server, also a copy taken before sign-out.
- identity_providers.prompt_login: the agency's provider asks for the password every time.

Revision ID: 0012_sso_flow
Revises: 0011_mail
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = '0012_sso_flow'
down_revision = "0011_mail"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sign_in_sessions',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('method', sa.String(length=40), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.Column('end_reason', sa.String(length=40), nullable=True),
        sa.Column('identity_provider_id', sa.Integer(), nullable=True),
        sa.Column('id_token', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ['identity_provider_id'],
            ['identity_providers.id'],
            name=op.f('fk_sign_in_sessions_identity_provider_id_identity_providers'),
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_sign_in_sessions_user_id_users')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_sessions')),
    )
    with op.batch_alter_table('sign_in_sessions') as batch:
        batch.create_index(batch.f('ix_sign_in_sessions_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('identity_providers') as batch:
        batch.add_column(
            sa.Column('prompt_login', sa.Boolean(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('identity_providers') as batch:
        batch.drop_column('prompt_login')
    with op.batch_alter_table('sign_in_sessions') as batch:
        batch.drop_index(batch.f('ix_sign_in_sessions_user_id'))
    op.drop_table('sign_in_sessions')
