"""The layers as OGC API collections: titles, properties (derived from the record models, with
JSON types) and filters."""

from dataclasses import dataclass
from datetime import datetime
from types import NoneType, UnionType
from typing import Annotated, Union, get_args, get_origin

from pydantic import AwareDatetime, BaseModel

from app.core.layers.records import ConflictZone, EngagementArea, Incident, _Lifecycle
from app.core.layers.vocabulary import Layer, Status


@dataclass(frozen=True)
class Property:
    """A feature property: its name, JSON Schema type (and format) and meaning."""

    name: str
    type: str
    description: str
    format: str | None = None
    items: str | None = None


@dataclass(frozen=True)
class Collection:
    """How one layer is published."""

    id: str
    title: str
    description: str
    properties: tuple[Property, ...]
    filters: tuple[str, ...]
    # The geometry type as published (GIS files declare it, even when empty).
    geometry_type: str
    # Columns matched by ?datetime=: (start, end); the same column twice for an instant.
    temporal: tuple[str, str]
    verified_only: bool = False
    # Records with a lifecycle: a derived status, and knowledge "as of" a time.
    lifecycle: bool = False


def unwrapped(annotation: object) -> object:
    """A field's type without Optional and Annotated around it."""
    kind = annotation
    if get_origin(kind) in (Union, UnionType):
        kind = next(a for a in get_args(kind) if a is not NoneType)
    while get_origin(kind) is Annotated:
        kind = get_args(kind)[0]
    return kind


def _json_type(annotation: object) -> tuple[str, str | None]:
    """A record field's JSON type (and format) as published: lists become separated strings."""
    kind = unwrapped(annotation)
    if get_origin(kind) is list:
        return "string", None
    if isinstance(kind, type):
        if issubclass(kind, datetime | AwareDatetime):
            return "string", "date-time"
        if issubclass(kind, bool):
            return "boolean", None
        if issubclass(kind, int):  # IntEnum too
            return "integer", None
        if issubclass(kind, float):
            return "number", None
    return "string", None


# Descriptions of fields whose meaning is the same in every layer.
_COMMON = {
    "id": "Identifier (URL-safe, no dots).",
    # Space-separated, not an array: GIS formats mangle lists (GDAL writes a StringList to
    # GeoPackage as "(2:a,b)", which breaks URLs with commas); URLs never hold spaces.
    "sources": "URLs of the public sources, separated by spaces.",
    "certainty": "high, medium or low.",
    "geometry_note": "How the geometry was made; approximations say so.",
    "summary": "What the record says, in a sentence or two.",
    "notes": "Curation notes: what could not be confirmed.",
}


def record_properties(
    model: type[BaseModel], skip: tuple[str, ...] = ("id",)
) -> tuple[Property, ...]:
    """The published properties of a record model's fields: its own first (the lifecycle's,
    declared in a base class, placed before the text fields), in declaration order."""
    fields = model.model_fields
    own = [n for n in fields if n not in _Lifecycle.model_fields]
    cut = next((i for i, n in enumerate(own) if n in ("firs", "summary")), len(own))
    shared = [n for n in fields if n in _Lifecycle.model_fields]
    properties = []
    for name in [*own[:cut], *shared, *own[cut:]]:
        field = fields[name]
        if name in skip:
            continue
        json_type, json_format = _json_type(field.annotation)
        description = field.description or _COMMON.get(name, name.replace("_", " "))
        properties.append(Property(name, json_type, description, json_format))
    return tuple(properties)


STATUS = Property(
    "status",
    "string",
    "Status at the requested time (?at=, default now) as known at ?as_of= (default now): "
    + ", ".join(s.value for s in Status)
    + ". Derived, never stored.",
)
_REVIEW = (
    Property("last_reviewed_at", "string", "When an editor last reviewed it.", "date-time"),
    Property(
        "last_review_outcome", "string", "renewed, withdrawn, superseded, confirmed_unchanged."
    ),
)
_TIMESTAMPS = (
    Property("created_at", "string", "When the record was created here.", "date-time"),
    Property("updated_at", "string", "When the record last changed here.", "date-time"),
)
_SITE = (
    Property("site_lon", "number", "Longitude of the site (centre of the circle)."),
    Property("site_lat", "number", "Latitude of the site (centre of the circle)."),
)

COLLECTIONS: dict[str, Collection] = {
    Layer.CONFLICT_ZONES.value: Collection(
        id="conflict_zones",
        title="Conflict zones",
        description=(
            "Advisory areas (EASA CZIBs, FAA SFARs and NOTAMs, national closures) with level, "
            "altitude band, publication time, effect window, status, issuer and who is bound. "
            "Outlines built from country shapes approximate FIRs and say so in geometry_note."
        ),
        properties=(*record_properties(ConflictZone), STATUS, *_REVIEW, *_TIMESTAMPS),
        filters=("level", "issuer", "threat", "certainty"),
        geometry_type="MultiPolygon",
        temporal=("valid_from", "valid_to"),
        lifecycle=True,
    ),
    Layer.ENGAGEMENT_AREAS.value: Collection(
        id="engagement_areas",
        title="Air-defence engagement areas",
        description=(
            "Publicly reported air-defence sites: the geodesic circle of the system's range "
            "around the site, with a ceiling, how the site is known, when it was first "
            "reported (published_at) and when the threat was there (valid_from/valid_to)."
        ),
        properties=(*record_properties(EngagementArea), *_SITE, STATUS, *_REVIEW, *_TIMESTAMPS),
        filters=("system", "site_basis", "issuer", "threat", "certainty"),
        geometry_type="MultiPolygon",
        temporal=("valid_from", "valid_to"),
        lifecycle=True,
    ),
    Layer.INCIDENTS.value: Collection(
        id="incidents",
        title="Incidents",
        description=(
            "Civil aircraft shot down or hit: hit points and crash sites, grouped by event, "
            "with when each was first reported. Only verified incidents are published."
        ),
        properties=(*record_properties(Incident), *_TIMESTAMPS),
        filters=("kind", "threat", "certainty"),
        geometry_type="Point",
        temporal=("occurred_at", "occurred_at"),
        verified_only=True,
    ),
}

FILTER_PARAMETERS = ("level", "issuer", "system", "site_basis", "threat", "kind", "certainty")
