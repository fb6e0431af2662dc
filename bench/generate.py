"""Deterministic synthetic data for the route-check benchmark.

Zones: N conflict zones over lon -20..140, lat 0..70, clustered around real conflict areas.
Half are geodesic circles (app.core.geodesy.circle.geodesic_circle, 20-400 km radius), half
irregular star-shaped polygons of 50-500 vertices placed with pyproj Geod.fwd (so sizes are in
km). Each has an altitude band (surface to FLxxx, or all levels) and a level 1-3.

Zone i depends only on (seed, i): the first 1,000 of the 10,000 zones are the 1,000-zone set,
and so on.

Routes: 1,000 great circles between real airports (airportsdata), 500-9,000 km long.

    .venv/bin/python -m bench.generate --zones 10000            # bench/data/zones_10000.geojson
    .venv/bin/python -m bench.generate --zones 1000 --zones 10000 --routes 1000 --load

--load also loads each zone set into PostGIS (database airspace_risk_bench, table
bench_zones_<N>, plus the view-free table bench_zones holding the last set loaded).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import shapely
from pyproj import Geod
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

from app.core.geodesy.circle import geodesic_circle

GEOD = Geod(ellps="WGS84")
DATA = Path(__file__).resolve().parent / "data"
SEED = 20241225
LON_RANGE = (-20.0, 140.0)
LAT_RANGE = (0.0, 70.0)
KM_PER_NM = 1.852

# (name, lon, lat, spread in degrees (1 sigma), weight)
CLUSTERS: list[tuple[str, float, float, float, float]] = [
    ("Ukraine", 34.0, 48.5, 3.5, 3.0),
    ("Caucasus", 44.5, 42.0, 2.5, 1.5),
    ("Syria", 38.5, 35.0, 2.0, 1.5),
    ("Iraq", 43.5, 33.5, 2.5, 1.2),
    ("Israel-Gaza-Lebanon", 35.3, 32.0, 1.2, 1.0),
    ("Iran", 53.0, 32.5, 4.0, 1.0),
    ("Yemen", 46.0, 15.5, 2.5, 1.0),
    ("Afghanistan", 67.0, 34.0, 3.0, 1.2),
    ("Kashmir", 75.0, 34.0, 2.0, 0.6),
    ("Korea", 127.5, 38.3, 1.5, 0.8),
    ("Libya", 17.0, 29.0, 4.0, 0.8),
    ("Sudan", 30.0, 14.0, 4.0, 0.8),
    ("Sahel", 0.0, 15.0, 5.0, 0.8),
    ("Horn of Africa", 44.0, 6.0, 3.0, 0.6),
    ("Myanmar", 96.5, 21.0, 2.5, 0.6),
    ("Russia-west", 40.0, 55.0, 4.0, 0.6),
]

# Major airports (ICAO) in and around the area; routes are drawn between pairs of them.
AIRPORTS = [
    "EGLL",
    "EGKK",
    "EGCC",
    "EHAM",
    "EBBR",
    "LFPG",
    "LFPO",
    "LFMN",
    "LFLL",
    "EDDF",
    "EDDM",
    "EDDB",
    "EDDH",
    "EDDL",
    "LSZH",
    "LSGG",
    "LOWW",
    "LKPR",
    "EPWA",
    "EPKK",
    "LHBP",
    "LROP",
    "LBSF",
    "LYBE",
    "LDZA",
    "LJLJ",
    "LIRF",
    "LIMC",
    "LIPZ",
    "LICC",
    "LEMD",
    "LEBL",
    "LEMG",
    "LPPT",
    "LGAV",
    "LTFM",
    "LTAC",
    "LTAI",
    "LCLK",
    "LLBG",
    "OJAI",
    "OLBA",
    "OSDI",
    "ORBI",
    "ORER",
    "OKBK",
    "OBBI",
    "OTHH",
    "OMDB",
    "OMAA",
    "OOMS",
    "OEJN",
    "OERK",
    "OEDF",
    "OIIE",
    "OISS",
    "OIMM",
    "OAKB",
    "OPKC",
    "OPLA",
    "OPIS",
    "VIDP",
    "VABB",
    "VOBL",
    "VECC",
    "VOMM",
    "VNKT",
    "VGHS",
    "VCBI",
    "VRMM",
    "VTBS",
    "VYYY",
    "VVNB",
    "VVTS",
    "VHHH",
    "ZGGG",
    "ZSPD",
    "ZBAA",
    "ZUUU",
    "ZLXY",
    "ZWWW",
    "RKSI",
    "RKPC",
    "RJTT",
    "RJAA",
    "RJBB",
    "RCTP",
    "UUEE",
    "UUDD",
    "ULLI",
    "URSS",
    "URMG",
    "UGTB",
    "UDYZ",
    "UBBB",
    "UAAA",
    "UTTT",
    "UTDD",
    "UCFM",
    "UMMS",
    "UKBB",
    "UKOO",
    "UKLL",
    "LUKK",
    "HECA",
    "HEGN",
    "HLLT",
    "DTTA",
    "DAAG",
    "GMMN",
    "GMME",
    "HSSK",
    "HAAB",
    "HKJK",
    "HTDA",
    "HUEN",
    "DNMM",
    "DNAA",
    "DGAA",
    "GOBD",
    "GABS",
    "DRRN",
    "DFFD",
    "HDAM",
    "HCMM",
    "FAOR",
    "WSSS",
    "WMKK",
    "WIII",
    "RPLL",
    "EFHK",
    "ESSA",
    "ENGM",
    "EKCH",
    "EVRA",
    "EYVI",
    "EETN",
    "BIKF",
    "EIDW",
    "UWWW",
    "USSS",
    "UNNT",
    "UHWW",
]


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng([seed, *key])


def _centre(rng: np.random.Generator) -> tuple[str, float, float]:
    weights = np.array([c[4] for c in CLUSTERS])
    name, lon0, lat0, spread, _ = CLUSTERS[rng.choice(len(CLUSTERS), p=weights / weights.sum())]
    lon = float(np.clip(rng.normal(lon0, spread), *LON_RANGE))
    lat = float(np.clip(rng.normal(lat0, spread), *LAT_RANGE))
    return name, lon, lat


def star_polygon(
    rng: np.random.Generator, lon: float, lat: float, radius_km: float, vertices: int
) -> Polygon:
    """A valid star-shaped polygon of `vertices` vertices around (lon, lat), radii in km."""
    for _ in range(20):
        azimuths = np.sort(rng.uniform(0.0, 360.0, vertices))
        # Radii vary smoothly (a few harmonics) plus some roughness: 35-100 % of radius_km.
        phase = rng.uniform(0.0, 2 * np.pi, 4)
        amp = rng.uniform(0.0, 0.12, 4)
        theta = np.radians(azimuths)
        wave = sum(
            a * np.sin((k + 2) * theta + p) for k, (a, p) in enumerate(zip(amp, phase, strict=True))
        )
        radii = np.clip(0.78 + wave + rng.uniform(-0.12, 0.12, vertices), 0.35, 1.0) * radius_km
        lons, lats, _ = GEOD.fwd(
            np.full(vertices, lon), np.full(vertices, lat), azimuths, radii * 1000.0
        )
        polygon = Polygon(zip(lons, lats, strict=True))
        if polygon.is_valid:
            return (
                shapely.orient_polygons(polygon) if hasattr(shapely, "orient_polygons") else polygon
            )
    raise RuntimeError(f"could not make a valid polygon at {lon}, {lat}")


def make_zone(seed: int, index: int) -> dict[str, Any]:
    """Zone number `index`: a GeoJSON feature (MultiPolygon geometry)."""
    rng = _rng(seed, index)
    cluster, lon, lat = _centre(rng)
    radius_km = float(rng.uniform(20.0, 400.0))
    if index % 2 == 0:
        kind = "circle"
        area: BaseGeometry = geodesic_circle(lon, lat, radius_km / KM_PER_NM)
    else:
        kind = "polygon"
        area = MultiPolygon([star_polygon(rng, lon, lat, radius_km, int(rng.integers(50, 501)))])
    if not isinstance(area, MultiPolygon):
        area = MultiPolygon([area])
    band = rng.random()
    if band < 0.5:
        lower, upper = None, None  # all levels
    elif band < 0.9:
        lower, upper = None, float(rng.choice([10000, 15000, 20000, 25000, 32000, 40000]))
    else:
        lower = float(rng.choice([10000, 20000]))
        upper = float(rng.choice([30000, 45000]))
    return {
        "type": "Feature",
        "id": f"z{index:06d}",
        "properties": {
            "id": f"z{index:06d}",
            "kind": kind,
            "cluster": cluster,
            "radius_km": round(radius_km, 3),
            "lower_ft": lower,
            "upper_ft": upper,
            "level": int(rng.integers(1, 4)),
        },
        "geometry": mapping(area),
    }


def zones_path(count: int) -> Path:
    return DATA / f"zones_{count}.geojson"


def routes_path() -> Path:
    return DATA / "routes.json"


def generate_zones(count: int, seed: int = SEED) -> Path:
    """Write zones_<count>.geojson (reusing the first features of a larger file if there)."""
    DATA.mkdir(parents=True, exist_ok=True)
    features = [make_zone(seed, i) for i in range(count)]
    out = zones_path(count)
    body = {"type": "FeatureCollection", "seed": seed, "features": features}
    out.write_bytes(orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY))
    return out


def generate_routes(count: int = 1000, seed: int = SEED) -> Path:
    """Write routes.json: `count` airport pairs with geodesic length 500-9,000 km."""
    import airportsdata

    airports = airportsdata.load("ICAO")
    known = [code for code in AIRPORTS if code in airports]
    rng = _rng(seed, 1_000_000_007)
    routes: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    while len(routes) < count:
        a, b = rng.choice(len(known), 2, replace=False)
        dep, dest = known[a], known[b]
        if (dep, dest) in seen:
            continue
        p, q = airports[dep], airports[dest]
        _, _, length_m = GEOD.inv(p["lon"], p["lat"], q["lon"], q["lat"])
        if not 500_000.0 <= length_m <= 9_000_000.0:
            continue
        seen.add((dep, dest))
        routes.append(
            {
                "id": f"r{len(routes):04d}",
                "departure": dep,
                "destination": dest,
                "lon1": float(p["lon"]),
                "lat1": float(p["lat"]),
                "lon2": float(q["lon"]),
                "lat2": float(q["lat"]),
                "length_km": round(length_m / 1000.0, 3),
            }
        )
    DATA.mkdir(parents=True, exist_ok=True)
    out = routes_path()
    out.write_bytes(orjson.dumps({"seed": seed, "routes": routes}, option=orjson.OPT_INDENT_2))
    return out


def load_zones(count: int) -> list[dict[str, Any]]:
    """The zone features of zones_<count>.geojson, each with a shapely 'area' added."""
    features: list[dict[str, Any]] = orjson.loads(zones_path(count).read_bytes())["features"]
    for feature in features:
        feature["area"] = shape(feature["geometry"])
    return features


def load_routes() -> list[dict[str, Any]]:
    routes: list[dict[str, Any]] = orjson.loads(routes_path().read_bytes())["routes"]
    return routes


BENCH_DB = "airspace_risk_bench"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH = f"postgresql://postgres@127.0.0.1:5432/{BENCH_DB}"


def ensure_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (BENCH_DB,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    with psycopg.connect(PG_BENCH, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")


def table_name(count: int) -> str:
    return f"bench_zones_{count}"


def load_into_postgis(count: int, zones: list[dict[str, Any]] | None = None) -> str:
    """Load zones_<count> into table bench_zones_<count> (GiST-indexed) and make bench_zones
    the same data; returns the table name."""
    import psycopg

    ensure_database()
    zones = zones if zones is not None else load_zones(count)
    table = table_name(count)
    with psycopg.connect(PG_BENCH) as conn:
        for name in (table, "bench_zones"):
            conn.execute(f"DROP TABLE IF EXISTS {name}")
            conn.execute(
                f"CREATE TABLE {name} (id text PRIMARY KEY, lower_ft double precision,"
                " upper_ft double precision, level smallint,"
                " geom geometry(MultiPolygon, 4326) NOT NULL)"
            )
        with (
            conn.cursor() as cur,
            cur.copy(f"COPY {table} (id, lower_ft, upper_ft, level, geom) FROM STDIN") as copy,
        ):
            for z in zones:
                p = z["properties"]
                copy.write_row(
                    (
                        p["id"],
                        p["lower_ft"],
                        p["upper_ft"],
                        p["level"],
                        shapely.to_wkb(
                            shapely.set_srid(z["area"], 4326), hex=True, include_srid=True
                        ),
                    )
                )
        conn.execute(f"INSERT INTO bench_zones SELECT * FROM {table}")  # noqa: S608 (own table)
        for name in (table, "bench_zones"):
            conn.execute(f"CREATE INDEX {name}_geom ON {name} USING gist (geom)")
        conn.commit()
    with psycopg.connect(PG_BENCH, autocommit=True) as conn:
        for name in (table, "bench_zones"):
            conn.execute(f"VACUUM ANALYZE {name}")
        invalid = conn.execute(
            f"SELECT count(*) FROM {table} WHERE NOT ST_IsValid(geom)"  # noqa: S608 (own table)
        ).fetchone()
        if invalid and invalid[0]:
            print(f"warning: {invalid[0]} invalid geometries in {table}")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--zones", type=int, action="append", help="zone count (repeatable; default 10000)"
    )
    parser.add_argument("--routes", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--load", action="store_true", help="also load into PostGIS")
    args = parser.parse_args()
    counts = args.zones or [10_000]
    started = time.perf_counter()
    out = generate_routes(args.routes, args.seed)
    print(f"routes: {out} ({time.perf_counter() - started:.1f} s)")
    for count in counts:
        started = time.perf_counter()
        out = generate_zones(count, args.seed)
        size = out.stat().st_size / 1e6
        print(f"zones: {out} ({size:.0f} MB, {time.perf_counter() - started:.1f} s)")
        if args.load:
            started = time.perf_counter()
            table = load_into_postgis(count)
            print(f"postgis: {BENCH_DB}.{table} ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
