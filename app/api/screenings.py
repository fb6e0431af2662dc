"""Screening jobs for researchers: POST a file of state vectors (CSV, gzip'd CSV or Parquet, as
the body), follow its status, download the exposures (Parquet, GeoPackage), the summary per
hazard and day (CSV) and the hourly plot (PNG) when it is done."""

import os
import secrets
import shutil
from datetime import datetime
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from app.api.auth import require_role
from app.api.dependencies import EngineDep, SettingsDep
from app.api.features.parameters import bad_parameter
from app.api.problems import FieldError, Problem
from app.api.responses import JsonResponse
from app.core.instants import InstantError, read_instant
from app.core.risk.model import DEFAULT_MODEL
from app.core.tracks.reading import TrackFileError, check_track_columns
from app.core.tracks.selection import Selection, SelectionError, bbox_from_text
from app.services.screening_jobs import RESULTS, input_path, result_path
from app.store.api_keys import ApiKey
from app.store.screenings import ScreeningJob, find, submit

router = APIRouter(prefix="/v1", tags=["screenings"])
Researcher = Annotated[ApiKey, Depends(require_role("researcher", "admin"))]
JobId = Annotated[str, Path(max_length=64, pattern=r"^[a-z0-9-]+$")]
# The body's media type → the kind of file kept.
KINDS = {
    "text/csv": "csv",
    "application/gzip": "csv.gz",
    "application/x-gzip": "csv.gz",
    "application/vnd.apache.parquet": "parquet",
}
MEDIA_TYPES = {
    "exposures.parquet": "application/vnd.apache.parquet",
    "exposures.gpkg": "application/geopackage+sqlite3",
    "summary.csv": "text/csv; charset=utf-8",
    "hours.png": "image/png",
}
ResultName = Literal["exposures.parquet", "exposures.gpkg", "summary.csv", "hours.png"]


class ScreeningInput(BaseModel):
    """The file screened."""

    name: str = Field(description="As the client named it (?name=), else `tracks`.")
    kind: Literal["csv", "csv.gz", "parquet"]
    bytes: int


class ScreeningParameters(BaseModel):
    """What the job screens: the reports between two times, hazards meeting a box."""

    from_: datetime | None = Field(None, alias="from", description="Reports from (UTC).")
    to: datetime | None = Field(None, description="Reports before (UTC).")
    bbox: list[float] | None = Field(None, description="Hazards meeting west,south,east,north.")
    incident_radius_nm: float = Field(description="The ring screened around each incident.")
    columns: dict[str, str] | None = Field(None, description="Their column → OpenSky's.")


class ScreeningProgress(BaseModel):
    """How far a running job is (Dask tasks of the screening pass)."""

    tasks_done: int
    tasks_total: int | None


class ScreeningLink(BaseModel):
    """A link to the job or one of its files."""

    href: str
    rel: str
    type: str
    title: str


class ScreeningOut(BaseModel):
    """A screening job: where it stands, and its files when done."""

    id: str
    status: Literal["queued", "running", "done", "failed"]
    submitted_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    attempts: int = Field(description="Runs begun (a run cut short by a restart is redone).")
    input: ScreeningInput
    parameters: ScreeningParameters
    progress: ScreeningProgress
    exposures: int | None = Field(description="Exposures found (when done).")
    flights: int | None = Field(description="Flights with an exposure (when done).")
    error: dict[str, Any] | None = Field(description="Why it failed: a problem document.")
    links: list[ScreeningLink]


def _out(job: ScreeningJob, base: str) -> ScreeningOut:
    """A stored job as the API shows it."""
    self_href = f"{base}/v1/screenings/{job.id}"
    links = [ScreeningLink(href=self_href, rel="self", type="application/json", title="status")]
    if job.status == "done":
        links += [
            ScreeningLink(href=f"{self_href}/{name}", rel="enclosure", type=MEDIA_TYPES[name],
                          title=name)
            for name in RESULTS
        ]  # fmt: skip
    return ScreeningOut(
        id=job.id, status=job.status, submitted_at=job.submitted_at,
        started_at=job.started_at, finished_at=job.finished_at, attempts=job.attempts,
        input=ScreeningInput(name=job.input_name, kind=job.input_kind,
                             bytes=job.input_bytes),
        parameters=ScreeningParameters.model_validate(job.parameters),
        progress=ScreeningProgress(tasks_done=job.tasks_done, tasks_total=job.tasks_total),
        exposures=job.exposures, flights=job.flights, error=job.error, links=links,
    )  # fmt: skip


def _columns(text: str | None) -> dict[str, str] | None:
    """`theirs:ours,…` as a mapping."""
    if text is None:
        return None
    mapping: dict[str, str] = {}
    for pair in text.split(","):
        theirs, colon, ours = pair.partition(":")
        if not colon or not theirs.strip() or not ours.strip():
            raise bad_parameter("columns", "must be pairs their_name:opensky_name, comma-separated")
        mapping[theirs.strip()] = ours.strip()
    return mapping


def _parameters(
    start: str | None, end: str | None, bbox: str | None, radius_nm: float, columns: str | None
) -> dict[str, Any]:
    """The query's parameters checked, as stored with the job."""
    moments: dict[str, datetime | None] = {}
    for name, text in (("from", start), ("to", end)):
        try:
            moments[name] = None if text is None else read_instant(text)[0]
        except InstantError as error:
            raise bad_parameter(name, str(error)) from None
    try:
        box = None if bbox is None else bbox_from_text(bbox)
        Selection(moments["from"], moments["to"], box)
    except SelectionError as error:
        raise bad_parameter(error.field, error.reason) from None
    return {
        "from": None if moments["from"] is None else moments["from"].isoformat(),
        "to": None if moments["to"] is None else moments["to"].isoformat(),
        "bbox": None if box is None else list(box),
        "incident_radius_nm": radius_nm,
        "columns": _columns(columns),
    }


async def _receive(request: Request, target: FilePath) -> int:
    """The body written to target as it streams in, made durable; its size."""
    size = 0
    async with await anyio.open_file(target, "wb") as file:
        async for chunk in request.stream():
            size += len(chunk)
            await file.write(chunk)
        await file.flush()
        await anyio.to_thread.run_sync(os.fsync, file.wrapped.fileno())
    return size


BINARY = {"schema": {"type": "string", "format": "binary"}}
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "description": "State vectors in OpenSky's columns (time, icao24, callsign, lat, lon, "
        "baroaltitude, geoaltitude, onground; nic and nacp where given), or others with "
        "?columns=.",
        "content": {media: BINARY for media in KINDS},
    }
}


@router.post(
    "/screenings",
    operation_id="submitScreening",
    summary="Screen flown tracks against the layers in 4D (a background job)",
    status_code=202,
    response_model=ScreeningOut,
    openapi_extra=UPLOAD_BODY,
    responses={202: {"headers": {"Location": {"schema": {"type": "string"}}}}},
)
async def submit_screening(
    request: Request,
    key: Researcher,
    engine: EngineDep,
    settings: SettingsDep,
    start: Annotated[str | None, Query(alias="from", description="Reports from (UTC).")] = None,
    end: Annotated[str | None, Query(alias="to", description="Reports before (UTC).")] = None,
    bbox: Annotated[
        str | None, Query(description="Only hazards meeting west,south,east,north.")
    ] = None,
    incident_radius_nm: Annotated[
        float, Query(ge=0.0, le=500.0, description="Ring around each incident (0: none).")
    ] = DEFAULT_MODEL.default_incident_radius_nm,
    columns: Annotated[
        str | None, Query(description="Other sources: their:ours pairs, e.g. ts:time,hex:icao24.")
    ] = None,
    name: Annotated[str, Query(max_length=200, description="The file's name, as shown.")] = (
        "tracks"
    ),
) -> JsonResponse:
    """Upload state vectors; the job runs in the background (Location: its status)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    kind = KINDS.get(media)
    if kind is None:
        raise Problem(
            415, f"Content-Type: send the tracks as {', '.join(KINDS)}", "unsupported-media-type",
            "Unsupported media type", [FieldError("Content-Type", f"{media or 'none'} is not "
                                                  "a track file's type")],
        )  # fmt: skip
    parameters = _parameters(start, end, bbox, incident_radius_nm, columns)
    job_id = secrets.token_hex(8)
    folder = FilePath(settings.screening_dir)
    target = input_path(folder, job_id, kind)
    await anyio.Path(target.parent).mkdir(parents=True, exist_ok=True)
    try:
        size = await _receive(request, target)
        if size == 0:
            reason = "empty: send the track file as the body"
            raise Problem(422, f"body: {reason}", "invalid-parameter", "Invalid parameter",
                          [FieldError("body", reason)])  # fmt: skip
        try:
            await run_in_threadpool(check_track_columns, target, parameters["columns"])
        except TrackFileError as error:
            reason = str(error).replace(target.name, name)
            raise Problem(422, reason, "unreadable-tracks", "Unreadable tracks",
                          [FieldError("body", reason)]) from None  # fmt: skip

        def store() -> ScreeningJob:
            with engine.begin() as connection:
                return submit(connection, job_id, key.id, name, kind, size, parameters)

        job = await run_in_threadpool(store)
    except BaseException:
        # Refused, cut off or not stored: nothing of it is kept.
        await run_in_threadpool(shutil.rmtree, target.parent, True)
        raise
    request.app.state.screening_runner.nudge()
    base = str(request.base_url).rstrip("/")
    body = _out(job, base)
    return JsonResponse(
        body.model_dump(mode="json", by_alias=True), status_code=202,
        headers={"Location": f"{base}/v1/screenings/{job.id}"},
    )  # fmt: skip


async def _job(engine: EngineDep, key: ApiKey, job_id: str) -> ScreeningJob:
    """The caller's job (an admin sees every one); 404 otherwise."""

    def read() -> ScreeningJob | None:
        with engine.connect() as connection:
            return find(connection, job_id)

    job = await run_in_threadpool(read)
    if job is None or (job.key_id != key.id and key.role != "admin"):
        raise Problem(404, f"no screening {job_id} of yours", "not-found")
    return job


@router.get(
    "/screenings/{job_id}",
    operation_id="getScreening",
    summary="A screening job's status, progress and files",
    response_model=ScreeningOut,
    response_model_by_alias=True,
)
async def get_screening(
    request: Request, key: Researcher, engine: EngineDep, job_id: JobId
) -> ScreeningOut:
    """Where the job stands; links to its files once done."""
    job = await _job(engine, key, job_id)
    return _out(job, str(request.base_url).rstrip("/"))


@router.get(
    "/screenings/{job_id}/{file_name}",
    operation_id="getScreeningFile",
    summary="A done screening's file: exposures (Parquet, GeoPackage), summary (CSV), plot (PNG)",
    response_class=FileResponse,
    responses={
        200: {
            "content": {
                m.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
                for m in MEDIA_TYPES.values()
            }
        }
    },
)
async def get_screening_file(
    key: Researcher, engine: EngineDep, settings: SettingsDep, job_id: JobId,
    file_name: ResultName,
) -> FileResponse:  # fmt: skip
    """The file, once the job is done (409 before; the problem says where it stands)."""
    job = await _job(engine, key, job_id)
    if job.status != "done":
        done = f", {job.tasks_done} of {job.tasks_total} tasks" if job.tasks_total else ""
        raise Problem(409, f"screening {job.id} is {job.status}{done}: no files yet"
                      if job.status != "failed" else f"screening {job.id} failed: no files",
                      "not-ready", "Not ready")  # fmt: skip
    path = result_path(FilePath(settings.screening_dir), job.id, file_name)
    return FileResponse(path, media_type=MEDIA_TYPES[file_name],
                        filename=f"screening-{job.id}-{file_name}")  # fmt: skip
