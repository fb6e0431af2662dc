"""What was advised, and when: publication times, effect windows with their end basis,
withdrawals, supersession chains, issuer, instrument, who is bound, the threat, and reviews.

Rows that predate this migration get honest fill-ins, never "safe" ones: published_at is
valid_from where there was one (else when the row was created here), an open valid_from starts
at published_at, a known end becomes "unconfirmed" (it keeps counting once passed until an
editor reviews it), and issuer, instrument and threat say they were not recorded. The bundled
layers replace these on the next `airspace-risk load`.

Revision ID: 0003_lifecycle
Revises: 0002_writes
Create Date: 2026-11-30
"""

from alembic import op

revision = "0003_lifecycle"
down_revision = "0002_writes"
branch_labels = None
depends_on = None

SLUG = r"'^[a-z0-9][a-z0-9_-]{0,127}$'"
PRECISION = "('second', 'minute', 'day')"
END_BASIS = "('stated', 'until_further_notice', 'unconfirmed')"
OUTCOMES = "('renewed', 'withdrawn', 'superseded', 'confirmed_unchanged')"


def _lifecycle(table: str) -> str:
    """Add and fill the lifecycle columns of a zone or engagement-area table."""
    # Formatted from this module's constants only, never from input.
    return f"""
    ALTER TABLE {table}
        ADD COLUMN published_at timestamptz,
        ADD COLUMN published_precision text NOT NULL DEFAULT 'day'
            CHECK (published_precision IN {PRECISION}),
        ADD COLUMN end_basis text,
        ADD COLUMN withdrawn_at timestamptz,
        ADD COLUMN supersedes text[] NOT NULL DEFAULT '{{}}' CONSTRAINT {table}_supersedes
            CHECK (airspace_risk_slugs_ok(supersedes) AND NOT (id = ANY (supersedes))),
        ADD COLUMN threat text,
        ADD COLUMN instrument text,
        ADD COLUMN binding_for text[] NOT NULL DEFAULT '{{}}' CONSTRAINT {table}_binding_for
            CHECK (airspace_risk_phrases_ok(binding_for)),
        ADD COLUMN last_reviewed_at timestamptz,
        ADD COLUMN last_review_outcome text CHECK (last_review_outcome IN {OUTCOMES}),
        ADD COLUMN last_review_comment text;
    UPDATE {table} SET
        published_at = coalesce(valid_from, least(created_at, valid_to - interval '1 second')),
        valid_from = coalesce(valid_from, least(created_at, valid_to - interval '1 second')),
        end_basis = CASE WHEN valid_to IS NULL THEN 'until_further_notice' ELSE 'unconfirmed' END,
        threat = id,
        instrument = 'not recorded';
    ALTER TABLE {table}
        ALTER COLUMN published_at SET NOT NULL,
        ALTER COLUMN valid_from SET NOT NULL,
        ALTER COLUMN end_basis SET NOT NULL,
        ALTER COLUMN threat SET NOT NULL,
        ALTER COLUMN instrument SET NOT NULL,
        ADD CONSTRAINT {table}_end_basis CHECK (
            end_basis IN {END_BASIS}
            AND (end_basis = 'until_further_notice') = (valid_to IS NULL)),
        ADD CONSTRAINT {table}_threat CHECK (threat ~ {SLUG}),
        ADD CONSTRAINT {table}_instrument CHECK (instrument <> ''),
        ADD CONSTRAINT {table}_issuer CHECK (issuer <> ''),
        ADD CONSTRAINT {table}_withdrawn
            CHECK (withdrawn_at IS NULL OR withdrawn_at >= published_at);
    CREATE INDEX {table}_threat ON {table} (threat);
    CREATE INDEX {table}_supersedes ON {table} USING gin (supersedes);
    """  # noqa: S608


def upgrade() -> None:
    op.execute(
        r"""
        CREATE FUNCTION airspace_risk_slugs_ok(ids text[]) RETURNS boolean
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT NOT EXISTS (
                SELECT 1 FROM unnest(ids) AS i WHERE i IS NULL OR i !~ '^[a-z0-9][a-z0-9_-]{0,127}$'
            )
        $$;
        CREATE FUNCTION airspace_risk_phrases_ok(phrases text[]) RETURNS boolean
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT NOT EXISTS (
                SELECT 1 FROM unnest(phrases) AS p WHERE p IS NULL OR btrim(p) = '' OR p ~ ';'
            )
        $$;
        -- A record's status at `at` as known at `as_of` (NULL as_of: everything on record);
        -- NULL when it had not been published by then. The same rule as
        -- app/core/layers/lifecycle.py, which a test compares it with.
        CREATE FUNCTION airspace_risk_status(
            published_at timestamptz, valid_from timestamptz, valid_to timestamptz,
            end_basis text, withdrawn_at timestamptz, replaced_at timestamptz,
            waits_for_publication boolean, at timestamptz, as_of timestamptz
        ) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT CASE
                WHEN as_of IS NOT NULL AND published_at > as_of THEN NULL
                WHEN withdrawn_at IS NOT NULL AND (as_of IS NULL OR withdrawn_at <= as_of)
                     AND withdrawn_at <= at THEN 'withdrawn'
                WHEN replaced_at IS NOT NULL AND replaced_at <= at THEN 'superseded'
                WHEN at < CASE WHEN waits_for_publication
                               THEN greatest(valid_from, published_at) ELSE valid_from END
                    THEN 'scheduled'
                WHEN valid_to IS NULL OR at < valid_to THEN 'in_force'
                WHEN end_basis = 'stated' THEN 'expired'
                ELSE 'lapsed_unconfirmed'
            END
        $$;
        -- When a record takes effect as known at as_of (NULL: unknown then, or withdrawn
        -- before it took effect): what a successor's taking over is measured by.
        CREATE FUNCTION airspace_risk_takes_effect(
            published_at timestamptz, valid_from timestamptz, withdrawn_at timestamptz,
            waits_for_publication boolean, as_of timestamptz
        ) RETURNS timestamptz
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT CASE
                WHEN as_of IS NOT NULL AND published_at > as_of THEN NULL
                WHEN withdrawn_at IS NOT NULL AND (as_of IS NULL OR withdrawn_at <= as_of)
                     AND withdrawn_at <= (CASE WHEN waits_for_publication
                                              THEN greatest(valid_from, published_at)
                                              ELSE valid_from END) THEN NULL
                ELSE CASE WHEN waits_for_publication
                          THEN greatest(valid_from, published_at) ELSE valid_from END
            END
        $$;
        ALTER TABLE conflict_zones RENAME COLUMN authority TO issuer;
        ALTER TABLE conflict_zones RENAME CONSTRAINT conflict_zones_authority_check
            TO conflict_zones_issuer_check;
        ALTER TABLE engagement_areas RENAME COLUMN status TO site_basis;
        ALTER TABLE engagement_areas ADD COLUMN issuer text;
        UPDATE engagement_areas SET issuer = 'not recorded';
        ALTER TABLE engagement_areas ALTER COLUMN issuer SET NOT NULL;
        ALTER TABLE engagement_areas ADD COLUMN reference text;
        """
    )
    op.execute(_lifecycle("conflict_zones"))
    op.execute(_lifecycle("engagement_areas"))
    op.execute(
        f"""
        ALTER TABLE conflict_zones ADD CONSTRAINT conflict_zones_published_before_effect
            CHECK (valid_from >= published_at);
        ALTER TABLE incidents
            ADD COLUMN published_at timestamptz,
            ADD COLUMN published_precision text NOT NULL DEFAULT 'day'
                CHECK (published_precision IN {PRECISION}),
            ADD COLUMN threat text CHECK (threat ~ {SLUG});
        UPDATE incidents SET published_at = greatest(created_at, occurred_at);
        ALTER TABLE incidents
            ALTER COLUMN published_at SET NOT NULL,
            ADD CONSTRAINT incidents_published_after_event
                CHECK (published_at >= date_trunc('day', occurred_at AT TIME ZONE 'UTC')
                                       AT TIME ZONE 'UTC');
        ALTER TABLE air_defence_systems ADD COLUMN published_at timestamptz;
        UPDATE air_defence_systems SET published_at = created_at;
        ALTER TABLE air_defence_systems ALTER COLUMN published_at SET NOT NULL;
        """  # noqa: S608 (constants only)
    )


def downgrade() -> None:
    columns = (
        "published_at, published_precision, end_basis, withdrawn_at, supersedes, threat, "
        "instrument, binding_for, last_reviewed_at, last_review_outcome, last_review_comment"
    )
    drops = ", ".join(f"DROP COLUMN {c.strip()}" for c in columns.split(","))
    op.execute(
        f"""
        ALTER TABLE air_defence_systems DROP COLUMN published_at;
        ALTER TABLE incidents DROP CONSTRAINT incidents_published_after_event,
            DROP COLUMN published_at, DROP COLUMN published_precision, DROP COLUMN threat;
        ALTER TABLE conflict_zones DROP CONSTRAINT conflict_zones_published_before_effect;
        ALTER TABLE conflict_zones DROP CONSTRAINT conflict_zones_issuer;
        ALTER TABLE conflict_zones {drops};
        ALTER TABLE engagement_areas {drops};
        ALTER TABLE conflict_zones ALTER COLUMN valid_from DROP NOT NULL;
        ALTER TABLE engagement_areas ALTER COLUMN valid_from DROP NOT NULL;
        ALTER TABLE engagement_areas DROP COLUMN issuer, DROP COLUMN reference;
        ALTER TABLE engagement_areas RENAME COLUMN site_basis TO status;
        ALTER TABLE conflict_zones RENAME CONSTRAINT conflict_zones_issuer_check
            TO conflict_zones_authority_check;
        ALTER TABLE conflict_zones RENAME COLUMN issuer TO authority;
        DROP FUNCTION airspace_risk_takes_effect(timestamptz, timestamptz, timestamptz, boolean,
                                                 timestamptz);
        DROP FUNCTION airspace_risk_status(timestamptz, timestamptz, timestamptz, text,
                                           timestamptz, timestamptz, boolean, timestamptz,
                                           timestamptz);
        DROP FUNCTION airspace_risk_phrases_ok(text[]);
        DROP FUNCTION airspace_risk_slugs_ok(text[]);
        """
    )
