"""Watched flights, their alerts, and webhooks that deliver them at least once.

- `api_keys.role` gains `dispatcher` (may watch flights and manage webhooks, nothing else).
- `watches`: a flight (the route check's request, a schedule, a threshold), its corridor (the
  route's line, for finding the watches a change can affect), the hazards its last results held
  and those results (`last_results`: a fingerprint per departure).
- `watch_alerts`: what changed for a watch, and the record that caused it.
- `watch_state`: how far the data versions (`layer_changes`) and the clock have been re-checked.
  A change's log row is written in the change's own transaction; an alert, its deliveries and
  the advance of this cursor in one later transaction: an alert is never lost, and never sent
  for a change that was rolled back.
- `webhook_subscriptions`, `webhook_deliveries` (the outbox: one row per alert and subscription,
  claimed with SKIP LOCKED), `webhook_attempts` (one row per attempt).

Revision ID: 0007_watches
Revises: 0006_layer_changes
Create Date: 2026-11-30
"""

from alembic import op

revision = "0007_watches"
down_revision = "0006_layer_changes"
branch_labels = None
depends_on = None

ROLE = "airspace_risk_service"
ROLES_BEFORE = "'researcher', 'reviewer', 'editor', 'admin'"
ROLES_AFTER = ROLES_BEFORE + ", 'dispatcher'"


def upgrade() -> None:
    op.execute(
        f"""
        ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check;
        ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN ({ROLES_AFTER}));

        CREATE TABLE watches (
            id text NOT NULL CHECK (id <> ''),
            key_id bigint NOT NULL REFERENCES api_keys (id),
            request jsonb NOT NULL,
            schedule jsonb NOT NULL,
            notify_at_least text,
            corridor geometry(MultiLineString, 4326) NOT NULL,
            corridor_margin_nm double precision NOT NULL,
            last_departure timestamptz NOT NULL,
            expires_at timestamptz NOT NULL,
            hazards text[] NOT NULL DEFAULT '{{}}',
            last_results jsonb NOT NULL,
            checked_version bigint NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            -- Ids are each key's own (a dispatch system's flight ids): never shared, never
            -- revealed to another key.
            PRIMARY KEY (key_id, id)
        );
        CREATE INDEX watches_corridor ON watches USING gist (corridor);
        CREATE INDEX watches_hazards ON watches USING gin (hazards);
        CREATE INDEX watches_expires ON watches (expires_at);

        CREATE TABLE watch_alerts (
            id bigserial PRIMARY KEY,
            key_id bigint NOT NULL,
            watch_id text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            data_version bigint NOT NULL,
            cause jsonb NOT NULL,
            changes jsonb NOT NULL,
            summary jsonb NOT NULL,
            FOREIGN KEY (key_id, watch_id) REFERENCES watches (key_id, id) ON DELETE CASCADE
        );
        CREATE INDEX watch_alerts_watch ON watch_alerts (key_id, watch_id, id);

        CREATE TABLE watch_state (
            only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
            rechecked_version bigint NOT NULL,
            clock_checked_at timestamptz NOT NULL
        );
        INSERT INTO watch_state (rechecked_version, clock_checked_at)
            SELECT data_version, now() FROM dataset_state;

        CREATE TABLE webhook_subscriptions (
            id text PRIMARY KEY,
            key_id bigint NOT NULL REFERENCES api_keys (id),
            url text NOT NULL,
            events text[] NOT NULL,
            secret text NOT NULL,
            previous_secret text,
            previous_secret_until timestamptz,
            created_at timestamptz NOT NULL DEFAULT now(),
            disabled_at timestamptz,
            disabled_reason text
        );
        CREATE INDEX webhook_subscriptions_key ON webhook_subscriptions (key_id);

        CREATE TABLE webhook_deliveries (
            id text PRIMARY KEY,
            subscription_id text NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
            alert_id bigint REFERENCES watch_alerts (id) ON DELETE SET NULL,
            event_type text NOT NULL,
            body text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            status text NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'delivered', 'failed', 'cancelled')),
            attempts integer NOT NULL DEFAULT 0,
            next_attempt_at timestamptz NOT NULL DEFAULT now(),
            leased_until timestamptz,
            last_status integer,
            finished_at timestamptz
        );
        CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
            WHERE status = 'pending';
        CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id);
        CREATE INDEX webhook_deliveries_alert ON webhook_deliveries (alert_id);

        CREATE TABLE webhook_attempts (
            id bigserial PRIMARY KEY,
            delivery_id text NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
            attempt integer NOT NULL,
            started_at timestamptz NOT NULL,
            duration_ms double precision NOT NULL,
            status_code integer,
            error text,
            response_excerpt text
        );
        CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);

        GRANT SELECT, INSERT, UPDATE, DELETE ON watches, webhook_subscriptions TO {ROLE};
        GRANT SELECT, INSERT, UPDATE ON watch_state, webhook_deliveries TO {ROLE};
        GRANT SELECT, INSERT ON watch_alerts, webhook_attempts TO {ROLE};
        GRANT USAGE ON watch_alerts_id_seq, webhook_attempts_id_seq TO {ROLE};
        """  # noqa: S608 (constants only)
    )


def downgrade() -> None:
    op.execute(
        f"""
        DROP TABLE webhook_attempts, webhook_deliveries, webhook_subscriptions, watch_state,
            watch_alerts, watches;
        -- Keys are referenced by the audit log: dispatcher keys are revoked, not deleted.
        UPDATE api_keys SET role = 'researcher', revoked_at = coalesce(revoked_at, now())
            WHERE role = 'dispatcher';
        ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check;
        ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN ({ROLES_BEFORE}));
        """  # noqa: S608 (constants only)
    )
