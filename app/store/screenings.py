"""Screening jobs in the database: submitted, claimed by one process (SKIP LOCKED; a job whose
heartbeat stopped is claimed again), its progress, and its outcome."""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text


@dataclass(frozen=True)
class ScreeningJob:
    """One job as stored."""

    id: str
    key_id: int
    status: str
    submitted_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    attempts: int
    input_name: str
    input_kind: str
    input_bytes: int
    parameters: dict[str, Any]
    tasks_done: int
    tasks_total: int | None
    exposures: int | None
    flights: int | None
    error: dict[str, Any] | None


_COLUMNS = (
    "id, key_id, status, submitted_at, started_at, finished_at, attempts, input_name, "
    "input_kind, input_bytes, parameters, tasks_done, tasks_total, exposures, flights, error"
)


_SUBMIT = f"""
INSERT INTO screenings (id, key_id, input_name, input_kind, input_bytes, parameters)
VALUES (:id, :key_id, :name, :kind, :bytes, CAST(:parameters AS jsonb))
RETURNING {_COLUMNS}
"""  # noqa: S608 (constants only)


def _job(row: Any) -> ScreeningJob:
    """A row as a job."""
    return ScreeningJob(**dict(row))


def submit(
    connection: Connection,
    job_id: str,
    key_id: int,
    input_name: str,
    input_kind: str,
    input_bytes: int,
    parameters: dict[str, Any],
) -> ScreeningJob:
    """A new queued job."""
    row = connection.execute(
        text(_SUBMIT),
        {"id": job_id, "key_id": key_id, "name": input_name, "kind": input_kind,
         "bytes": input_bytes, "parameters": _json(parameters)},
    ).mappings().one()  # fmt: skip
    return _job(row)


def _json(value: object) -> str:
    """JSON text for a jsonb parameter."""
    return json.dumps(value)


def find(connection: Connection, job_id: str) -> ScreeningJob | None:
    """A job by id, None if there is none."""
    row = connection.execute(
        text(f"SELECT {_COLUMNS} FROM screenings WHERE id = :id"),  # noqa: S608 (constants only)
        {"id": job_id},
    ).mappings().one_or_none()  # fmt: skip
    return None if row is None else _job(row)


# The oldest waiting job, taken by one process: SKIP LOCKED passes over a row another process
# is claiming; a running job whose heartbeat is older than the lease belongs to a process that
# died (or lost its database) and is taken up again from the start.
_CLAIM = f"""
UPDATE screenings SET status = 'running', started_at = now(), heartbeat_at = now(),
    attempts = attempts + 1, tasks_done = 0, tasks_total = NULL
WHERE id = (
    SELECT id FROM screenings
    WHERE status = 'queued'
       OR (status = 'running' AND heartbeat_at < now() - make_interval(secs => :lease_s))
    ORDER BY submitted_at, id
    LIMIT 1
    FOR UPDATE SKIP LOCKED
)
RETURNING {_COLUMNS}
"""  # noqa: S608 (constants only)


def claim_next(connection: Connection, lease_s: float) -> ScreeningJob | None:
    """The next job to run, now marked running by this process (None: nothing waits)."""
    row = connection.execute(text(_CLAIM), {"lease_s": lease_s}).mappings().one_or_none()
    return None if row is None else _job(row)


def beat(connection: Connection, job_id: str, attempt: int, done: int, total: int) -> bool:
    """Record progress and that the job's process lives (False: the job is no longer this
    attempt's — another process took it over)."""
    result = connection.execute(
        text(
            "UPDATE screenings SET heartbeat_at = now(), tasks_done = :done, tasks_total = :total"
            " WHERE id = :id AND attempts = :attempt AND status = 'running'"
        ),
        {"id": job_id, "attempt": attempt, "done": done, "total": total},
    )
    return result.rowcount == 1


def finish(
    connection: Connection,
    job_id: str,
    attempt: int,
    exposures: int | None = None,
    flights: int | None = None,
    error: dict[str, Any] | None = None,
) -> bool:
    """The job's outcome: done with its counts, or failed with the problem (False: another
    attempt owns the job now; nothing is written)."""
    result = connection.execute(
        text(
            "UPDATE screenings SET status = :status, finished_at = now(), heartbeat_at = now(),"
            " exposures = :exposures, flights = :flights, error = CAST(:error AS jsonb)"
            " WHERE id = :id AND attempts = :attempt AND status = 'running'"
        ),
        {"id": job_id, "attempt": attempt, "status": "failed" if error else "done",
         "exposures": exposures, "flights": flights,
         "error": None if error is None else _json(error)},
    )  # fmt: skip
    return result.rowcount == 1
