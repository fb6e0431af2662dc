"""Liveness and readiness probes."""

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from app.api.dependencies import ReadinessDep
from app.api.problems import Problem
from app.api.responses import JsonResponse
from app.metrics import REGISTRY

router = APIRouter(tags=["health"])


@router.get("/healthz", operation_id="healthz", summary="The process is up")
async def healthz() -> JsonResponse:
    """Answer as long as the process serves requests; touches nothing else."""
    return JsonResponse({"status": "ok"})


@router.get(
    "/readyz",
    operation_id="readyz",
    summary="The database is reachable, PostGIS present and migrations at head",
    responses={503: {"description": "Not ready; the problem document lists each check"}},
)
async def readyz(monitor: ReadinessDep) -> JsonResponse:
    """Ready only when every check passes; otherwise a 503 problem with the checks."""
    # The background monitor's result when recent (answers at once under load), else checked now.
    readiness = monitor.fresh()
    if readiness is None:
        age_s = monitor.age_s()
        if age_s is not None:
            # The monitor has stalled (the database does not answer, or the process is starved):
            # unknown, which is not ready; answered at once, without waiting for it.
            raise Problem(
                503, f"not ready (readiness unknown: no check has completed for {age_s:.0f} s)",
                "not-ready", extra={"checks": {"readiness": "unknown"}},
            )  # fmt: skip
        readiness = await run_in_threadpool(monitor.check_now)  # the first, at start-up
    if not readiness.ready:
        failing = ", ".join(
            f"{k}: {v}" for k, v in readiness.checks.items() if not v.startswith("ok")
        )
        raise Problem(
            503, f"not ready ({failing})", "not-ready", extra={"checks": readiness.checks}
        )
    return JsonResponse({"status": "ready", "checks": readiness.checks})


@router.get(
    "/metrics",
    operation_id="metrics",
    summary="Metrics in Prometheus text form",
    response_class=PlainTextResponse,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}},
)
async def metrics() -> Response:
    """Requests and latencies, the route-check queue, checker builds, connections in use."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
