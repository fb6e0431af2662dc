"""What a client may filter a collection's items on (OGC API – Features Part 3): the stored
properties with their JSON types, closed vocabularies as enums, and the roles of the id, the
geometry and the primary times. Derived properties (status, site position) and list-valued
ones (sources, firs, supersedes, binding_for) are not queryable."""

import enum
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from app.core.layers.collections import Collection, unwrapped
from app.core.layers.records import ConflictZone, EngagementArea, Incident

_MODELS: dict[str, type[BaseModel]] = {
    "conflict_zones": ConflictZone,
    "engagement_areas": EngagementArea,
    "incidents": Incident,
}
_NOT_QUERYABLE = frozenset(
    {"status", "site_lon", "site_lat", "sources", "firs", "supersedes", "binding_for"}
)
# The geometry queryable's name in filters and the column it is.
GEOMETRY = "geometry"


@dataclass(frozen=True)
class Queryable:
    """A property a filter may name: its JSON type (and format), allowed values, role."""

    name: str
    type: str
    format: str | None = None
    enum: tuple[str | int, ...] = ()
    role: str | None = None
    description: str = ""

    @property
    def is_time(self) -> bool:
        """Whether it holds an instant (date-time)."""
        return self.format == "date-time"


def _enum(annotation: object) -> tuple[str | int, ...]:
    """The values of a closed vocabulary (an Enum or a Literal), else ()."""
    kind = unwrapped(annotation)
    if get_origin(kind) is Literal:
        return tuple(get_args(kind))
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return tuple(member.value for member in kind)
    return ()


def _fields(model: type[BaseModel]) -> dict[str, FieldInfo]:
    """A record model's fields."""
    return dict(model.model_fields)


def queryables(collection: Collection) -> dict[str, Queryable]:
    """The collection's queryables by name, the id first and the geometry last."""
    fields = _fields(_MODELS[collection.id])
    start, end = collection.temporal
    found = {"id": Queryable("id", "string", role="id", description="Identifier.")}
    for prop in collection.properties:
        if prop.name in _NOT_QUERYABLE:
            continue
        role = None
        if start == end and prop.name == start:
            role = "primary-instant"
        elif prop.name == start:
            role = "primary-interval-start"
        elif prop.name == end:
            role = "primary-interval-end"
        field = fields.get(prop.name)
        values = _enum(field.annotation) if field is not None else ()
        found[prop.name] = Queryable(
            prop.name, prop.type, prop.format, values, role, prop.description
        )
    found[GEOMETRY] = Queryable(
        GEOMETRY, "geometry", role="primary-geometry", description="The feature's geometry."
    )
    return found


def queryables_document(collection: Collection, url: str) -> dict[str, Any]:
    """The queryables as JSON Schema (Part 3), with the same names in a `queryables` list for
    clients that read that earlier form (GDAL 3.6)."""
    properties: dict[str, Any] = {}
    for item in queryables(collection).values():
        if item.type == "geometry":
            entry: dict[str, Any] = {"format": "geometry-any"}
        else:
            entry = {"type": item.type}
            if item.format:
                entry["format"] = item.format
        if item.enum:
            entry["enum"] = list(item.enum)
        if item.role:
            entry["x-ogc-role"] = item.role
        entry["description"] = item.description
        properties[item.name] = entry
    return {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": url,
        "type": "object",
        "title": collection.title,
        "properties": properties,
        "additionalProperties": False,
        "queryables": [{"id": name, "type": entry.get("type", "geometry")}
                       for name, entry in properties.items()],
    }  # fmt: skip
