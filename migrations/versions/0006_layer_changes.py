"""Which features each data version changed, so that a route checker can take in a write by
re-reading only what it touched instead of every layer.

The statement trigger that bumps `data_version` now also logs, under the new version, the ids of
the rows the statement changed and (zones and engagement areas) the ids those rows supersede,
before and after: a predecessor's hazard depends on its successors. `dataset_state.logged_from`
is the version from which the log is complete; a checker older than that is rebuilt whole.

Revision ID: 0006_layer_changes
Revises: 0005_write_rates
Create Date: 2026-11-30
"""

from alembic import op

revision = "0006_layer_changes"
down_revision = "0005_write_rates"
branch_labels = None
depends_on = None

ROLE = "airspace_risk_service"
LAYER_TABLES = ("air_defence_systems", "conflict_zones", "engagement_areas", "incidents")

BUMP_AND_LOG = """
CREATE OR REPLACE FUNCTION airspace_risk_bump_data_version() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    version bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM changed_rows) THEN
        RETURN NULL;
    END IF;
    -- The row lock taken here is held to commit: versions follow commit order.
    UPDATE dataset_state SET data_version = data_version + 1, changed_at = now()
        RETURNING data_version INTO version;
    INSERT INTO layer_changes (data_version, layer, feature_id)
        SELECT version, TG_TABLE_NAME, id FROM changed_rows;
    IF TG_TABLE_NAME IN ('conflict_zones', 'engagement_areas') THEN
        INSERT INTO layer_changes (data_version, layer, feature_id)
            SELECT DISTINCT version, TG_TABLE_NAME, unnest(supersedes) FROM changed_rows;
        IF TG_OP = 'UPDATE' THEN
            INSERT INTO layer_changes (data_version, layer, feature_id)
                SELECT DISTINCT version, TG_TABLE_NAME, unnest(supersedes) FROM old_rows;
        END IF;
    END IF;
    RETURN NULL;
END
$$;
"""

BUMP_ONLY = """
CREATE OR REPLACE FUNCTION airspace_risk_bump_data_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM changed_rows) THEN
        UPDATE dataset_state SET data_version = data_version + 1, changed_at = now();
    END IF;
    RETURN NULL;
END
$$;
"""


def _update_trigger(table: str, referencing: str) -> str:
    return f"""
        DROP TRIGGER {table}_version_upd ON {table};
        CREATE TRIGGER {table}_version_upd AFTER UPDATE ON {table}
            REFERENCING {referencing}
            FOR EACH STATEMENT EXECUTE FUNCTION airspace_risk_bump_data_version();
    """


def upgrade() -> None:
    op.execute(
        f"""
        CREATE TABLE layer_changes (
            data_version bigint NOT NULL,
            layer text NOT NULL,
            feature_id text NOT NULL
        );
        CREATE INDEX layer_changes_version ON layer_changes (data_version);
        GRANT SELECT, INSERT ON layer_changes TO {ROLE};
        ALTER TABLE dataset_state ADD COLUMN logged_from bigint;
        UPDATE dataset_state SET logged_from = data_version;
        ALTER TABLE dataset_state ALTER COLUMN logged_from SET NOT NULL;
        {BUMP_AND_LOG}
        """  # noqa: S608 (constants only)
    )
    for table in LAYER_TABLES:
        op.execute(_update_trigger(table, "OLD TABLE AS old_rows NEW TABLE AS changed_rows"))


def downgrade() -> None:
    for table in LAYER_TABLES:
        op.execute(_update_trigger(table, "NEW TABLE AS changed_rows"))
    op.execute(
        f"""
        {BUMP_ONLY}
        ALTER TABLE dataset_state DROP COLUMN logged_from;
        DROP TABLE layer_changes;
        """
    )
