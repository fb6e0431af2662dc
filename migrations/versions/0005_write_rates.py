"""Write rate limits shared by every process and host: one token bucket per API key, in the
database, taken with one atomic statement.

Revision ID: 0005_write_rates
Revises: 0004_service_role
Create Date: 2026-11-30
"""

from alembic import op

revision = "0005_write_rates"
down_revision = "0004_service_role"
branch_labels = None
depends_on = None

ROLE = "airspace_risk_service"


def upgrade() -> None:
    op.execute(
        f"""
        CREATE TABLE write_rate_buckets (
            key_id bigint PRIMARY KEY REFERENCES api_keys (id) ON DELETE CASCADE,
            tokens double precision NOT NULL,
            refilled_at timestamptz NOT NULL
        );
        GRANT SELECT, INSERT, UPDATE ON write_rate_buckets TO {ROLE};
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE write_rate_buckets")
