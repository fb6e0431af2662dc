"""Screening jobs (`POST /v1/screenings`): researchers' uploaded state vectors screened against
the layers on Dask, in the background.

- `screenings`: one row per job — who asked (the key), what (the uploaded file's name, kind
  and size, the times, box, incident radius and column mapping), where it stands (queued,
  running, done, failed; tasks done of all; a heartbeat, so a job whose process died is taken
  up again), and its outcome (exposures and flights counted, or the problem that stopped it).

The service role reads and writes it.

Revision ID: 0011_screenings
Revises: 0010_navdata
Create Date: 2026-11-30
"""

from alembic import op

revision = "0011_screenings"
down_revision = "0010_navdata"
branch_labels = None
depends_on = None

ROLE = "airspace_risk_service"


def upgrade() -> None:
    """Create the table and its grants."""
    op.execute(
        f"""
        CREATE TABLE screenings (
            id text PRIMARY KEY,
            key_id bigint NOT NULL REFERENCES api_keys (id),
            status text NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'running', 'done', 'failed')),
            submitted_at timestamptz NOT NULL DEFAULT now(),
            started_at timestamptz,
            finished_at timestamptz,
            heartbeat_at timestamptz,
            attempts integer NOT NULL DEFAULT 0,
            input_name text NOT NULL,
            input_kind text NOT NULL CHECK (input_kind IN ('csv', 'csv.gz', 'parquet')),
            input_bytes bigint NOT NULL CHECK (input_bytes >= 0),
            parameters jsonb NOT NULL,
            tasks_done integer NOT NULL DEFAULT 0,
            tasks_total integer,
            exposures integer,
            flights integer,
            error jsonb
        );
        CREATE INDEX screenings_waiting ON screenings (submitted_at)
            WHERE status IN ('queued', 'running');
        GRANT SELECT, INSERT, UPDATE ON screenings TO {ROLE};
        """
    )


def downgrade() -> None:
    """Drop it."""
    op.execute("DROP TABLE screenings;")
