"""The bundled layers: they load, load again without change, and hold what the sources say."""

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pyproj import Geod
from shapely.geometry import Point, shape
from sqlalchemy import Connection, text

from app.core.layers.layer_file import parse_layer_file
from app.core.layers.vocabulary import Layer
from app.store.api_keys import create_key
from app.store.layer_import import import_layer, load_bundled, parse_catalogue
from app.store.layer_stats import data_version
from tests.conftest import GEODATA

GEOD = Geod(ellps="WGS84")


def _features(layer: str) -> list[dict[str, Any]]:
    features: list[dict[str, Any]] = json.loads(
        (GEODATA / f"{layer}.geojson").read_text(encoding="utf-8")
    )["features"]
    return features


@pytest.mark.parametrize("layer", list(Layer))
def test_every_bundled_feature_passes_the_checks_and_has_sources(layer: Layer) -> None:
    parsed = parse_layer_file(layer, (GEODATA / f"{layer.value}.geojson").read_bytes())
    assert parsed, f"{layer} is empty"
    for feature in parsed:
        assert feature.record.sources
        assert all(url.startswith(("http://", "https://")) for url in feature.record.sources)
        assert feature.record.certainty


def test_catalogue_entries_have_sources() -> None:
    systems = parse_catalogue((GEODATA / "air_defence_systems.json").read_bytes())
    assert {"buk-m1", "tor-m1", "pantsir-s1", "manpads"} <= {s.id for s in systems}


def test_load_matches_files_and_is_idempotent(connection: Connection) -> None:
    first = load_bundled(connection, GEODATA)
    for layer in Layer:
        assert first[layer.value].inserted == len(_features(layer.value))
        count = connection.execute(text(f"SELECT count(*) FROM {layer.value}")).scalar_one()
        assert count == len(_features(layer.value))
    version = data_version(connection)
    second = load_bundled(connection, GEODATA)
    assert all(r.inserted == 0 and r.updated == 0 for r in second.values())
    assert data_version(connection) == version


def test_aktau_crash_site_is_within_100_m(connection: Connection) -> None:
    load_bundled(connection, GEODATA)
    distance_m = connection.execute(
        text(
            "SELECT ST_Distance(geom::geography, "
            "ST_SetSRID(ST_MakePoint(51.0100, 43.8825), 4326)::geography) "
            "FROM incidents WHERE event = 'azal8243' AND kind = 'crash'"
        )
    ).scalar_one()
    assert distance_m < 100.0


def test_zones_say_how_their_outline_was_made() -> None:
    for feature in _features("conflict_zones"):
        note = feature["properties"]["geometry_note"]
        assert "Natural Earth" in note or "published in the source" in note, feature["id"]
        if "Natural Earth" in note:
            assert "Approximates the FIR" in note


def test_russia_west_of_60e_stays_west_of_60e() -> None:
    zone = next(
        f for f in _features("conflict_zones") if f["properties"]["id"].startswith("russia-easa")
    )
    assert shape(zone["geometry"]).bounds[2] <= 60.0


def _ukraine_boundary() -> np.ndarray:
    countries = json.loads(
        Path(GEODATA / "natural_earth" / "ne_10m_selected_countries.geojson").read_text()
    )
    ukraine = next(f for f in countries["features"] if f["properties"]["ISO_A3"] == "UKR")
    polygons = shape(ukraine["geometry"]).geoms
    return np.array([pt for p in polygons for pt in p.exterior.coords])


def test_russia_near_ukraine_is_within_160_nm_of_ukraine() -> None:
    """Independent check: Geod.inv from each zone vertex to every Ukraine boundary vertex (the
    builder used unions of Geod.fwd circles); the nearest must be within 160 NM, allowing 0.5 %
    for boundary vertices that are up to ~500 m apart."""
    zone = next(f for f in _features("conflict_zones") if "160nm" in f["properties"]["id"])
    boundary = _ukraine_boundary()
    vertices = np.array([pt for p in shape(zone["geometry"]).geoms for pt in p.exterior.coords])[
        ::25
    ]
    farthest_nm = 0.0
    for lon, lat in vertices:
        _, _, d_m = GEOD.inv(
            np.full(len(boundary), lon), np.full(len(boundary), lat), boundary[:, 0], boundary[:, 1]
        )
        farthest_nm = max(farthest_nm, float(np.min(d_m)) / 1852.0)
    assert 150.0 < farthest_nm <= 160.0 * 1.005


def test_russia_west_of_60e_does_not_include_chukotka() -> None:
    """Chukotka lies east of 180° (negative longitudes): it is not 'west of 60°E'."""
    zone = next(
        f for f in _features("conflict_zones") if f["properties"]["id"].startswith("russia-easa")
    )
    min_lon = shape(zone["geometry"]).bounds[0]
    assert min_lon > 0.0


def test_an_edited_feature_does_not_stop_loads_updating_the_others(connection: Connection) -> None:
    # Editors own what they edited (a file never overwrites it); every other row still loads.
    load_bundled(connection, GEODATA)
    key, _ = create_key(connection, "editor", "editor")
    document = json.loads((GEODATA / "conflict_zones.geojson").read_text(encoding="utf-8"))
    edited, other = document["features"][0], document["features"][1]
    connection.execute(
        text(
            "INSERT INTO feature_versions (layer, feature_id, version, key_id, change, feature)"
            " VALUES ('conflict_zones', :id, 1, :key, 'update', '{}'::jsonb)"
        ),
        {"id": edited["properties"]["id"], "key": key.id},
    )
    for feature in (edited, other):
        feature["properties"]["summary"] = "Changed in the file."
    result = import_layer(connection, Layer.CONFLICT_ZONES, json.dumps(document))
    assert result.updated == 1
    summaries: dict[str, str] = dict(
        connection.execute(
            text("SELECT id, summary FROM conflict_zones WHERE id IN (:a, :b)"),
            {"a": edited["properties"]["id"], "b": other["properties"]["id"]},
        ).all()
    )
    assert summaries[other["properties"]["id"]] == "Changed in the file."
    assert summaries[edited["properties"]["id"]] != "Changed in the file."


def test_israel_100_nm_note_reaches_100_nm_out_to_sea() -> None:
    # Independent check with Geod.fwd from the Gaza coast (34.25E 31.5N) westward over the sea:
    # 90 NM out is inside the note's area, 110 NM out is not.
    (feature,) = [
        f
        for f in _features("conflict_zones")
        if f["properties"]["id"] == "israel-easa-in-100nm-2025"
    ]
    area = shape(feature["geometry"])
    for distance_nm, inside in ((90, True), (110, False)):
        lon, lat, _ = GEOD.fwd(34.25, 31.5, 270.0, distance_nm * 1852.0)
        assert area.contains(Point(lon, lat)) is inside, distance_nm
    assert "100 NM all round" in feature["properties"]["geometry_note"]
