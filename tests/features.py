"""Valid GeoJSON features for each layer, for tests to break one field at a time."""

import copy
import json
from typing import Any

SOURCE = "https://www.easa.europa.eu/en/domains/air-operations/czibs"


def zone(**changes: Any) -> dict[str, Any]:
    """A valid conflict-zone feature: a 2°×2° square, level 2, surface to FL250."""
    feature: dict[str, Any] = {
        "type": "Feature",
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[40.0, 40.0], [42.0, 40.0], [42.0, 42.0], [40.0, 42.0], [40.0, 40.0]]],
        },
        "properties": {
            "id": "test-zone",
            "name": "Test zone",
            "level": 2,
            "lower_ft": None,
            "upper_ft": 25000,
            "published_at": "2025-01-01T00:00:00Z",
            "valid_from": "2025-01-01T00:00:00Z",
            "valid_to": None,
            "end_basis": "until_further_notice",
            "threat": "test-threat",
            "issuer": "EASA",
            "instrument": "CZIB",
            "reference": "CZIB-TEST",
            "firs": ["UGGG"],
            "summary": "A test advisory.",
            "sources": [SOURCE],
            "certainty": "medium",
            "geometry_note": "A square drawn for a test.",
        },
    }
    return _apply(feature, changes)


def incident(**changes: Any) -> dict[str, Any]:
    """A valid incident feature (a hit point)."""
    feature: dict[str, Any] = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [45.7, 43.39]},
        "properties": {
            "id": "test-incident-hit",
            "event": "test-incident",
            "kind": "hit",
            "flight": "XX123",
            "occurred_at": "2024-12-25T05:13:00Z",
            "published_at": "2024-12-26T00:00:00Z",
            "operator": "Test Air",
            "aircraft": "Embraer E190",
            "fatalities": 0,
            "weapon": "unknown",
            "altitude_ft": 10000,
            "status": "verified",
            "summary": "A test incident.",
            "sources": [SOURCE],
            "certainty": "low",
        },
    }
    return _apply(feature, changes)


def engagement_area(**changes: Any) -> dict[str, Any]:
    """A valid engagement-area feature: a site for a catalogue system."""
    feature: dict[str, Any] = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [45.7, 43.39]},
        "properties": {
            "id": "test-area",
            "name": "Test area",
            "system": "test-sam",
            "site_basis": "assumed",
            "published_at": "2024-12-26T00:00:00Z",
            "valid_from": "2024-12-25T00:00:00Z",
            "valid_to": "2024-12-26T00:00:00Z",
            "end_basis": "stated",
            "threat": "test-threat",
            "issuer": "Test investigation",
            "instrument": "investigation report",
            "sources": [SOURCE],
            "certainty": "low",
        },
    }
    return _apply(feature, changes)


def system(**changes: Any) -> dict[str, Any]:
    """A valid catalogue entry."""
    entry = {
        "id": "test-sam",
        "name": "Test SAM",
        "range_nm": 20.0,
        "ceiling_ft": 40000,
        "published_at": "2020-01-01T00:00:00Z",
        "sources": [SOURCE],
        "certainty": "low",
    }
    entry.update(changes)
    return entry


def _apply(feature: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Set properties (or the geometry, with geometry=...) on a copy of a feature."""
    feature = copy.deepcopy(feature)
    for key, value in changes.items():
        if key == "geometry":
            feature["geometry"] = value
        else:
            feature["properties"][key] = value
    return feature


def collection(*features: dict[str, Any]) -> str:
    """A FeatureCollection as JSON text."""
    return json.dumps({"type": "FeatureCollection", "features": list(features)})
