"""The tables as SQLAlchemy Core objects; the migrations in migrations/ are the source of truth."""

from geoalchemy2 import Geometry
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()


def _timestamps() -> list[Column[object]]:
    """created_at/updated_at, kept by the database (a trigger touches updated_at)."""
    return [
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    ]


def _geometry(kind: str) -> Geometry:
    """A typed EPSG:4326 geometry column; indexes are made by the migrations."""
    return Geometry(geometry_type=kind, srid=4326, spatial_index=False)


def _lifecycle() -> list[Column[object]]:
    """A zone's or engagement area's publication, effect, supersession, issuer and review."""
    return [
        Column("published_at", DateTime(timezone=True), nullable=False),
        Column("published_precision", Text, nullable=False, server_default="day"),
        Column("valid_from", DateTime(timezone=True), nullable=False),
        Column("valid_to", DateTime(timezone=True)),
        Column("end_basis", Text, nullable=False),
        Column("withdrawn_at", DateTime(timezone=True)),
        Column("supersedes", ARRAY(Text), nullable=False, server_default="{}"),
        Column("threat", Text, nullable=False),
        Column("issuer", Text, nullable=False),
        Column("instrument", Text, nullable=False),
        Column("reference", Text),
        Column("binding_for", ARRAY(Text), nullable=False, server_default="{}"),
        Column("last_reviewed_at", DateTime(timezone=True)),
        Column("last_review_outcome", Text),
        Column("last_review_comment", Text),
    ]


dataset_state = Table(
    "dataset_state",
    metadata,
    Column("id", Boolean, primary_key=True),
    Column("data_version", BigInteger, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    # From this version on, layer_changes says what each version changed.
    Column("logged_from", BigInteger, nullable=False),
)

air_defence_systems = Table(
    "air_defence_systems",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("nato_name", Text),
    Column("range_nm", Float, nullable=False),
    Column("range_nm_low", Float),
    Column("ceiling_ft", Integer, nullable=False),
    Column("ceiling_ft_low", Integer),
    Column("published_at", DateTime(timezone=True), nullable=False),
    Column("sources", ARRAY(Text), nullable=False),
    Column("certainty", Text, nullable=False),
    Column("notes", Text),
    *_timestamps(),
)

conflict_zones = Table(
    "conflict_zones",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("level", SmallInteger, nullable=False),
    Column("lower_ft", Integer),
    Column("upper_ft", Integer),
    Column("permits_above", Boolean, nullable=False, server_default="false"),
    *_lifecycle(),
    Column("firs", ARRAY(Text), nullable=False),
    Column("summary", Text),
    Column("sources", ARRAY(Text), nullable=False),
    Column("certainty", Text, nullable=False),
    Column("geometry_note", Text),
    Column("notes", Text),
    Column("geom", _geometry("MULTIPOLYGON"), nullable=False),
    *_timestamps(),
    Column("retired_at", DateTime(timezone=True)),
)

engagement_areas = Table(
    "engagement_areas",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("system", Text, ForeignKey("air_defence_systems.id"), nullable=False),
    Column("site", _geometry("POINT"), nullable=False),
    Column("radius_nm", Float, nullable=False),
    Column("lower_ft", Integer),
    Column("upper_ft", Integer),
    Column("operator", Text),
    Column("site_basis", Text, nullable=False),
    *_lifecycle(),
    Column("summary", Text),
    Column("sources", ARRAY(Text), nullable=False),
    Column("certainty", Text, nullable=False),
    Column("geometry_note", Text),
    Column("notes", Text),
    Column("geom", _geometry("MULTIPOLYGON"), nullable=False),
    *_timestamps(),
    Column("retired_at", DateTime(timezone=True)),
)

incidents = Table(
    "incidents",
    metadata,
    Column("id", Text, primary_key=True),
    Column("event", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("flight", Text),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("time_precision", Text, nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False),
    Column("published_precision", Text, nullable=False, server_default="day"),
    Column("threat", Text),
    Column("operator", Text),
    Column("aircraft", Text),
    Column("fatalities", Integer),
    Column("weapon", Text),
    Column("weapon_class", Text, nullable=False, server_default="unknown"),
    Column("weapon_system", Text),
    Column("altitude_ft", Integer),
    Column("status", Text, nullable=False),
    Column("summary", Text),
    Column("sources", ARRAY(Text), nullable=False),
    Column("certainty", Text, nullable=False),
    Column("geometry_note", Text),
    Column("geom", _geometry("POINT"), nullable=False),
    *_timestamps(),
    Column("submitted_by", BigInteger, ForeignKey("api_keys.id")),
    Column("reviewed_by", BigInteger, ForeignKey("api_keys.id")),
    Column("reviewed_at", DateTime(timezone=True)),
    Column("review_comment", Text),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("name", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("prefix", Text, nullable=False),
    Column("secret_sha256", LargeBinary, nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("revoked_at", DateTime(timezone=True)),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("key_id", BigInteger, ForeignKey("api_keys.id")),
    Column("action", Text, nullable=False),
    Column("layer", Text),
    Column("feature_id", Text),
    Column("before", JSONB),
    Column("after", JSONB),
)

feature_versions = Table(
    "feature_versions",
    metadata,
    Column("layer", Text, primary_key=True),
    Column("feature_id", Text, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("key_id", BigInteger, ForeignKey("api_keys.id")),
    Column("change", Text, nullable=False),
    Column("feature", JSONB, nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key_id", BigInteger, ForeignKey("api_keys.id"), primary_key=True),
    Column("idempotency_key", Text, primary_key=True),
    Column("request_sha256", LargeBinary, nullable=False),
    Column("status", Integer, nullable=False),
    Column("body", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# The features each data version changed (written by the version trigger, migration 0006).
layer_changes = Table(
    "layer_changes",
    metadata,
    Column("data_version", BigInteger, nullable=False),
    Column("layer", Text, nullable=False),
    Column("feature_id", Text, nullable=False),
)

# One token bucket per key, shared by every process (see store/write_rates.py).
write_rate_buckets = Table(
    "write_rate_buckets",
    metadata,
    Column("key_id", BigInteger, ForeignKey("api_keys.id", ondelete="CASCADE"), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("refilled_at", DateTime(timezone=True), nullable=False),
)

LAYER_TABLES: dict[str, Table] = {
    "conflict_zones": conflict_zones,
    "engagement_areas": engagement_areas,
    "incidents": incidents,
}
