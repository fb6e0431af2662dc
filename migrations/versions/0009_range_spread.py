"""Scoring model 2's lateral edge: the spread of a system's published ranges.

- `air_defence_systems.range_nm_low`: the shortest published range where the figures differ
  (`range_nm` the longest); an engagement area's score fades across them.

A column of a table the service role already has its grants on.

Revision ID: 0009_range_spread
Revises: 0008_edges
Create Date: 2026-11-30
"""

from alembic import op

revision = "0009_range_spread"
down_revision = "0008_edges"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the column (existing rows: no spread)."""
    op.execute(
        """
        ALTER TABLE air_defence_systems
            ADD COLUMN range_nm_low double precision
                CONSTRAINT air_defence_systems_range_spread
                CHECK (range_nm_low IS NULL OR (range_nm_low > 0 AND range_nm_low <= range_nm));
        """
    )


def downgrade() -> None:
    """Drop it."""
    op.execute("ALTER TABLE air_defence_systems DROP COLUMN range_nm_low;")
