"""Screening jobs run in the background: each process with jobs on claims the oldest waiting
one (SKIP LOCKED), screens its uploaded file on Dask (the scheduler configured, else a local
cluster of worker processes started with the first job) against the layers as on record, writes
the files, and records the outcome. It beats while it works; a job whose process died stops
beating and is taken up again, from the start, by whichever process looks next."""

import logging
import os
import shutil
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from distributed import Client, LocalCluster
from sqlalchemy import Engine

from app.core.tracks.reading import TrackFileError
from app.core.tracks.selection import Selection
from app.services.background_loop import BackgroundLoop
from app.services.screening import layers_to_screen, screen_tracks
from app.services.screening_outputs import (
    as_table,
    write_geopackage,
    write_parquet,
    write_plot,
    write_summary,
)
from app.store.screenings import ScreeningJob, beat, claim_next, finish

log = logging.getLogger(__name__)
# A running job not heard of for this long belongs to a process that died.
LEASE_S = 120.0
BEAT_S = 10.0
# The files a done job offers, by name (media types in api/screenings.py).
RESULTS = {
    "exposures.parquet": write_parquet,
    "exposures.gpkg": write_geopackage,
    "summary.csv": write_summary,
    "hours.png": write_plot,
}


def input_path(folder: Path, job_id: str, kind: str) -> Path:
    """Where a job's uploaded file is kept."""
    return folder / job_id / f"input.{kind}"


def result_path(folder: Path, job_id: str, name: str) -> Path:
    """Where a done job's file of this name is."""
    return folder / job_id / "result" / name


def selection_of(parameters: dict[str, Any]) -> Selection:
    """A job's stored times and box as a selection."""
    start, end, bbox = parameters.get("from"), parameters.get("to"), parameters.get("bbox")
    return Selection(
        None if start is None else datetime.fromisoformat(start),
        None if end is None else datetime.fromisoformat(end),
        None if bbox is None else tuple(bbox),
    )  # fmt: skip


def _sync(path: Path) -> None:
    """Make a written file durable before the job is recorded done."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class _Superseded(Exception):
    """Another process took the job over (this one's heartbeat was late): stop, write nothing."""


class ScreeningRunner(BackgroundLoop):
    """Runs screening jobs on a thread of its own (nudged when one was just submitted)."""

    thread_name = "screenings"
    join_timeout_s = 30.0

    def __init__(
        self,
        engine: Engine,
        folder: Path,
        scheduler: str | None,
        workers: int,
        interval_s: float = 1.0,
    ) -> None:
        super().__init__(interval_s)
        self.engine = engine
        self.folder = folder
        self.scheduler = scheduler
        self.workers = workers
        self._cluster: LocalCluster | None = None
        self._client: Client | None = None

    def close(self) -> None:
        """Stop after the job in hand (a job cut short is taken up again later) and close the
        cluster."""
        super().close()
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def _run(self) -> None:
        while not self.stopping:
            try:
                with self.engine.begin() as connection:
                    job = claim_next(connection, LEASE_S)
            except Exception:  # the database may be away for a while: try again later
                log.exception("claiming a screening job failed")
                job = None
            if job is None:
                self.pause()
                continue
            try:
                self.run_job(job)
            except Exception:  # its outcome not recorded: it stops beating and is run again
                log.exception("screening %s was not recorded; it runs again", job.id)

    def _dask(self) -> Client:
        """The client: to the configured scheduler, else to a local cluster (made once)."""
        if self._client is None:
            if self.scheduler:
                self._client = Client(self.scheduler, timeout=60)
            else:
                self._cluster = LocalCluster(
                    n_workers=self.workers, threads_per_worker=1, processes=True,
                    dashboard_address=None,
                )  # fmt: skip
                self._client = Client(self._cluster)
        return self._client

    def run_job(self, job: ScreeningJob) -> None:
        """Screen one claimed job and record how it ended."""
        progress = {"done": 0, "total": 0}
        beating = threading.Event()

        def keep_beating() -> None:
            while not beating.wait(BEAT_S):
                try:
                    with self.engine.begin() as connection:
                        if not beat(connection, job.id, job.attempts, **progress):
                            return
                except Exception:  # the database away for a moment: beat again later
                    log.exception("screening %s: heartbeat failed", job.id)

        beater = threading.Thread(target=keep_beating, name=f"beat-{job.id}", daemon=True)
        beater.start()
        try:
            outcome = self._screen(job, progress)
        except _Superseded:
            return
        except Exception:
            if self.stopping:
                # Cut short by the server stopping: not a failure; it stops beating and is run
                # again by the next process to look.
                log.warning("screening %s interrupted by shutdown; it runs again", job.id)
                return
            log.exception("screening %s failed", job.id)
            outcome = {"error": {
                "title": "Screening failed", "status": 500,
                "detail": "the screening failed on the server; the operators have the log",
            }}  # fmt: skip
        finally:
            beating.set()
            beater.join(timeout=BEAT_S * 2)
        with self.engine.begin() as connection:
            finish(connection, job.id, job.attempts, **outcome)

    def _screen(self, job: ScreeningJob, progress: dict[str, int]) -> dict[str, Any]:
        """The screening itself: the counts, or a problem naming what in the input is wrong."""
        parameters = job.parameters
        chosen = layers_to_screen(self.engine, parameters["incident_radius_nm"])
        last = [0.0]

        def told(done: int, total: int) -> None:
            progress.update(done=done, total=total)
            if time.monotonic() - last[0] >= 1.0 or done == total:
                last[0] = time.monotonic()
                with self.engine.begin() as connection:
                    if not beat(connection, job.id, job.attempts, done, total):
                        raise _Superseded

        client = self._dask()
        source = input_path(self.folder, job.id, job.input_kind)
        try:
            found = screen_tracks(
                client, [source], chosen, None, parameters.get("columns"),
                selection_of(parameters), told,
            )  # fmt: skip
        except TrackFileError as error:
            detail = str(error).replace(str(source), job.input_name)
            detail = detail.replace(source.name, job.input_name)
            return {"error": {"title": "Unreadable tracks", "status": 422, "detail": detail,
                              "errors": [{"field": "body", "reason": detail}]}}  # fmt: skip
        table = as_table(found)
        # Written beside, then moved into place: a job is never seen done with half its files.
        staging = self.folder / job.id / f"staging-{os.getpid()}-{job.attempts}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for name, write in RESULTS.items():
            write(table, staging / name)
            _sync(staging / name)
        final = result_path(self.folder, job.id, "x").parent
        shutil.rmtree(final, ignore_errors=True)
        staging.rename(final)
        return {"exposures": len(table), "flights": int(table["flight_id"].nunique())}
