"""Meetings: agenda order and removals, issued packs' contents, attendance, minutes, actions

- meeting_providers: a row is now the chair's word on a provider's place on the agenda:
  `added` (by hand, with its reason), `position` (agenda order), `removed_reason` and
  `removed_at` (a proposed provider taken off, and why).
- meeting_packs: what each issued version held (`agenda`, `item_ids`) and its page count.
- meetings: the approval of the minutes and the approved minutes' PDF (a blob).
- meeting_attendees: who attended, for which agency.
- actions: who closed an action; statuses are now open, done and dropped ("in progress"
  becomes "open", "closed" becomes "done").

Revision ID: 0004_meetings
Revises: 0003_search_themes
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_meetings"
down_revision = "0003_search_themes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meeting_providers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("added", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column("position", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("removed_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("removed_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("meeting_providers", schema=None) as batch_op:
        batch_op.alter_column("added", server_default=None)

    with op.batch_alter_table("meeting_packs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agenda", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("item_ids", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("pages", sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE meeting_packs SET agenda = '[]', item_ids = '[]'")
    with op.batch_alter_table("meeting_packs", schema=None) as batch_op:
        batch_op.alter_column("agenda", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("item_ids", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("pages", server_default=None)

    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("minutes_approved_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("minutes_approved_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("minutes_sha256", sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_meetings_minutes_approved_by_id_users"),
            "users",
            ["minutes_approved_by_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_meetings_minutes_sha256_blobs"), "blobs", ["minutes_sha256"], ["sha256"]
        )

    op.create_table(
        "meeting_attendees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_meeting_attendees_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_attendees_meeting_id_meetings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_attendees")),
    )
    with op.batch_alter_table("meeting_attendees", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_attendees_meeting_id"), ["meeting_id"], unique=False
        )

    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_actions_closed_by_id_users"), "users", ["closed_by_id"], ["id"]
        )
    op.execute("UPDATE actions SET status = 'open' WHERE status = 'in progress'")
    op.execute("UPDATE actions SET status = 'done' WHERE status = 'closed'")


def downgrade() -> None:
    op.execute("UPDATE actions SET status = 'closed' WHERE status IN ('done', 'dropped')")
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_actions_closed_by_id_users"), type_="foreignkey")
        batch_op.drop_column("closed_by_id")

    with op.batch_alter_table("meeting_attendees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_attendees_meeting_id"))
    op.drop_table("meeting_attendees")

    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_meetings_minutes_sha256_blobs"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_meetings_minutes_approved_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("minutes_sha256")
        batch_op.drop_column("minutes_approved_by_id")
        batch_op.drop_column("minutes_approved_at")

    with op.batch_alter_table("meeting_packs", schema=None) as batch_op:
        batch_op.drop_column("pages")
        batch_op.drop_column("item_ids")
        batch_op.drop_column("agenda")

    op.execute("DELETE FROM meeting_providers WHERE added = false")
    with op.batch_alter_table("meeting_providers", schema=None) as batch_op:
        batch_op.drop_column("removed_at")
        batch_op.drop_column("removed_reason")
        batch_op.drop_column("position")
        batch_op.drop_column("added")
