"""Jobs: long work run by a worker of the queue, and the pack version each issue job made

- jobs: one row per job (issuing a pack, approving the minutes, a CQC or ECM upload): who
  started it, its state and progress, its result or error, and the lease its worker holds.
- meeting_packs.job_id: the job that issued the version, unique, so a job run again after its
  worker was killed finds its version instead of issuing another.

Revision ID: 0014_jobs
Revises: 0013_search_box
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = '0014_jobs'
down_revision = "0013_search_box"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'jobs',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column(
            'state',
            sa.Enum('queued', 'running', 'done', 'failed', name='jobstate', native_enum=False,
                    create_constraint=False, length=20),
            nullable=False,
        ),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=60), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('upload', sa.LargeBinary(), nullable=True),
        sa.Column('progress', sa.Text(), nullable=False),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('errors', sa.JSON(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('lease_until', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('queued_at', sa.DateTime(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_jobs_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    )
    with op.batch_alter_table('jobs') as batch:
        batch.create_index(batch.f('ix_jobs_state'), ['state'], unique=False)
        batch.create_index(batch.f('ix_jobs_subject'), ['subject'], unique=False)
        batch.create_index(batch.f('ix_jobs_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('meeting_packs') as batch:
        batch.add_column(sa.Column('job_id', sa.String(length=32), nullable=True))
        batch.create_unique_constraint(batch.f('uq_meeting_packs_job_id'), ['job_id'])
        batch.create_foreign_key(
            batch.f('fk_meeting_packs_job_id_jobs'), 'jobs', ['job_id'], ['id']
        )


def downgrade() -> None:
    with op.batch_alter_table('meeting_packs') as batch:
        batch.drop_constraint(batch.f('fk_meeting_packs_job_id_jobs'), type_='foreignkey')
        batch.drop_constraint(batch.f('uq_meeting_packs_job_id'), type_='unique')
        batch.drop_column('job_id')
    with op.batch_alter_table('jobs') as batch:
        batch.drop_index(batch.f('ix_jobs_user_id'))
        batch.drop_index(batch.f('ix_jobs_subject'))
        batch.drop_index(batch.f('ix_jobs_state'))
    op.drop_table('jobs')
