"""Scoring model 2's edges: an advisory whose instrument permits flight above its limit, the
spread of a system's published ceilings, and the weapon that hit an aircraft.

- `conflict_zones.permits_above`: the instrument itself permits flight at and above `upper_ft`
  (SFAR 119: "overflights at and above FL320 may resume"): a sharp limit, no fading margin.
- `air_defence_systems.ceiling_ft_low`: the lowest published ceiling where the figures differ
  (`ceiling_ft` the highest); the score fades across them.
- `incidents.weapon_class` and `weapon_system`: what kind of weapon hit the aircraft (and which
  SAM system), which bounds the altitudes the incident is evidence for.

Both are columns of tables the service role already has its grants on.

Revision ID: 0008_edges
Revises: 0007_watches
Create Date: 2026-11-30
"""

from alembic import op

revision = "0008_edges"
down_revision = "0007_watches"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the two columns (existing rows: no permission above, no spread)."""
    op.execute(
        """
        ALTER TABLE conflict_zones
            ADD COLUMN permits_above boolean NOT NULL DEFAULT false
                CONSTRAINT conflict_zones_permits_above_needs_a_ceiling
                CHECK (NOT permits_above OR upper_ft IS NOT NULL);
        ALTER TABLE air_defence_systems
            ADD COLUMN ceiling_ft_low integer
                CONSTRAINT air_defence_systems_ceiling_spread
                CHECK (ceiling_ft_low IS NULL OR ceiling_ft_low BETWEEN 0 AND ceiling_ft);
        ALTER TABLE incidents
            ADD COLUMN weapon_class text NOT NULL DEFAULT 'unknown'
                CONSTRAINT incidents_weapon_class
                CHECK (weapon_class IN ('manpads', 'aaa', 'sam', 'air_to_air', 'unknown')),
            ADD COLUMN weapon_system text
                CONSTRAINT incidents_weapon_system
                CHECK (weapon_system ~ '^[a-z0-9][a-z0-9_-]{0,127}$');
        """
    )


def downgrade() -> None:
    """Drop them."""
    op.execute(
        """
        ALTER TABLE conflict_zones DROP COLUMN permits_above;
        ALTER TABLE air_defence_systems DROP COLUMN ceiling_ft_low;
        ALTER TABLE incidents DROP COLUMN weapon_class, DROP COLUMN weapon_system;
        """
    )
