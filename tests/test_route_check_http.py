"""POST /v1/route-checks over the real server and the bundled layers: the worked examples of
the README, GeoJSON output, the batch stream, and every bad input as a 4xx problem."""

import concurrent.futures
import itertools
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer

BAKU_GROZNY = {
    "departure": "UBBB",
    "destination": "URMG",
    "cruise_fl": 250,
    "departure_time": "2024-12-25T03:55:00Z",
}
# MH17's route replayed through its last recorded position (DSB: 48.123N 38.522E → 4807N03831E).
MH17 = {
    "icao_route": "EHAM DCT 4807N03831E DCT WMKK",
    "cruise_fl": 330,
    "departure_time": "2014-07-17T10:31:00Z",
}


def _check(server: LiveServer, body: dict[str, Any], **kwargs: Any) -> httpx.Response:
    return httpx.post(f"{server.url}/v1/route-checks", json=body, timeout=30, **kwargs)


def _assert_covers_route(result: dict[str, Any]) -> None:
    segments = result["segments"]
    assert segments[0]["start_nm"] == 0.0
    assert segments[-1]["end_nm"] == pytest.approx(result["route"]["length_nm"], abs=0.01)
    for before, after in itertools.pairwise(segments):
        assert before["end_nm"] == after["start_nm"]
        assert before["end"] == after["start"]


def test_baku_grozny_on_25_december_2024(layers_server: LiveServer) -> None:
    response = _check(layers_server, BAKU_GROZNY)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    result = response.json()
    _assert_covers_route(result)
    last = result["segments"][-1]
    # As known now: the Pantsir-S1 area, its site assumed at the airport (the launch site is not
    # published): 90 × 0.6 (assumed) × 1.0 (system) = 54.0 by docs/scoring.md, "high".
    assert last["category"] == "high"
    (hazard,) = last["hazards"]
    assert hazard["id"] == "grozny-air-defence-2024-12-25"
    assert hazard["system"] == "pantsir-s1"
    assert hazard["site_basis"] == "assumed"
    assert "Pantsir-S1" in hazard["explanation"]
    assert hazard["contribution"] == last["score"] == 54.0
    assert result["summary"]["category"] == "high"
    assert result["summary"]["worst_segment"] == last["index"]
    assert isinstance(result["summary"]["data_version"], int)
    nearby = {i["id"]: i for i in result["incidents_nearby"]}
    assert nearby["azal8243-hit"]["distance_nm"] < 1.0
    assert result["summary"]["minutes_by_category"]["high"] > 0


def test_the_same_route_five_days_earlier_is_clear(layers_server: LiveServer) -> None:
    result = _check(layers_server, {**BAKU_GROZNY, "departure_time": "2024-12-20T03:55:00Z"}).json()
    assert result["summary"]["category"] == "none"
    assert len(result["segments"]) == 1


def test_mh17_replay_at_fl330_on_17_july_2014(layers_server: LiveServer) -> None:
    result = _check(layers_server, MH17).json()
    _assert_covers_route(result)
    worst = result["segments"][result["summary"]["worst_segment"]]
    by_id = {h["id"]: h for h in worst["hazards"]}
    buk = by_id["mh17-buk-pervomaiskyi-2014-07-17"]
    closed_below_fl320 = by_id["ukraine-east-2014-below-fl320"]
    assert buk["position"] == "inside"
    assert closed_below_fl320["position"] == "above_ceiling"
    assert closed_below_fl320["upper_ft"] == 32000
    assert "FL330" in closed_below_fl320["explanation"]
    # Model 2: the Buk (90, confirmed site) and the closure (45 above its ceiling) are one
    # threat (eastern-ukraine-2014), counted once, by its strongest record: 90 (model 1: 94.5).
    assert worst["score"] == 90.0
    assert (buk["counted"], closed_below_fl320["counted"]) == (True, False)
    assert worst["category"] == "critical"
    assert worst["start"]["alt_ft"] == 33000


PS752 = {
    "departure": "OIIE",
    "destination": "UKBB",
    "cruise_fl": 330,
    "departure_time": "2020-01-08T02:42:00Z",
}


@pytest.mark.parametrize(("state", "bound"), [("US", True), ("GB", False)])
def test_ps752_replay_says_who_the_faa_prohibition_binds(
    layers_server: LiveServer, state: str, bound: bool
) -> None:
    # The README's PS752 replay as known now: the FAA's prohibition (an FAA NOTAM binds US
    # operators) and the IRGC Tor-M1 are one threat (iran), counted once at 90.
    result = _check(layers_server, {**PS752, "operator": {"state": state}}).json()
    first = result["segments"][0]
    by_id = {h["id"]: h for h in first["hazards"]}
    faa = next(h for h in first["hazards"] if h["issuer"] == "FAA")
    tor = by_id["ps752-tor-m1-tehran-2020-01-08"]
    assert first["score"] == 90.0
    assert (faa["counted"], tor["counted"]) == (True, False)
    assert faa["binding"] is bound
    assert tor["binding"] is False  # an air-defence site is information: it binds no one
    prohibitions = result["summary"]["binding_prohibitions"]
    assert (faa["id"] in prohibitions) is bound
    assert result["summary"]["operator"] == {"state": state, "designator": None}


def test_a_bad_operator_is_a_problem_naming_the_field(layers_server: LiveServer) -> None:
    response = _check(layers_server, {**PS752, "operator": {"state": "USA"}})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "operator.state" in response.text


def test_geojson_output(layers_server: LiveServer) -> None:
    response = _check(layers_server, BAKU_GROZNY, headers={"Accept": "application/geo+json"})
    assert response.headers["content-type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    # Into the Pantsir-S1 area (site assumed: 90 × 0.6 = 54) across the ten rings of its outward
    # fade (one published range, 10.8 NM, faded over 10 % beyond it): ring i keeps 1 − i/10, and
    # ring 0 is part of the disc (docs/scoring.md). The approach closes on the site throughout.
    scores = [f["properties"]["score"] for f in collection["features"]]
    assert scores == [0.0] + [round(54.0 * (1 - i / 10), 1) for i in range(9, 0, -1)] + [54.0]
    assert collection["features"][0]["properties"]["category"] == "none"
    assert collection["features"][-1]["properties"]["category"] == "high"
    assert collection["features"][1]["geometry"]["type"] == "LineString"
    assert collection["summary"]["category"] == "high"
    by_query = httpx.post(
        f"{layers_server.url}/v1/route-checks?f=geojson", json=BAKU_GROZNY, timeout=30
    )
    assert by_query.json()["features"] == collection["features"]


def test_route_across_the_antimeridian_as_geojson(layers_server: LiveServer) -> None:
    body = {
        "route": {"type": "LineString", "coordinates": [[170.0, 50.0], [-170.0, 52.0]]},
        "cruise_fl": 350,
    }
    feature = _check(layers_server, body, params={"f": "geojson"}).json()["features"][0]
    assert feature["geometry"]["type"] == "MultiLineString"
    east, west = feature["geometry"]["coordinates"]
    assert east[-1][0] == 180.0
    assert west[0][0] == -180.0


def test_batch_streams_one_line_per_route_in_order(layers_server: LiveServer) -> None:
    routes = [
        {**BAKU_GROZNY, "id": "first"},
        {"departure": "UBBB", "destination": "ZZZZ", "cruise_fl": 250, "id": "broken"},
        {"waypoints": [{"lat": 40, "lon": 30}, {"lat": 41, "lon": 31}], "cruise_fl": 300},
        {"departure": "UBBB"},
    ]
    response = httpx.post(
        f"{layers_server.url}/v1/route-checks/batch", json={"routes": routes}, timeout=60
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [line["index"] for line in lines] == [0, 1, 2, 3]
    assert lines[0]["id"] == "first"
    assert lines[0]["result"]["summary"]["category"] == "high"
    assert lines[1]["error"]["field"] == "destination"
    assert "unknown airport 'ZZZZ'" in lines[1]["error"]["detail"]
    assert lines[2]["result"]["summary"]["category"] == "none"
    assert lines[3]["error"]["status"] == 422


def test_batch_summary_detail_keeps_the_worst_segment_of_the_full_answer(
    layers_server: LiveServer,
) -> None:
    routes = [BAKU_GROZNY, {"departure": "UBBB", "destination": "ZZZZ", "cruise_fl": 250}]
    url = f"{layers_server.url}/v1/route-checks/batch"
    full, summary = (
        [json.loads(line) for line in httpx.post(url, params=params, json={"routes": routes},
                                                 timeout=60).text.splitlines()]
        for params in ({}, {"detail": "summary"})
    )  # fmt: skip
    expected = full[0]["result"]
    got = summary[0]["result"]
    assert "segments" not in got
    assert got["worst_segment"] == expected["segments"][expected["summary"]["worst_segment"]]
    assert got["worst_segment"]["category"] == "high"
    assert got["worst_segment"]["hazards"]
    assert {k: v for k, v in got["summary"].items() if k != "evaluated_at"} == {
        k: v for k, v in expected["summary"].items() if k != "evaluated_at"
    }
    # The summary carries the exposure: here one threat (the Pantsir-S1 near Grozny, russia-west)
    # over exactly the segments that score, read off the full answer: its disc and fading rings.
    (threat,) = got["summary"]["exposure"]["by_threat"]
    assert threat["threat"] == "russia-west"
    scoring_nm = sum(s["length_nm"] for s in expected["segments"] if s["score"] > 0)
    assert threat["nm"] == pytest.approx(scoring_nm, abs=0.02)
    assert threat["minutes"] > 0
    assert got["summary"]["route_index"] > 0
    assert summary[1]["error"]["field"] == "destination"
    bad = httpx.post(url, params={"detail": "everything"}, json={"routes": routes}, timeout=60)
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "detail"


BAD_INPUTS = [
    pytest.param(
        {"waypoints": [{"lat": 91, "lon": 0}, {"lat": 0, "lon": 0}], "cruise_fl": 300},
        "waypoints.0.lat",
        id="latitude-out-of-range",
    ),
    pytest.param(
        {"waypoints": [{"lat": 0, "lon": -181}, {"lat": 0, "lon": 0}], "cruise_fl": 300},
        "waypoints.0.lon",
        id="longitude-out-of-range",
    ),
    pytest.param(
        {"waypoints": [{"lat": 0, "lon": 0}], "cruise_fl": 300}, "waypoints", id="one-point"
    ),
    pytest.param({"departure": "XXXX", "destination": "URMG"}, "departure", id="unknown-airport"),
    pytest.param(
        {
            "waypoints": [
                {"lat": 40, "lon": 40, "time": "2025-01-01T10:00:00Z"},
                {"lat": 41, "lon": 41, "time": "2025-01-01T09:00:00Z"},
            ],
            "cruise_fl": 300,
        },
        "waypoints.1.time",
        id="times-out-of-order",
    ),
    pytest.param(
        {
            # 845 NM apart at the same minute (pyproj: 40N 40E to 40N 58.3E is ~845 NM).
            "waypoints": [
                {"lat": 40, "lon": 40, "time": "2025-01-01T10:00:00Z"},
                {"lat": 40, "lon": 58.3, "time": "2025-01-01T10:00:00Z"},
            ],
            "cruise_fl": 300,
        },
        "waypoints.1.time",
        id="same-time-far-apart",
    ),
    pytest.param(
        {
            # ~60 NM in one minute: 3,600 kt, above the 2,000 kt a route may imply.
            "waypoints": [
                {"lat": 40, "lon": 40, "time": "2025-01-01T10:00:00Z"},
                {"lat": 41, "lon": 40, "time": "2025-01-01T10:01:00Z"},
            ],
            "cruise_fl": 300,
        },
        "waypoints.1.time",
        id="impossible-speed",
    ),
    pytest.param({**BAKU_GROZNY, "ground_speed_kt": -450}, "ground_speed_kt", id="negative-speed"),
    pytest.param(
        {"waypoints": [{"lat": 0, "lon": i / 1000} for i in range(1001)], "cruise_fl": 300},
        "waypoints",
        id="too-many-points",
    ),
    pytest.param({"icao_route": "UBBB UL851 URMG", "cruise_fl": 250}, "icao_route.1", id="airway"),
    pytest.param(
        {"waypoints": [{"lat": 0, "lon": 0}, {"lat": 1, "lon": 1}]}, "cruise_fl", id="no-altitude"
    ),
    pytest.param({"route": "not geojson"}, "route", id="route-not-an-object"),
    pytest.param({}, "body", id="no-route"),
]


@pytest.mark.parametrize(("body", "field"), BAD_INPUTS)
def test_bad_input_is_a_422_naming_the_field(
    layers_server: LiveServer, body: dict[str, Any], field: str
) -> None:
    response = _check(layers_server, body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["field"] == field, problem
    assert problem["detail"]


@pytest.mark.parametrize(
    "raw",
    [
        b'{"waypoints": [{"lat": NaN, "lon": 0}, {"lat": 0, "lon": 0}], "cruise_fl": 300}',
        b"{not json",
        b"[]",
        b"",
    ],
)
def test_malformed_bodies_are_4xx_problems(layers_server: LiveServer, raw: bytes) -> None:
    response = httpx.post(
        f"{layers_server.url}/v1/route-checks",
        content=raw,
        headers={"content-type": "application/json"},
    )
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"]


def test_oversize_body_is_413(layers_server: LiveServer) -> None:
    padding = [{"lat": 0, "lon": 0, "name": "x" * 60}] * 60_000
    response = httpx.post(
        f"{layers_server.url}/v1/route-checks", json={"waypoints": padding}, timeout=30
    )
    assert response.status_code == 413
    assert response.json()["field"] == "body"


def test_chunked_oversize_body_is_413(layers_server: LiveServer) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"waypoints": ['
        for _ in range(100):
            yield b'{"lat": 0, "lon": 0, "name": "' + b"x" * 60_000 + b'"},'
        yield b"]}"

    response = httpx.post(
        f"{layers_server.url}/v1/route-checks",
        content=chunks(),
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(
            {
                "route": {"type": "LineString", "coordinates": [[0, 0], [10**400, 0]]},
                "cruise_fl": 300,
            },
            "route.coordinates.1",
            id="huge-integer",
        ),
        pytest.param(
            {**BAKU_GROZNY, "departure_time": "9999-12-31T23:50:00Z"},
            "departure_time",
            id="far-future",
        ),
        pytest.param({**BAKU_GROZNY, "ground_speed_kt": 1e-9}, "ground_speed_kt", id="crawling"),
        pytest.param({**BAKU_GROZNY, "as_of": "0001-01-01T00:00:00+01:00"}, "as_of", id="year-one"),
        pytest.param(
            {
                "waypoints": [{"lat": 10, "lon": 10}, {"lat": 10, "lon": 10.000006}],
                "cruise_fl": 300,
            },
            "waypoints",
            id="under-a-metre",
        ),
    ],
)
def test_out_of_range_inputs_are_422_not_500(
    layers_server: LiveServer, body: dict[str, Any], field: str
) -> None:
    response = _check(layers_server, body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


@pytest.mark.parametrize(
    "path",
    [
        "/collections/incidents/items?offset=99999999999999999999",
        "/collections/incidents/items/a%00b",
        "/collections/conflict_zones/items?issuer=a%00b",
        "/collections/incidents/items?datetime=0001-01-01T00:00:00%2B01:00",
    ],
)
def test_out_of_range_parameters_are_400_not_500(layers_server: LiveServer, path: str) -> None:
    response = httpx.get(f"{layers_server.url}{path}")
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_route_checks_take_turns_with_a_batch_and_all_finish(layers_server: LiveServer) -> None:
    """One route check at a time is computed (the default gate): concurrent single checks and
    a batch all get their answers, and the same answers as when sent alone."""
    url = f"{layers_server.url}/v1/route-checks"
    alone = httpx.post(url, json=BAKU_GROZNY, timeout=60).json()["summary"]

    def single(_: int) -> dict[str, Any]:
        response = httpx.post(url, json=BAKU_GROZNY, timeout=60)
        assert response.status_code == 200
        summary: dict[str, Any] = response.json()["summary"]
        return summary

    def batch() -> list[str]:
        response = httpx.post(f"{url}/batch", json={"routes": [BAKU_GROZNY] * 20}, timeout=120)
        return [
            json.loads(line)["result"]["summary"]["category"] for line in response.text.splitlines()
        ]

    with concurrent.futures.ThreadPoolExecutor(9) as pool:
        batch_future = pool.submit(batch)
        summaries = list(pool.map(single, range(16)))
        categories = batch_future.result()
    assert categories == [alone["category"]] * 20
    for summary in summaries:
        assert {k: v for k, v in summary.items() if k != "evaluated_at"} == {
            k: v for k, v in alone.items() if k != "evaluated_at"
        }
