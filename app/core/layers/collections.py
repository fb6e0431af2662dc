"""The layers as OGC API collections: titles, properties (with JSON types) and filters."""

from dataclasses import dataclass

from app.core.layers.vocabulary import Layer


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
    # Columns matched by ?datetime=: (start, end); the same column twice for an instant.
    temporal: tuple[str, str]
    verified_only: bool = False


def _common_tail() -> tuple[Property, ...]:
    return (
        Property("summary", "string", "What the record says, in a sentence or two."),
        # Space-separated, not an array: GIS formats mangle lists (GDAL writes a StringList to
        # GeoPackage as "(2:a,b)", which breaks URLs with commas); URLs never hold spaces.
        Property("sources", "string", "URLs of the public sources, separated by spaces."),
        Property("certainty", "string", "high, medium or low."),
        Property("geometry_note", "string", "How the geometry was made; approximations say so."),
    )


_TIMESTAMPS = (
    Property("created_at", "string", "When the record was created.", "date-time"),
    Property("updated_at", "string", "When the record last changed.", "date-time"),
)
_VALIDITY = (
    Property("valid_from", "string", "Start of validity (UTC); null = open.", "date-time"),
    Property("valid_to", "string", "End of validity (UTC); null = open.", "date-time"),
)
_BAND = (
    Property("lower_ft", "integer", "Floor in feet; null = surface."),
    Property("upper_ft", "integer", "Ceiling in feet; null = unlimited."),
)

COLLECTIONS: dict[str, Collection] = {
    Layer.CONFLICT_ZONES.value: Collection(
        id="conflict_zones",
        title="Conflict zones",
        description=(
            "Advisory areas (EASA CZIBs, FAA SFARs and NOTAMs, national closures) with level, "
            "altitude band, validity and issuing authority. Outlines built from country shapes "
            "approximate FIRs and say so in geometry_note."
        ),
        properties=(
            Property("name", "string", "Name of the advisory."),
            Property("level", "integer", "1 do not fly, 2 high risk, 3 caution."),
            *_BAND,
            *_VALIDITY,
            Property("authority", "string", "Issuing authority (EASA, FAA, a national CAA)."),
            Property("reference", "string", "Bulletin, rule or NOTAM number."),
            Property("firs", "string", "ICAO FIR codes, separated by spaces."),
            *_common_tail(),
            Property("notes", "string", "What could not be confirmed."),
            *_TIMESTAMPS,
        ),
        filters=("level", "authority", "certainty"),
        temporal=("valid_from", "valid_to"),
    ),
    Layer.ENGAGEMENT_AREAS.value: Collection(
        id="engagement_areas",
        title="Air-defence engagement areas",
        description=(
            "Publicly reported air-defence sites: the geodesic circle of the system's range "
            "around the site, with a ceiling, status and validity."
        ),
        properties=(
            Property("name", "string", "Name of the area."),
            Property("system", "string", "Catalogue id of the system."),
            Property("site_lon", "number", "Longitude of the site (centre of the circle)."),
            Property("site_lat", "number", "Latitude of the site (centre of the circle)."),
            Property("radius_nm", "number", "Radius of the circle, NM (geodesic)."),
            *_BAND,
            Property("operator", "string", "Who operates it, as reported."),
            Property("status", "string", "confirmed, reported or assumed."),
            *_VALIDITY,
            *_common_tail(),
            Property("notes", "string", "What could not be confirmed."),
            *_TIMESTAMPS,
        ),
        filters=("system", "status", "certainty"),
        temporal=("valid_from", "valid_to"),
    ),
    Layer.INCIDENTS.value: Collection(
        id="incidents",
        title="Incidents",
        description=(
            "Civil aircraft shot down or hit: hit points and crash sites, grouped by event. "
            "Only verified incidents are published."
        ),
        properties=(
            Property("event", "string", "Groups the hit point and crash site of one event."),
            Property("kind", "string", "hit, crash or landing."),
            Property("flight", "string", "Flight number and route."),
            Property("occurred_at", "string", "When (UTC).", "date-time"),
            Property("time_precision", "string", "second, minute or day."),
            Property("operator", "string", "Airline."),
            Property("aircraft", "string", "Type and registration."),
            Property("fatalities", "integer", "People killed."),
            Property("weapon", "string", "What hit the aircraft, as the sources say."),
            Property("altitude_ft", "integer", "Altitude at the time, feet."),
            Property("status", "string", "Review state; only verified incidents are published."),
            *_common_tail(),
            *_TIMESTAMPS,
        ),
        filters=("kind", "certainty"),
        temporal=("occurred_at", "occurred_at"),
        verified_only=True,
    ),
}

FILTER_PARAMETERS = ("level", "authority", "system", "status", "kind", "certainty")
