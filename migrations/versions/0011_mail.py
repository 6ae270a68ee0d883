"""E-mail: the outbox, each person's choices, the boroughs' contacts on an embargo

- mail_outbox: every message, added in the same transaction as what it is about, kept until
  sent (with its attempts and the next one) and afterwards as the record of what went to whom.
- mail_preferences: a person's choice (off, at once, daily digest) per kind of message.
- embargoes.notice_contacts: the e-mail addresses the embargo notice is sent to.
- actions.overdue_reminded_on: the day the owner agency was told the action fell overdue.

Revision ID: 0011_mail
Revises: 0010_sso_tokens
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = '0011_mail'
down_revision = '0010_sso_tokens'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'mail_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('pack-issued', 'action-given', 'action-overdue', 'red-recipient', 'embargo-notice', 'set-up-link', 'second-factor-reset', 'digest', name='mailkind', native_enum=False, create_constraint=False, length=30), nullable=False),
        sa.Column('state', sa.Enum('pending', 'digest', 'sent', 'digested', 'cancelled', name='mailstate', native_enum=False, create_constraint=False, length=20), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('to_address', sa.String(length=320), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('link', sa.String(length=500), server_default='', nullable=False),
        sa.Column('secret', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('attachment_name', sa.String(length=200), nullable=True),
        sa.Column('attachment_sha256', sa.String(length=64), nullable=True),
        sa.Column('object_type', sa.String(length=30), nullable=True),
        sa.Column('object_id', sa.String(length=40), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('last_error', sa.Text(), server_default='', nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['attachment_sha256'], ['blobs.sha256']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_mail_outbox_due', 'mail_outbox', ['state', 'next_attempt_at'])
    op.create_index('ix_mail_outbox_object', 'mail_outbox', ['object_type', 'object_id'])
    op.create_index(op.f('ix_mail_outbox_user_id'), 'mail_outbox', ['user_id'])
    op.create_table(
        'mail_preferences',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('pack-issued', 'action-given', 'action-overdue', 'red-recipient', 'embargo-notice', 'set-up-link', 'second-factor-reset', 'digest', name='mailkind', native_enum=False, create_constraint=False, length=30), nullable=False),
        sa.Column('choice', sa.Enum('off', 'now', 'digest', name='mailchoice', native_enum=False, create_constraint=False, length=20), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('user_id', 'kind'),
    )
    with op.batch_alter_table('embargoes') as batch:
        batch.add_column(sa.Column('notice_contacts', sa.JSON(), server_default='[]', nullable=False))
    with op.batch_alter_table('actions') as batch:
        batch.add_column(sa.Column('overdue_reminded_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('actions') as batch:
        batch.drop_column('overdue_reminded_on')
    with op.batch_alter_table('embargoes') as batch:
        batch.drop_column('notice_contacts')
    op.drop_table('mail_preferences')
    op.drop_index(op.f('ix_mail_outbox_user_id'), table_name='mail_outbox')
    op.drop_index('ix_mail_outbox_object', table_name='mail_outbox')
    op.drop_index('ix_mail_outbox_due', table_name='mail_outbox')
    op.drop_table('mail_outbox')
