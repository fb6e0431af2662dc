"""The three layers, the air-defence catalogue and the data version, with the rules as constraints.

Revision ID: 0001_layers
Revises:
Create Date: 2026-11-24
"""

from alembic import op

revision = "0001_layers"
down_revision = None
branch_labels = None
depends_on = None

SLUG = r"'^[a-z0-9][a-z0-9_-]{0,127}$'"
CERTAINTY = "('high', 'medium', 'low')"
ALTITUDE = "BETWEEN -1500 AND 100000"
TIMESTAMPS = """
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
"""
LAYER_TABLES = ("air_defence_systems", "conflict_zones", "engagement_areas", "incidents")


def _geometry_checks(table: str, column: str) -> str:
    """Constraints every stored geometry obeys: valid, not empty, inside lon/lat range."""
    return f"""
    CONSTRAINT {table}_{column}_valid CHECK (ST_IsValid({column}) AND NOT ST_IsEmpty({column})),
    CONSTRAINT {table}_{column}_in_range CHECK (airspace_risk_lonlat_in_range({column}))"""


def _band_and_validity(table: str) -> str:
    """Constraints of an altitude band and a validity window (NULL = open)."""
    return f"""
    CONSTRAINT {table}_band CHECK (lower_ft IS NULL OR upper_ft IS NULL OR lower_ft < upper_ft),
    CONSTRAINT {table}_validity
        CHECK (valid_from IS NULL OR valid_to IS NULL OR valid_from < valid_to)"""


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.execute(
        r"""
        CREATE FUNCTION airspace_risk_urls_ok(urls text[]) RETURNS boolean
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT cardinality(urls) >= 1 AND NOT EXISTS (
                SELECT 1 FROM unnest(urls) AS u WHERE u IS NULL OR u !~ '^https?://[^\s/]+\S*$'
            )
        $$;
        CREATE FUNCTION airspace_risk_firs_ok(firs text[]) RETURNS boolean
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT NOT EXISTS (SELECT 1 FROM unnest(firs) AS f WHERE f IS NULL OR f !~ '^[A-Z]{4}$')
        $$;
        CREATE FUNCTION airspace_risk_lonlat_in_range(g geometry) RETURNS boolean
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT ST_XMin(g) >= -180 AND ST_XMax(g) <= 180
               AND ST_YMin(g) >= -90 AND ST_YMax(g) <= 90
        $$;
        CREATE FUNCTION airspace_risk_touch_updated_at() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            NEW.updated_at := now();
            NEW.created_at := OLD.created_at;
            RETURN NEW;
        END
        $$;
        CREATE TABLE dataset_state (
            id boolean PRIMARY KEY DEFAULT true CHECK (id),
            data_version bigint NOT NULL DEFAULT 1,
            changed_at timestamptz NOT NULL DEFAULT now()
        );
        INSERT INTO dataset_state DEFAULT VALUES;
        -- One counter for all layers, bumped once per statement that changed rows, so that a
        -- route check can say which state of the data it used.
        CREATE FUNCTION airspace_risk_bump_data_version() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM changed_rows) THEN
                UPDATE dataset_state SET data_version = data_version + 1, changed_at = now();
            END IF;
            RETURN NULL;
        END
        $$;
        """
    )
    op.execute(
        f"""
        CREATE TABLE air_defence_systems (
            id text PRIMARY KEY CHECK (id ~ {SLUG}),
            name text NOT NULL CHECK (name <> ''),
            nato_name text,
            range_nm double precision NOT NULL CHECK (range_nm > 0 AND range_nm <= 2700),
            ceiling_ft integer NOT NULL CHECK (ceiling_ft > 0 AND ceiling_ft <= 100000),
            sources text[] NOT NULL CHECK (airspace_risk_urls_ok(sources)),
            certainty text NOT NULL CHECK (certainty IN {CERTAINTY}),
            notes text,
            {TIMESTAMPS}
        );
        CREATE TABLE conflict_zones (
            id text PRIMARY KEY CHECK (id ~ {SLUG}),
            name text NOT NULL CHECK (name <> ''),
            level smallint NOT NULL CHECK (level BETWEEN 1 AND 3),
            lower_ft integer CHECK (lower_ft {ALTITUDE}),
            upper_ft integer CHECK (upper_ft {ALTITUDE}),
            valid_from timestamptz,
            valid_to timestamptz,
            authority text NOT NULL CHECK (authority <> ''),
            reference text,
            firs text[] NOT NULL DEFAULT '{{}}' CHECK (airspace_risk_firs_ok(firs)),
            summary text,
            sources text[] NOT NULL CHECK (airspace_risk_urls_ok(sources)),
            certainty text NOT NULL CHECK (certainty IN {CERTAINTY}),
            geometry_note text,
            notes text,
            geom geometry(MultiPolygon, 4326) NOT NULL,
            {TIMESTAMPS},
            {_band_and_validity("conflict_zones")},
            {_geometry_checks("conflict_zones", "geom")}
        );
        CREATE TABLE engagement_areas (
            id text PRIMARY KEY CHECK (id ~ {SLUG}),
            name text NOT NULL CHECK (name <> ''),
            system text NOT NULL REFERENCES air_defence_systems (id),
            site geometry(Point, 4326) NOT NULL,
            radius_nm double precision NOT NULL CHECK (radius_nm > 0 AND radius_nm <= 2700),
            lower_ft integer CHECK (lower_ft {ALTITUDE}),
            upper_ft integer CHECK (upper_ft {ALTITUDE}),
            operator text,
            status text NOT NULL CHECK (status IN ('confirmed', 'reported', 'assumed')),
            valid_from timestamptz,
            valid_to timestamptz,
            summary text,
            sources text[] NOT NULL CHECK (airspace_risk_urls_ok(sources)),
            certainty text NOT NULL CHECK (certainty IN {CERTAINTY}),
            geometry_note text,
            notes text,
            geom geometry(MultiPolygon, 4326) NOT NULL,
            {TIMESTAMPS},
            {_band_and_validity("engagement_areas")},
            {_geometry_checks("engagement_areas", "geom")},
            {_geometry_checks("engagement_areas", "site")}
        );
        CREATE TABLE incidents (
            id text PRIMARY KEY CHECK (id ~ {SLUG}),
            event text NOT NULL CHECK (event ~ {SLUG}),
            kind text NOT NULL CHECK (kind IN ('hit', 'crash', 'landing')),
            flight text,
            occurred_at timestamptz NOT NULL,
            time_precision text NOT NULL DEFAULT 'minute'
                CHECK (time_precision IN ('second', 'minute', 'day')),
            operator text,
            aircraft text,
            fatalities integer CHECK (fatalities >= 0),
            weapon text,
            altitude_ft integer CHECK (altitude_ft {ALTITUDE}),
            status text NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'verified', 'rejected')),
            summary text,
            sources text[] NOT NULL CHECK (airspace_risk_urls_ok(sources)),
            certainty text NOT NULL CHECK (certainty IN {CERTAINTY}),
            geometry_note text,
            geom geometry(Point, 4326) NOT NULL,
            {TIMESTAMPS},
            {_geometry_checks("incidents", "geom")}
        );
        CREATE INDEX conflict_zones_geom_gist ON conflict_zones USING gist (geom);
        CREATE INDEX engagement_areas_geom_gist ON engagement_areas USING gist (geom);
        CREATE INDEX incidents_geom_gist ON incidents USING gist (geom);
        CREATE INDEX engagement_areas_system ON engagement_areas (system);
        CREATE INDEX incidents_event ON incidents (event);
        CREATE INDEX incidents_status_occurred ON incidents (status, occurred_at);
        """
    )
    for table in LAYER_TABLES:
        op.execute(
            f"""
            CREATE TRIGGER {table}_touch BEFORE UPDATE ON {table}
                FOR EACH ROW EXECUTE FUNCTION airspace_risk_touch_updated_at();
            CREATE TRIGGER {table}_version_ins AFTER INSERT ON {table}
                REFERENCING NEW TABLE AS changed_rows
                FOR EACH STATEMENT EXECUTE FUNCTION airspace_risk_bump_data_version();
            CREATE TRIGGER {table}_version_upd AFTER UPDATE ON {table}
                REFERENCING NEW TABLE AS changed_rows
                FOR EACH STATEMENT EXECUTE FUNCTION airspace_risk_bump_data_version();
            CREATE TRIGGER {table}_version_del AFTER DELETE ON {table}
                REFERENCING OLD TABLE AS changed_rows
                FOR EACH STATEMENT EXECUTE FUNCTION airspace_risk_bump_data_version();
            """
        )


def downgrade() -> None:
    op.execute(
        """
        DROP TABLE incidents;
        DROP TABLE engagement_areas;
        DROP TABLE conflict_zones;
        DROP TABLE air_defence_systems;
        DROP TABLE dataset_state;
        DROP FUNCTION airspace_risk_bump_data_version();
        DROP FUNCTION airspace_risk_touch_updated_at();
        DROP FUNCTION airspace_risk_lonlat_in_range(geometry);
        DROP FUNCTION airspace_risk_firs_ok(text[]);
        DROP FUNCTION airspace_risk_urls_ok(text[]);
        """
    )
