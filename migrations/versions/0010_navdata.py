"""Navigation data the operator imports (AIRAC cycles of ARINC 424 or X-Plane data), for
resolving filed flight-plan routes.

- `navdata_cycles`: one row per imported cycle (several side by side), with when it is in force
  and what the file held; a cycle imported again replaces its rows.
- `navdata_fixes`: waypoints, navaids and airports (identifier, ICAO region, kind, position).
- `navdata_airway_legs`: each airway leg with both ends written out, and which way it may be
  flown.
- `navdata_procedures`: SIDs and STARs, one row per transition, its fixes as JSON in order.

The service role reads them all and writes them on import.

Revision ID: 0010_navdata
Revises: 0009_range_spread
Create Date: 2026-11-30
"""

from alembic import op

revision = "0010_navdata"
down_revision = "0009_range_spread"
branch_labels = None
depends_on = None

ROLE = "airspace_risk_service"
KINDS = "'waypoint', 'vor', 'dme', 'ndb', 'airport'"


def upgrade() -> None:
    """Create the four tables and their grants."""
    op.execute(
        f"""
        CREATE TABLE navdata_cycles (
            cycle text PRIMARY KEY CHECK (cycle ~ '^[0-9]{{4}}$'),
            effective_from timestamptz NOT NULL,
            effective_to timestamptz NOT NULL CHECK (effective_to > effective_from),
            source_format text NOT NULL CHECK (source_format IN ('arinc424', 'xplane')),
            source_name text NOT NULL,
            imported_at timestamptz NOT NULL DEFAULT now(),
            fixes integer NOT NULL,
            airway_legs integer NOT NULL,
            procedures integer NOT NULL,
            skipped integer NOT NULL
        );
        CREATE TABLE navdata_fixes (
            cycle text NOT NULL REFERENCES navdata_cycles (cycle) ON DELETE CASCADE,
            ident text NOT NULL,
            region text NOT NULL,
            kind text NOT NULL CHECK (kind IN ({KINDS})),
            lat double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
            lon double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
            name text,
            airport text,
            variation_deg double precision,
            elevation_ft double precision,
            geom geometry(Point, 4326) NOT NULL
        );
        CREATE INDEX navdata_fixes_ident ON navdata_fixes (cycle, ident);
        CREATE TABLE navdata_airway_legs (
            cycle text NOT NULL REFERENCES navdata_cycles (cycle) ON DELETE CASCADE,
            airway text NOT NULL,
            seq integer NOT NULL,
            start_fix jsonb NOT NULL,
            end_fix jsonb NOT NULL,
            direction text NOT NULL CHECK (direction IN ('both', 'forward', 'backward')),
            lower_fl integer,
            upper_fl integer
        );
        CREATE INDEX navdata_airway_legs_airway ON navdata_airway_legs (cycle, airway);
        CREATE TABLE navdata_procedures (
            cycle text NOT NULL REFERENCES navdata_cycles (cycle) ON DELETE CASCADE,
            airport text NOT NULL,
            kind text NOT NULL CHECK (kind IN ('sid', 'star')),
            ident text NOT NULL,
            transition text NOT NULL,
            fixes jsonb NOT NULL
        );
        CREATE INDEX navdata_procedures_ident ON navdata_procedures (cycle, airport, ident);
        GRANT SELECT, INSERT, DELETE ON navdata_cycles, navdata_fixes, navdata_airway_legs,
            navdata_procedures TO {ROLE};
        """
    )


def downgrade() -> None:
    """Drop them."""
    op.execute("DROP TABLE navdata_procedures, navdata_airway_legs, navdata_fixes, navdata_cycles;")
