"""What a file that is not GeoJSON looks like, from its first bytes, so that a refusal can say
what was given and how to convert it (`ogr2ogr -f GeoJSON`) instead of only "not valid JSON"."""

# (the bytes a format starts with, its name), checked in order.
_SIGNATURES = (
    (b"SQLite format 3\x00", "a GeoPackage (SQLite)"),
    (b"fgb\x03", "a FlatGeobuf file"),
    (b"PK\x03\x04", "a ZIP archive (a zipped Shapefile, KMZ or similar)"),
    (b"\x00\x00\x27\x0a", "a Shapefile (.shp)"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip-compressed file"),
)


def looks_like(data: bytes) -> str | None:
    """A name for what the bytes look like when they are not JSON, or None if nothing known."""
    for signature, name in _SIGNATURES:
        if data.startswith(signature):
            return name
    head = data[:2048].lstrip()
    lowered = head.lower()
    if lowered.startswith(b"<?xml") or lowered.startswith(b"<"):
        if b"<kml" in lowered:
            return "a KML document"
        if b"gml" in lowered:
            return "a GML document"
        return "an XML or HTML document"
    first_line = head.split(b"\n", 1)[0]
    if b"," in first_line and not first_line.startswith((b"{", b"[")):
        return "a CSV file"
    return None


def not_json_reason(data: bytes, message: str) -> str:
    """Why a file that should be a GeoJSON FeatureCollection cannot be read, and what to do."""
    kind = looks_like(data)
    if kind is not None:
        return (
            f"this is {kind}, not GeoJSON: a layer file is a GeoJSON FeatureCollection "
            "(convert it first, e.g. `ogr2ogr -f GeoJSON layer.geojson FILE`)"
        )
    return f"not valid JSON ({message}): a layer file is a GeoJSON FeatureCollection"
