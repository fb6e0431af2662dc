"""Build the bundled layers in geodata/ from the curated sources in geodata/src/.

Run: .venv/bin/python scripts/build_geodata.py  (deterministic; the outputs are committed)

- incidents.csv (copied from the project's shared facts) and incident_weapons.json (each
  event's weapon class, read from its weapon column) -> incidents.geojson
- conflict_zones.json (advisories + how to draw each from Natural Earth) -> conflict_zones.geojson
- engagement_areas.json (system catalogue + reported sites) -> air_defence_systems.json,
  engagement_areas.geojson
"""

import csv
import json
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shapely import set_precision
from shapely.geometry import LineString, Point, Polygon, box, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import split, unary_union

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.core.geodesy.antimeridian import to_multipolygon  # noqa: E402
from app.core.geodesy.circle import geodesic_circle  # noqa: E402
from app.core.layers.layer_file import parse_feature  # noqa: E402
from app.core.layers.lifecycle import lifecycles, replacements  # noqa: E402
from app.core.layers.records import ConflictZone, EngagementArea  # noqa: E402
from app.core.layers.source_policy import source_problem  # noqa: E402
from app.core.layers.vocabulary import Layer  # noqa: E402
from app.core.units import km_to_nm  # noqa: E402

GEODATA = ROOT / "geodata"
SRC = GEODATA / "src"
NATURAL_EARTH = GEODATA / "natural_earth" / "ne_10m_selected_countries.geojson"
NATURAL_EARTH_COARSE = GEODATA / "natural_earth" / "ne_110m_countries.geojson"
BUFFER_SAMPLE_KM = 10.0
COORDINATE_DECIMALS = 5  # ~1 m: far finer than the ~500 m simplification of the outlines
LIFECYCLE = ("published_at", "published_precision", "valid_from", "valid_to", "end_basis",
             "withdrawn_at", "supersedes", "threat", "issuer", "instrument", "reference",
             "binding_for")  # fmt: skip


def _write_collection(path: Path, name: str, features: list[dict[str, Any]]) -> None:
    """Write a FeatureCollection with one feature per line, stable for diffs."""
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    body = ",\n".join(lines)
    path.write_text(
        f'{{"type":"FeatureCollection","name":"{name}","features":[\n{body}\n]}}\n',
        encoding="utf-8",
    )
    print(f"{path.relative_to(ROOT)}: {len(features)} features")


def _rounded(geometry: BaseGeometry) -> BaseGeometry:
    """Snap coordinates to a 1e-5° grid, keeping the geometry valid."""
    return set_precision(geometry, 10**-COORDINATE_DECIMALS)


# --- incidents ---------------------------------------------------------------------------


def _occurred_at(text: str) -> tuple[str, str]:
    """An incident time and its precision from the CSV's date_utc column."""
    for pattern, precision in (
        ("%Y-%m-%dT%H:%M:%SZ", "second"),
        ("%Y-%m-%dT%H:%MZ", "minute"),
        ("%Y-%m-%d", "day"),
    ):
        try:
            moment = datetime.strptime(text, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
        return moment.isoformat().replace("+00:00", "Z"), precision
    raise ValueError(f"unreadable date {text!r}")


def _certainty(text: str) -> tuple[str, str | None]:
    """Split 'medium (why)' into the level and the explanation; 'low-medium' counts as low."""
    match = re.match(r"^\s*(high|medium|low)(?:-(?:medium|high))?\s*(?:\((.*)\))?\s*$", text, re.S)
    if match is None:
        raise ValueError(f"unreadable certainty {text!r}")
    return match[1], match[2]


def build_incidents() -> list[dict[str, Any]]:
    """One Point feature per CSV row, all verified (each row is sourced and reviewed)."""
    with (SRC / "incidents.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    weapons = {r["id"].rsplit("-", 1)[0]: r["weapon"] for r in rows if r["weapon"] != "see hit row"}
    classes = json.loads((SRC / "incident_weapons.json").read_text(encoding="utf-8"))["events"]
    features = []
    for row in rows:
        event, suffix = row["id"].rsplit("-", 1)
        # The row id says which point it is; KE902's row is a forced landing, not a crash.
        kind = suffix if suffix in ("hit", "crash", "landing") else row["kind"]
        occurred_at, precision = _occurred_at(row["date_utc"])
        certainty, note = _certainty(row["certainty"])
        weapon = weapons.get(event) if row["weapon"] == "see hit row" else row["weapon"]
        place = {"hit": "Where it was hit", "crash": "Crash site", "landing": "Landing site"}[kind]
        summary = (
            f"{place}: {row['flight']}, {row['operator']} {row['aircraft']}; "
            f"{row['fatalities']} killed."
        )
        properties = {
            "id": row["id"],
            "event": event.replace("_", "-"),
            "kind": kind,
            "flight": row["flight"],
            "occurred_at": occurred_at,
            "time_precision": precision,
            "operator": row["operator"],
            "aircraft": row["aircraft"],
            "fatalities": int(row["fatalities"]) if row["fatalities"] else None,
            "weapon": weapon,
            "weapon_class": classes.get(event, {}).get("weapon_class", "unknown"),
            "weapon_system": classes.get(event, {}).get("weapon_system"),
            "altitude_ft": int(row["altitude_ft"]) if row["altitude_ft"] else None,
            "status": "verified",
            "published_at": row["published_at"],
            "published_precision": row["published_precision"],
            "threat": row["threat"] or None,
            "summary": summary,
            "sources": row["source_url"].split(),
            "certainty": certainty,
            "geometry_note": note,
        }
        geometry = {"type": "Point", "coordinates": [float(row["lon"]), float(row["lat"])]}
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    return features


# --- conflict zones ----------------------------------------------------------------------


def _countries() -> dict[str, tuple[str, BaseGeometry]]:
    """Natural Earth outlines by ISO 3166 alpha-3 code: 1:10m where the selection has the
    country, else 1:110m (the name then says so)."""
    coarse = json.loads(NATURAL_EARTH_COARSE.read_text(encoding="utf-8"))
    countries = {
        f["properties"]["ISO_A3"]: (f"{f['properties']['NAME']} (1:110m)", shape(f["geometry"]))
        for f in coarse["features"]
    }
    document = json.loads(NATURAL_EARTH.read_text(encoding="utf-8"))
    countries.update(
        (f["properties"]["ISO_A3"], (f["properties"]["NAME"], shape(f["geometry"])))
        for f in document["features"]
    )
    return countries


def _boundary_samples(geometry: BaseGeometry) -> Iterable[tuple[float, float]]:
    """Points along every ring of a geometry, about BUFFER_SAMPLE_KM apart (at least the vertices
    where rings turn sharply are kept because samples include every ring's first vertex)."""
    for polygon in to_multipolygon(geometry).geoms:
        for ring in [polygon.exterior, *polygon.interiors]:
            # 1° of latitude is ~111 km; interpolate in degrees, the spacing only needs to be small.
            step_deg = BUFFER_SAMPLE_KM / 111.0 / 2.0
            count = max(int(ring.length / step_deg), 4)
            for i in range(count):
                point = ring.interpolate(i / count, normalized=True)
                yield point.x, point.y


def geodesic_buffer(geometry: BaseGeometry, distance_nm: float, near: BaseGeometry) -> BaseGeometry:
    """Everything within distance_nm (geodesic) of a geometry, as far as it matters for `near`:
    the geometry itself plus geodesic circles on its boundary points close to `near`."""
    # A generous box: 1 NM is 1/60° of latitude; longitudes shrink by cos(lat) up to ~70°N.
    margin_deg = 3.0 * distance_nm / 60.0 + 1.0
    window = box(*near.bounds).buffer(margin_deg)
    samples = [(x, y) for x, y in _boundary_samples(geometry) if window.contains(Point(x, y))]
    circles = [geodesic_circle(lon, lat, distance_nm) for lon, lat in samples]
    return unary_union([geometry.intersection(window), *circles])


def _west_of_line(line: list[list[float]], bounds: tuple[float, float, float, float]) -> Polygon:
    """The part of a bounding box west of a polyline that is extended north and south past it."""
    min_lon, min_lat, max_lon, max_lat = bounds
    margin = 5.0
    north = [line[0][0], max_lat + margin] if line[0][1] > line[-1][1] else None
    points = [list(p) for p in line]
    if north is None:
        points = points[::-1]
    points = [[points[0][0], max_lat + margin], *points, [points[-1][0], min_lat - margin]]
    frame = box(min_lon - margin, min_lat - margin, max_lon + margin, max_lat + margin)
    pieces = split(frame, LineString(points)).geoms
    return min(pieces, key=lambda piece: piece.centroid.x)


def _zone_geometry(
    area: dict[str, Any], countries: dict[str, tuple[str, BaseGeometry]]
) -> tuple[BaseGeometry, str]:
    """The outline an advisory's area spec describes, and how it was made."""
    if "polygon" in area:
        note = "Polygon from the vertices published in the source"
        if "approximation" in area:
            note += ". " + area["approximation"]
        return Polygon(area["polygon"]), note + "."
    names = [countries[code][0] for code in area["countries"]]
    outline = unary_union([countries[code][1] for code in area["countries"]])
    note = (
        f"Approximates the FIR(s) with the Natural Earth outline of {', '.join(names)} "
        "(public domain; 1:10m simplified to about 500 m unless marked 1:110m); not the legal "
        "FIR boundary"
    )
    if "west_of_lon" in area:
        lon = float(area["west_of_lon"])
        # "West of" means the half-world west of the meridian, not everything with a smaller
        # longitude: Russia's Chukotka, east of 180°, is not west of 60°E.
        outline = outline.intersection(box(lon - 180.0, -90.0, lon, 90.0))
        note += f"; clipped to west of {lon}°E"
    if "within_nm_of" in area:
        other_name, other = countries[area["within_nm_of"]]
        distance_nm = float(area["distance_nm"])
        outline = outline.intersection(geodesic_buffer(other, distance_nm, near=outline))
        note += f"; clipped to within {distance_nm:g} NM of {other_name}, computed geodesically"
    if "buffer_nm" in area:
        # "Within 100 NM of Israel": the outline and everything within that geodesic distance
        # of it, land and sea.
        distance_nm = float(area["buffer_nm"])
        outline = geodesic_buffer(outline, distance_nm, near=outline)
        note += f"; extended by {distance_nm:g} NM all round, computed geodesically"
    if "west_of_line" in area:
        outline = outline.intersection(_west_of_line(area["west_of_line"], outline.bounds))
        note += "; clipped to west of the line " + " – ".join(
            f"{lat:.4f}N {lon:.4f}E" for lon, lat in area["west_of_line"]
        )
    if "approximation" in area:
        note = area["approximation"] + ". " + note
    return outline, note + "."


def drawable(spec: dict[str, Any]) -> bool:
    """Whether a zone spec has an outline to draw and the dates a record needs."""
    area = spec.get("area")
    has_area = isinstance(area, dict) and isinstance(area.get("polygon", []), list)
    return has_area and bool(spec.get("published_at")) and bool(spec.get("valid_from"))


def through_undrawn(
    record_id: str, replaced_by_id: dict[str, list[str]], drawn_ids: set[str]
) -> list[str]:
    """The drawn records a record supersedes, directly or through revisions that are not drawn
    (no date or outline): R19 replacing an undrawn R5 also ends what R5 replaced."""
    found: list[str] = []
    pending = list(replaced_by_id.get(record_id, []))
    seen = {record_id}
    while pending:
        old = pending.pop(0)
        if old in seen:
            continue
        seen.add(old)
        if old in drawn_ids:
            found.append(old)
        else:
            pending.extend(replaced_by_id.get(old, []))
    return found


def build_conflict_zones() -> list[dict[str, Any]]:
    """One (Multi)Polygon feature per advisory in conflict_zones.json."""
    specs = json.loads((SRC / "conflict_zones.json").read_text(encoding="utf-8"))
    countries = _countries()
    drawn_ids = {spec["id"] for spec in specs if drawable(spec)}
    replaced_by_id = {spec["id"]: spec.get("supersedes") or [] for spec in specs}
    features = []
    for spec in specs:
        if not drawable(spec):
            print(f"  not drawn (no published outline or no date): {spec['id']}")
            continue
        area = spec["area"]
        geometry, note = _zone_geometry(area, countries)
        geometry = to_multipolygon(_rounded(geometry))
        properties = {
            key: spec.get(key)
            for key in ("id", "name", "level", "lower_ft", "upper_ft", *LIFECYCLE, "firs",
                        "summary", "sources", "certainty", "notes")
        }  # fmt: skip
        properties["permits_above"] = bool(spec.get("permits_above", False))
        properties["firs"] = properties["firs"] or []
        properties["supersedes"] = through_undrawn(spec["id"], replaced_by_id, drawn_ids)
        properties["geometry_note"] = note
        features.append(
            {"type": "Feature", "geometry": mapping(geometry), "properties": properties}
        )
    return features


# --- air-defence systems and engagement areas ----------------------------------------------


def build_engagement() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The systems catalogue and one site (Point) feature per engagement area."""
    spec = json.loads((SRC / "engagement_areas.json").read_text(encoding="utf-8"))
    systems = [
        {
            "id": s["id"],
            "name": s["name"],
            "nato_name": s.get("nato_name"),
            "range_nm": round(km_to_nm(float(s["max_range_km"])), 1),
            "range_nm_low": (
                round(km_to_nm(float(s["min_published_range_km"])), 1)
                if "min_published_range_km" in s
                else None
            ),
            "ceiling_ft": int(s["max_altitude_ft"]),
            "ceiling_ft_low": s.get("min_published_altitude_ft"),
            "published_at": s["published_at"],
            "sources": s["sources"],
            "certainty": s["certainty"],
            "notes": s.get("notes"),
        }
        for s in spec["systems"]
    ]
    features = []
    for area in spec["areas"]:
        if area.get("site") is None:
            print(f"  not drawn (no published site): {area['id']}")
            continue
        properties = {
            key: area.get(key)
            for key in ("id", "name", "system", "radius_nm", "lower_ft", "upper_ft", "operator",
                        "site_basis", *LIFECYCLE, "summary", "sources", "certainty", "notes")
        }  # fmt: skip
        properties["geometry_note"] = area.get("site_note")
        geometry = {"type": "Point", "coordinates": area["site"]}
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    return systems, features


# --- SOURCES.md ----------------------------------------------------------------------------

SOURCES_HEADER = """# Sources of the bundled layers

Generated by `scripts/build_geodata.py` from `geodata/src/`; edit those, not this file.

Every record carries its own `sources` (URLs) and `certainty` (high / medium / low); caveats
found while researching are in each record's `notes` or `geometry_note`. Nothing here is an
operational product: figures marked indicative vary by source and variant, and outlines built
from country shapes approximate FIRs.

## Licences

- Country outlines: [Natural Earth](https://www.naturalearthdata.com/about/terms-of-use/)
  1:10m and 1:110m admin-0 countries, public domain (`natural_earth/`).
- Facts (dates, levels, references, positions) are taken from the public documents and reports
  listed per record; the records themselves are this project's compilation.
- `src/incidents.csv` is the project's curated incident table (one row per hit point or crash
  site, each with a source URL). `src/incident_weapons.json` gives each event's weapon class
  (and the SAM system, as a catalogue id), read from that table's `weapon` column: nothing new,
  the same sources' words as a closed vocabulary.
- Systems' `ceiling_ft_low` (MANPADS 9,800 ft, Tor-M1 19,685 ft) and `range_nm_low` (MANPADS
  4.8 km, Buk-M1 30 km, S-200 250 km, S-400 250 km, HQ-9 160 km) are the lowest figures the
  sources in each entry give, as its `notes` record; `ceiling_ft` and `range_nm` stay the
  highest. Where the notes give one figure (or the others belong to another variant, as Tor-M2's
  15 km) there is no spread.
- Zones' `permits_above` is set only where the instrument's own text permits flight at and above
  its limit (SFAR 119: "overflights at and above FL320 may resume").

## How records were turned into geometry

- **Conflict zones** are drawn from the Natural Earth outline of the country or countries named
  in `src/conflict_zones.json`, clipped where the advisory covers part of a country: west of a
  meridian (Russia west of 60°E); within a distance of another country, computed geodesically as
  the union of WGS84 geodesic circles around that country's boundary (Russia within 160 NM of
  Ukraine); extended by a distance all round (Israel and 100 NM around it); west of a published
  line of waypoints (Yemen). Each says how in `geometry_note`.
  A record that supersedes a revision that is not drawn (no date or outline found) also
  supersedes what that revision replaced, so a chain is not broken by a missing link.
- **Engagement areas** are a site (Point) and a system from `air_defence_systems.json`; the
  service computes the geodesic circle of the system's range (or the record's `radius_nm`).
- **Incidents** are the rows of `src/incidents.csv`: `certainty` is the level the row gives
  ("low-medium" is kept as low); the row's explanation is the `geometry_note`; a crash row's
  weapon "see hit row" is replaced by the weapon of the same event's hit row; the row id's
  suffix gives the kind (KE902's row is a forced landing on a frozen lake: `landing`).
"""


def _spread(low: float | None, high: float) -> str:
    """'4.8–8' where the published figures differ, else the one figure."""
    return str(high) if low is None else f"{low:g}–{high:g}"


def _table(rows: list[list[str]], header: list[str]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _window(item: dict[str, Any]) -> str:
    """A validity window as 'from – to' with open ends as '…'."""
    start = (item.get("valid_from") or "…")[:10]
    end = (item.get("valid_to") or "…")[:10]
    return f"{start} – {end}"


ZONE_COLUMNS = ["id", "issuer", "reference", "published", "effect", "end basis", "status today",
                "certainty", "sources"]  # fmt: skip
AREA_COLUMNS = ["id", "system", "site", "first reported", "threat there", "status today",
                "certainty", "sources"]  # fmt: skip


def _links(urls: list[str]) -> str:
    """Numbered Markdown links."""
    return " ".join(f"[{i + 1}]({u})" for i, u in enumerate(urls))


def _statuses(features: list[dict[str, Any]], layer: Layer, now: datetime) -> dict[str, str]:
    """Each record's status at `now`, from everything on record (core/layers/lifecycle.py)."""
    # Through JSON, as the files hold them (shapely's mapping() gives tuples, not lists).
    records = [parse_feature(layer, json.loads(json.dumps(f))).record for f in features]
    checked = [r for r in records if isinstance(r, ConflictZone | EngagementArea)]
    known = lifecycles(checked)
    replaced = replacements(known, None)
    return {
        record_id: str(lifecycle.status_at(now, None, replaced.get(record_id)))
        for record_id, (lifecycle, _) in known.items()
    }


def write_sources(
    zone_specs: list[dict[str, Any]],
    spec: dict[str, Any],
    incidents: list[dict[str, Any]],
    statuses: dict[str, str],
    today: datetime,
) -> None:
    """Write SOURCES.md: what each record is, where it came from, its status today, and what
    was not drawn."""
    drawn = [z for z in zone_specs if drawable(z)]
    zone_rows = [
        [z["id"], z["issuer"], z.get("reference") or z["instrument"], z["published_at"][:10],
         _window(z), z["end_basis"], f"**{statuses[z['id']]}**", z["certainty"],
         _links(z["sources"])]
        for z in drawn
    ]  # fmt: skip
    system_rows = [
        [s["id"], s["name"], _spread(s.get("min_published_range_km"), s["max_range_km"]),
         _spread(s.get("min_published_altitude_ft"), s["max_altitude_ft"]), s["certainty"],
         " ".join(f"[{i + 1}]({u})" for i, u in enumerate(s["sources"]))]
        for s in spec["systems"]
    ]  # fmt: skip
    area_rows = [
        [a["id"], a["system"], a["site_basis"], a["published_at"][:10], _window(a),
         f"**{statuses[a['id']]}**", a["certainty"], _links(a["sources"])]
        for a in spec["areas"] if a.get("site") is not None
    ]  # fmt: skip
    incident_rows = [
        [f["properties"]["id"], f["properties"]["occurred_at"][:10],
         f["properties"]["published_at"][:10], f["properties"]["certainty"],
         _links(f["properties"]["sources"])]
        for f in incidents
    ]  # fmt: skip
    missing = [
        f"- `{z['id']}` ({z.get('reference') or z['issuer']}): no published outline or date "
        "found. " + (z.get("notes") or "")
        for z in zone_specs
        if z not in drawn
    ] + [
        f"- `{a['id']}`: no published site found. " + (a.get("site_note") or "")
        for a in spec["areas"]
        if a.get("site") is None
    ]
    text = "\n\n".join(
        [
            SOURCES_HEADER.rstrip(),
            f"Statuses are as of {today:%d %b %Y} (the day this file was built) from everything "
            "on record; `lapsed_unconfirmed` means the last known end has passed with no "
            "renewal or withdrawal on record, and such a record keeps counting in route checks.",
            "## Conflict zones (`conflict_zones.geojson`)",
            _table(zone_rows, ZONE_COLUMNS),
            "## Air-defence systems (`air_defence_systems.json`, indicative figures)",
            _table(system_rows, ["id", "name", "range km", "ceiling ft", "certainty", "sources"]),
            "## Engagement areas (`engagement_areas.geojson`)",
            _table(area_rows, AREA_COLUMNS),
            "## Incidents (`incidents.geojson`)",
            _table(incident_rows, ["id", "date", "first reported", "certainty", "sources"]),
            "## Recorded but not drawn\n\nThese advisories and sites are in `src/` with their "
            "sources, but no public source gave their outline or position, so no geometry was "
            "made up for them:\n\n" + "\n".join(missing),
        ]
    )
    (GEODATA / "SOURCES.md").write_text(text + "\n", encoding="utf-8")


def check_sources(features: list[dict[str, Any]], systems: list[dict[str, Any]]) -> None:
    """Refuse the build if any record cites a mirror, proxy, redirect, forum or blog."""
    cited = [(f["properties"]["id"], u) for f in features for u in f["properties"]["sources"]]
    cited += [(s["id"], u) for s in systems for u in s["sources"]]
    problems = [f"{rid}: {url} {why}" for rid, url in cited if (why := source_problem(url))]
    if problems:
        raise SystemExit("sources refused:\n" + "\n".join(problems))


def main() -> None:
    """Build every bundled layer from its curated source."""
    incidents = build_incidents()
    _write_collection(GEODATA / "incidents.geojson", "incidents", incidents)
    zones = build_conflict_zones()
    _write_collection(GEODATA / "conflict_zones.geojson", "conflict_zones", zones)
    systems, areas = build_engagement()
    (GEODATA / "air_defence_systems.json").write_text(
        json.dumps(systems, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    _write_collection(GEODATA / "engagement_areas.geojson", "engagement_areas", areas)
    check_sources(zones + areas + incidents, systems)
    today = datetime.now(UTC).replace(microsecond=0)
    statuses = {
        **_statuses(zones, Layer.CONFLICT_ZONES, today),
        **_statuses(areas, Layer.ENGAGEMENT_AREAS, today),
    }
    for incident in incidents:
        parse_feature(Layer.INCIDENTS, json.loads(json.dumps(incident)))
    write_sources(
        json.loads((SRC / "conflict_zones.json").read_text(encoding="utf-8")),
        json.loads((SRC / "engagement_areas.json").read_text(encoding="utf-8")),
        incidents,
        statuses,
        today,
    )


if __name__ == "__main__":
    main()
