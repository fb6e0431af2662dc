"""Reading a layer from a GeoJSON FeatureCollection; every problem named by feature and field."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from shapely.geometry.base import BaseGeometry

from app.core.geodesy.antimeridian import to_multipolygon
from app.core.layers.file_kinds import not_json_reason
from app.core.layers.geometry_checks import GeometryProblem, checked_geometry
from app.core.layers.records import ConflictZone, EngagementArea, Incident, LayerRecord
from app.core.layers.vocabulary import Layer

RECORD_TYPES: dict[Layer, type[ConflictZone | EngagementArea | Incident]] = {
    Layer.CONFLICT_ZONES: ConflictZone,
    Layer.ENGAGEMENT_AREAS: EngagementArea,
    Layer.INCIDENTS: Incident,
}
GEOMETRY_TYPES: dict[Layer, tuple[str, ...]] = {
    Layer.CONFLICT_ZONES: ("Polygon", "MultiPolygon"),
    Layer.ENGAGEMENT_AREAS: ("Point",),  # the site; the circle is computed from it
    Layer.INCIDENTS: ("Point",),
}
# Keys our own exports add that an import may carry back but never sets: timestamps, and for
# zones and engagement areas the derived status, the review state and the site's lon/lat.
READ_ONLY_KEYS = frozenset({"created_at", "updated_at"})
LIFECYCLE_READ_ONLY_KEYS = READ_ONLY_KEYS | {
    "status", "last_reviewed_at", "last_review_outcome", "site_lon", "site_lat"
}  # fmt: skip
MAX_PROBLEMS_REPORTED = 50


@dataclass(frozen=True)
class FeatureProblem:
    """One reason a feature was refused."""

    feature_index: int | None
    feature_id: str | None
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = []
        if self.feature_index is not None:
            where.append(f"feature {self.feature_index}")
        if self.feature_id is not None:
            where.append(f"(id {self.feature_id!r})")
        if self.field is not None:
            where.append(f"field {self.field!r}")
        prefix = " ".join(where)
        return f"{prefix}: {self.reason}" if prefix else self.reason


class LayerFileError(ValueError):
    """A layer file that cannot be imported; nothing of it may be written."""

    def __init__(self, problems: list[FeatureProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


@dataclass(frozen=True)
class Feature:
    """A checked record and its geometry (MultiPolygon for zones, Point otherwise)."""

    record: LayerRecord
    geometry: BaseGeometry


def _field_name(location: tuple[int | str, ...]) -> str:
    """Render a pydantic error location as a dotted field name."""
    return ".".join(str(part) for part in location) or "properties"


def parse_feature(
    layer: Layer, feature: Any, index: int | None = None, repair: bool = False
) -> Feature:
    """Check one GeoJSON Feature for a layer; raise LayerFileError naming every problem."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise LayerFileError([FeatureProblem(index, None, "type", "not a GeoJSON Feature")])
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        raise LayerFileError(
            [FeatureProblem(index, None, "properties", "missing or not an object")]
        )
    read_only = READ_ONLY_KEYS if layer is Layer.INCIDENTS else LIFECYCLE_READ_ONLY_KEYS
    properties = {k: v for k, v in properties.items() if k not in read_only}
    if "id" not in properties and isinstance(feature.get("id"), str):
        properties["id"] = feature["id"]
    feature_id = properties.get("id") if isinstance(properties.get("id"), str) else None
    problems: list[FeatureProblem] = []
    record: LayerRecord | None = None
    try:
        record = RECORD_TYPES[layer].model_validate(properties)
    except ValidationError as error:
        for item in error.errors():
            problems.append(
                FeatureProblem(index, feature_id, _field_name(item["loc"]), item["msg"])
            )
    geometry: BaseGeometry | None = None
    try:
        geometry = checked_geometry(feature.get("geometry"), GEOMETRY_TYPES[layer], repair)
    except GeometryProblem as problem:
        problems.append(FeatureProblem(index, feature_id, "geometry", str(problem)))
    if problems or record is None or geometry is None:
        raise LayerFileError(problems)
    if layer is Layer.CONFLICT_ZONES:
        geometry = to_multipolygon(geometry)
    return Feature(record, geometry)


def parse_layer_file(
    layer: Layer, text: str | bytes, progress: Callable[[int, int], None] | None = None
) -> list[Feature]:
    """Check a whole FeatureCollection; any problem refuses the whole file (`progress` is told
    (checked, total) after each feature)."""
    data = text.encode() if isinstance(text, str) else text
    try:
        document = json.loads(data)
    except json.JSONDecodeError as error:
        message = f"{error.msg} at line {error.lineno}, column {error.colno}"
        reason = not_json_reason(data, message)
        raise LayerFileError([FeatureProblem(None, None, None, reason)]) from None
    except UnicodeDecodeError as error:
        reason = not_json_reason(data, f"not UTF-8 text: {error.reason}")
        raise LayerFileError([FeatureProblem(None, None, None, reason)]) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise LayerFileError(
            [FeatureProblem(None, None, "type", "not a GeoJSON FeatureCollection")]
        )
    raw_features = document.get("features")
    if not isinstance(raw_features, list):
        raise LayerFileError([FeatureProblem(None, None, "features", "missing or not a list")])
    features: list[Feature] = []
    problems: list[FeatureProblem] = []
    seen_ids: set[str] = set()
    for index, raw in enumerate(raw_features):
        if progress is not None:
            progress(index, len(raw_features))
        try:
            feature = parse_feature(layer, raw, index)
        except LayerFileError as error:
            problems.extend(error.problems)
            continue
        if feature.record.id in seen_ids:
            problems.append(
                FeatureProblem(index, feature.record.id, "id", "the same id appears twice")
            )
        seen_ids.add(feature.record.id)
        features.append(feature)
    if problems:
        raise LayerFileError(problems[:MAX_PROBLEMS_REPORTED])
    return features
