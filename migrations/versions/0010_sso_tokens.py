"""Single sign-on: identities keyed by issuer and subject; per agency, how an address is
trusted, how the portal authenticates to the token endpoint, and how strong a sign-in must be

- user_identities.issuer: the issuer a link was made under (filled from the provider's row
  for links made before); unique with the subject, instead of the provider row and subject.
- identity_providers.email_trust: email_verified (default), xms_edov or authoritative.
- identity_providers.token_auth_method: auto (default), client_secret_basic or
  client_secret_post.
- identity_providers.require_strong_sign_in and acr_values: more than a password at the
  provider, or else the portal's own second factor.

Revision ID: 0010_sso_tokens
Revises: 0009_focused_agenda
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_sso_tokens"
down_revision = "0009_focused_agenda"
branch_labels = None
depends_on = None

FILL_ISSUER = """
UPDATE user_identities SET issuer = (
    SELECT identity_providers.issuer FROM identity_providers
    WHERE identity_providers.id = user_identities.identity_provider_id
)
"""


def upgrade() -> None:
    with op.batch_alter_table("identity_providers") as batch:
        batch.add_column(
            sa.Column(
                "email_trust",
                sa.Enum(
                    "email_verified",
                    "xms_edov",
                    "authoritative",
                    name="emailtrust",
                    native_enum=False,
                    length=20,
                ),
                server_default="email_verified",
                nullable=False,
            )
        )
        batch.add_column(
            sa.Column(
                "token_auth_method",
                sa.Enum(
                    "auto",
                    "client_secret_basic",
                    "client_secret_post",
                    name="tokenauthmethod",
                    native_enum=False,
                    length=20,
                ),
                server_default="auto",
                nullable=False,
            )
        )
        # A plain "0", not sa.false(): on SQLite an expression default makes Alembic copy the
        # table, and dropping the old identity_providers fails while user_identities refer to it.
        batch.add_column(
            sa.Column("require_strong_sign_in", sa.Boolean(), server_default="0", nullable=False)
        )
        batch.add_column(
            sa.Column("acr_values", sa.String(length=255), server_default="", nullable=False)
        )
    with op.batch_alter_table("user_identities") as batch:
        batch.add_column(sa.Column("issuer", sa.String(length=500), nullable=True))
    op.execute(FILL_ISSUER)
    with op.batch_alter_table("user_identities") as batch:
        batch.alter_column("issuer", existing_type=sa.String(length=500), nullable=False)
        batch.drop_constraint("uq_user_identities_identity_provider_id", type_="unique")
        batch.create_unique_constraint("uq_user_identities_issuer", ["issuer", "subject"])


def downgrade() -> None:
    # Links to one provider row under several issuers would break the old key: keep the
    # newest per row and subject.
    op.execute(
        "DELETE FROM user_identities WHERE id NOT IN (SELECT MAX(id) FROM user_identities "
        "GROUP BY identity_provider_id, subject)"
    )
    with op.batch_alter_table("user_identities") as batch:
        batch.drop_constraint("uq_user_identities_issuer", type_="unique")
        batch.create_unique_constraint(
            "uq_user_identities_identity_provider_id", ["identity_provider_id", "subject"]
        )
        batch.drop_column("issuer")
    columns = ["acr_values", "require_strong_sign_in", "token_auth_method", "email_trust"]
    if op.get_bind().dialect.name == "sqlite":
        # SQLite (3.35 and later) drops a plain column in place; a batch copy of the table
        # would fail while user_identities refer to it.
        for column in columns:
            op.execute(f"ALTER TABLE identity_providers DROP COLUMN {column}")
        return
    with op.batch_alter_table("identity_providers") as batch:
        for column in columns:
            batch.drop_column(column)
