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
    MetaData,
    SmallInteger,
    Table,
    Text,
    func,
)

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


dataset_state = Table(
    "dataset_state",
    metadata,
    Column("id", Boolean, primary_key=True),
    Column("data_version", BigInteger, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

air_defence_systems = Table(
    "air_defence_systems",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("nato_name", Text),
    Column("range_nm", Float, nullable=False),
    Column("ceiling_ft", Integer, nullable=False),
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
    Column("valid_from", DateTime(timezone=True)),
    Column("valid_to", DateTime(timezone=True)),
    Column("authority", Text, nullable=False),
    Column("reference", Text),
    Column("firs", ARRAY(Text), nullable=False),
    Column("summary", Text),
    Column("sources", ARRAY(Text), nullable=False),
    Column("certainty", Text, nullable=False),
    Column("geometry_note", Text),
    Column("notes", Text),
    Column("geom", _geometry("MULTIPOLYGON"), nullable=False),
    *_timestamps(),
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
    Column("status", Text, nullable=False),
    Column("valid_from", DateTime(timezone=True)),
    Column("valid_to", DateTime(timezone=True)),
    Column("summary", Text),
    Column("sources", ARRAY(Text), nullable=False),
    Column("certainty", Text, nullable=False),
    Column("geometry_note", Text),
    Column("notes", Text),
    Column("geom", _geometry("MULTIPOLYGON"), nullable=False),
    *_timestamps(),
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
    Column("operator", Text),
    Column("aircraft", Text),
    Column("fatalities", Integer),
    Column("weapon", Text),
    Column("altitude_ft", Integer),
    Column("status", Text, nullable=False),
    Column("summary", Text),
    Column("sources", ARRAY(Text), nullable=False),
    Column("certainty", Text, nullable=False),
    Column("geometry_note", Text),
    Column("geom", _geometry("POINT"), nullable=False),
    *_timestamps(),
)

LAYER_TABLES: dict[str, Table] = {
    "conflict_zones": conflict_zones,
    "engagement_areas": engagement_areas,
    "incidents": incidents,
}
