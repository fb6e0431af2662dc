"""Authenticated writes: API keys, append-only audit log, feature versions, retirement,
incident review, idempotency.

Revision ID: 0002_writes
Revises: 0001_layers
Create Date: 2026-11-24
"""

from alembic import op

revision = "0002_writes"
down_revision = "0001_layers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE api_keys (
            id bigserial PRIMARY KEY,
            name text NOT NULL CHECK (name <> ''),
            role text NOT NULL CHECK (role IN ('researcher', 'reviewer', 'editor', 'admin')),
            prefix text NOT NULL,
            secret_sha256 bytea NOT NULL UNIQUE,
            created_at timestamptz NOT NULL DEFAULT now(),
            revoked_at timestamptz
        );
        CREATE TABLE audit_log (
            id bigserial PRIMARY KEY,
            at timestamptz NOT NULL DEFAULT now(),
            key_id bigint REFERENCES api_keys (id),
            action text NOT NULL,
            layer text,
            feature_id text,
            before jsonb,
            after jsonb
        );
        CREATE INDEX audit_log_feature ON audit_log (layer, feature_id);
        CREATE INDEX audit_log_key_at ON audit_log (key_id, at);
        -- Append-only: history cannot be edited, even by the service.
        CREATE FUNCTION airspace_risk_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_log is append-only';
        END
        $$;
        CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
            FOR EACH ROW EXECUTE FUNCTION airspace_risk_append_only();
        CREATE TABLE feature_versions (
            layer text NOT NULL,
            feature_id text NOT NULL,
            version integer NOT NULL CHECK (version >= 1),
            recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            key_id bigint REFERENCES api_keys (id),
            change text NOT NULL CHECK (change IN ('create', 'update', 'retire', 'review')),
            feature jsonb NOT NULL,
            PRIMARY KEY (layer, feature_id, version)
        );
        CREATE TRIGGER feature_versions_append_only BEFORE UPDATE OR DELETE ON feature_versions
            FOR EACH ROW EXECUTE FUNCTION airspace_risk_append_only();
        ALTER TABLE conflict_zones ADD COLUMN retired_at timestamptz;
        ALTER TABLE engagement_areas ADD COLUMN retired_at timestamptz;
        ALTER TABLE incidents
            ADD COLUMN submitted_by bigint REFERENCES api_keys (id),
            ADD COLUMN reviewed_by bigint REFERENCES api_keys (id),
            ADD COLUMN reviewed_at timestamptz,
            ADD COLUMN review_comment text;
        CREATE TABLE idempotency_keys (
            key_id bigint NOT NULL REFERENCES api_keys (id),
            idempotency_key text NOT NULL,
            request_sha256 bytea NOT NULL,
            status integer NOT NULL,
            body jsonb NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (key_id, idempotency_key)
        );
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP TABLE idempotency_keys;
        ALTER TABLE incidents
            DROP COLUMN submitted_by, DROP COLUMN reviewed_by, DROP COLUMN reviewed_at,
            DROP COLUMN review_comment;
        ALTER TABLE engagement_areas DROP COLUMN retired_at;
        ALTER TABLE conflict_zones DROP COLUMN retired_at;
        DROP TABLE feature_versions;
        DROP TABLE audit_log;
        DROP FUNCTION airspace_risk_append_only();
        DROP TABLE api_keys;
        """
    )
