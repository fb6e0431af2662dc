"""Least privilege: the role the service's sessions run as (airspace_risk_service).

It owns nothing. It reads every table; it writes the layers, the catalogue, the keys and the
idempotency records; it may only INSERT into the audit log and the feature versions (no UPDATE,
DELETE or TRUNCATE, and as a non-owner it cannot disable their triggers); it is no superuser, so
it cannot set session_replication_role. Migrations keep running as the owner. The role is
cluster-wide (created once), its grants per database.

Revision ID: 0004_service_role
Revises: 0003_lifecycle
Create Date: 2026-11-30
"""

from alembic import op

revision = "0004_service_role"
down_revision = "0003_lifecycle"
branch_labels = None
depends_on = None

ROLE = "airspace_risk_service"
WRITABLE = ("conflict_zones", "engagement_areas", "incidents", "air_defence_systems",
            "dataset_state", "api_keys", "idempotency_keys")  # fmt: skip
APPEND_ONLY = ("audit_log", "feature_versions")


def upgrade() -> None:
    op.execute(
        f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') THEN
                CREATE ROLE {ROLE} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
            END IF;
        END
        $$;
        GRANT {ROLE} TO CURRENT_USER;
        GRANT USAGE ON SCHEMA public TO {ROLE};
        GRANT SELECT ON ALL TABLES IN SCHEMA public TO {ROLE};
        GRANT INSERT, UPDATE ON {", ".join(WRITABLE)} TO {ROLE};
        GRANT DELETE ON idempotency_keys TO {ROLE};
        GRANT INSERT ON {", ".join(APPEND_ONLY)} TO {ROLE};
        GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {ROLE};
        """  # noqa: S608 (constants only)
    )


def downgrade() -> None:
    op.execute(
        f"""
        REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {ROLE};
        REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {ROLE};
        REVOKE USAGE ON SCHEMA public FROM {ROLE};
        """
    )
