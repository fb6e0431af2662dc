"""Screening jobs over HTTP (POST /v1/screenings) on the real server, its runner screening on a
local Dask cluster of worker processes: the Parquet a job gives equals the screening of the
same state vectors against the same layers done in the test without Dask or HTTP
(core/tracks/screen.py on the whole frame); its other files are what they say; bad input is a
problem naming the field and leaves nothing behind; a job survives its process's death."""

import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas
import httpx
import numpy as np
import pandas
import pytest
from sqlalchemy import Engine, create_engine, text

from app.core.tracks.screen import HazardIndex, screen_frame, screening_hazards
from app.settings import Settings
from app.store.api_keys import create_key
from app.store.hazard_loading import load_hazards
from tests.conftest import LiveServer
from tests.track_samples import generated_tracks

WAIT_S = 300.0


@pytest.fixture(scope="module")
def engine(writable_database_url: str) -> Iterator[Engine]:
    """An engine on this module's database (bundled layers loaded, for tests that write)."""
    made = create_engine(writable_database_url)
    yield made
    made.dispose()


def _headers(engine: Engine, role: str) -> dict[str, str]:
    """Authorization headers of a new key of a role."""
    with engine.begin() as connection:
        return {"Authorization": f"Bearer {create_key(connection, f'screen {role}', role)[1]}"}


def _csv(frame: pandas.DataFrame) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode()


def _wait(client: httpx.Client, url: str, headers: dict[str, str]) -> dict[str, Any]:
    """The job's status once it is done or failed."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        status: dict[str, Any] = client.get(url, headers=headers).json()
        if status["status"] in ("done", "failed"):
            return status
        time.sleep(0.5)
    raise AssertionError(f"the job did not finish in {WAIT_S} s: {status}")


def _problem(answer: httpx.Response, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = answer.json()
    return body


def _expected(engine: Engine, frame: pandas.DataFrame) -> pandas.DataFrame:
    """The screening of the frame against the layers as loaded, without Dask or HTTP."""
    with engine.connect() as connection:
        zones, incidents = load_hazards(connection)
    return screen_frame(frame, HazardIndex(screening_hazards(zones, incidents, 25.0)))


def test_a_job_screens_the_upload_and_offers_its_files(
    writable_database_url: str, engine: Engine, tmp_path: Path
) -> None:
    frame, _ = generated_tracks(40, 25)
    expected = _expected(engine, frame)
    assert len(expected) > 0, "the generated flights must cross a bundled hazard"
    researcher = _headers(engine, "researcher")
    settings = Settings(database_url=writable_database_url, screening_dir=tmp_path / "jobs")
    with LiveServer(settings) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        parquet = io.BytesIO()
        frame.to_parquet(parquet)
        answer = client.post(
            "/v1/screenings?name=caucasus.parquet", content=parquet.getvalue(),
            headers={**researcher, "Content-Type": "application/vnd.apache.parquet"},
        )  # fmt: skip
        assert answer.status_code == 202, answer.text
        job = answer.json()
        assert answer.headers["location"].endswith(f"/v1/screenings/{job['id']}")
        assert job["input"] == {"name": "caucasus.parquet", "kind": "parquet",
                                "bytes": len(parquet.getvalue())}  # fmt: skip
        done = _wait(client, answer.headers["location"], researcher)
        assert done["status"] == "done", done
        assert done["exposures"] == len(expected)
        assert done["flights"] == expected["flight_id"].nunique()
        assert done["progress"]["tasks_done"] == done["progress"]["tasks_total"] > 0
        files = {link["title"]: link for link in done["links"] if link["rel"] == "enclosure"}
        assert set(files) == {"exposures.parquet", "exposures.gpkg", "summary.csv", "hours.png"}
        got = client.get(files["exposures.parquet"]["href"], headers=researcher)
        assert got.headers["content-type"] == "application/vnd.apache.parquet"
        written = pandas.read_parquet(io.BytesIO(got.content))
        assert list(written["flight_id"]) == list(expected["flight_id"])
        assert list(written["hazard_id"]) == list(expected["hazard_id"])
        entries = written["entry_time"].astype("int64").to_numpy() / 1e9
        assert np.allclose(entries, expected["entry_t_s"].to_numpy(), atol=1e-3)
        gpkg = client.get(files["exposures.gpkg"]["href"], headers=researcher)
        (tmp_path / "x.gpkg").write_bytes(gpkg.content)
        lines = geopandas.read_file(tmp_path / "x.gpkg", layer="exposures", engine="pyogrio")
        assert len(lines) == len(expected)
        summary = client.get(files["summary.csv"]["href"], headers=researcher)
        assert summary.headers["content-type"].startswith("text/csv")
        assert (
            int(pandas.read_csv(io.StringIO(summary.text))["flights"].sum())
            >= len(set(zip(expected["flight_id"], expected["hazard_id"], strict=True)))
            > 0
        )
        plot = client.get(files["hours.png"]["href"], headers=researcher)
        assert plot.content[:8] == b"\x89PNG\r\n\x1a\n"
        # Another researcher's key does not see it; an admin's does.
        other = client.get(answer.headers["location"], headers=_headers(engine, "researcher"))
        _problem(other, 404)
        admin = client.get(answer.headers["location"], headers=_headers(engine, "admin"))
        assert admin.json()["id"] == job["id"]


def test_bad_input_is_a_problem_naming_the_field_and_keeps_nothing(
    writable_database_url: str, engine: Engine, tmp_path: Path
) -> None:
    frame, _ = generated_tracks(3, 7)
    researcher = _headers(engine, "researcher")
    folder = tmp_path / "jobs"
    settings = Settings(
        database_url=writable_database_url, screening_dir=folder, screening_jobs=False
    )
    csv = {**researcher, "Content-Type": "text/csv"}
    with engine.connect() as connection:
        before = connection.execute(text("SELECT count(*) FROM screenings")).scalar_one()
    with LiveServer(settings) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        body = _csv(frame)
        _problem(client.post("/v1/screenings", content=body,
                             headers={"Content-Type": "text/csv"}), 401)  # fmt: skip
        dispatcher = {**_headers(engine, "dispatcher"), "Content-Type": "text/csv"}
        _problem(client.post("/v1/screenings", content=body, headers=dispatcher), 403)
        wrong = {**researcher, "Content-Type": "application/json"}
        refused = _problem(client.post("/v1/screenings", content=body, headers=wrong), 415)
        assert refused["errors"][0]["field"] == "Content-Type"
        missing = _csv(frame.drop(columns=["baroaltitude", "onground"]))
        refused = _problem(
            client.post("/v1/screenings?name=mine.csv", content=missing, headers=csv), 422
        )
        assert refused["errors"][0]["field"] == "body"
        assert "mine.csv: no column baroaltitude, onground" in refused["detail"]
        for query, field in (("bbox=1,2,3", "bbox"), ("bbox=10,50,20,40", "bbox"),
                             ("from=yesterday", "from"), ("to=2024-12-25T00:00",  "to"),
                             ("from=2024-12-26&to=2024-12-25", "to"),
                             ("incident_radius_nm=-1", "incident_radius_nm"),
                             ("columns=ts", "columns")):  # fmt: skip
            refused = _problem(
                client.post(f"/v1/screenings?{query}", content=body, headers=csv), 400
            )
            assert field in {e["field"].split(".")[-1] for e in refused["errors"]}, refused
        _problem(client.post("/v1/screenings", content=b"", headers=csv), 422)
        # A mapping makes another source's columns ours.
        renamed = frame.rename(columns={"time": "ts", "icao24": "hex"})
        accepted = client.post("/v1/screenings?columns=ts:time,hex:icao24",
                               content=_csv(renamed), headers=csv)  # fmt: skip
        assert accepted.status_code == 202, accepted.text
        job = accepted.json()
        assert job["parameters"]["columns"] == {"ts": "time", "hex": "icao24"}
        # Its files are not there before it is done: a 409 saying where it stands.
        early = client.get(f"{accepted.headers['location']}/exposures.parquet", headers=researcher)
        assert "queued" in _problem(early, 409)["detail"]
    with engine.connect() as connection:
        after = connection.execute(text("SELECT count(*) FROM screenings")).scalar_one()
    assert after == before + 1  # only the accepted one
    assert [p.name for p in folder.iterdir()] == [job["id"]]


def test_a_job_whose_process_died_is_run_again(
    writable_database_url: str, engine: Engine, tmp_path: Path
) -> None:
    # Accepted by a server that runs no jobs, then marked running with a heartbeat an hour old
    # (as a process killed mid-screening leaves it); a server that runs jobs takes it up again.
    frame, _ = generated_tracks(20, 11)
    expected = _expected(engine, frame)
    researcher = _headers(engine, "researcher")
    folder = tmp_path / "jobs"
    quiet = Settings(database_url=writable_database_url, screening_dir=folder, screening_jobs=False)
    with LiveServer(quiet) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        answer = client.post("/v1/screenings", content=_csv(frame),
                             headers={**researcher, "Content-Type": "text/csv"})  # fmt: skip
        assert answer.status_code == 202, answer.text
        job_id = answer.json()["id"]
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE screenings SET status = 'running', attempts = 1, started_at = now(),"
                 " heartbeat_at = now() - interval '1 hour' WHERE id = :id"), {"id": job_id},
        )  # fmt: skip
    working = Settings(database_url=writable_database_url, screening_dir=folder)
    with LiveServer(working) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        done = _wait(client, f"/v1/screenings/{job_id}", researcher)
    assert done["status"] == "done", done
    assert done["attempts"] == 2
    assert done["exposures"] == len(expected)
