"""The FastAPI application factory."""

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from app import __version__
from app.api import (
    airports,
    audit,
    editing,
    health,
    incident_reports,
    map_page,
    navdata,
    openapi_30,
    reviews,
    route_checks,
    screenings,
    watches,
    webhooks,
)
from app.api.auth import reader
from app.api.body_limit import BodyLimitMiddleware
from app.api.features import queryables as feature_queryables
from app.api.features import router as features
from app.api.features import tiles as feature_tiles
from app.api.head_and_file_urls import HeadAndFileUrlsMiddleware
from app.api.openapi_doc import truthful_openapi
from app.api.problems import install_problem_handlers
from app.api.request_ids import RequestIdMiddleware
from app.api.request_metrics import RequestMetricsMiddleware
from app.api.responses import JsonResponse
from app.api.security_headers import SecurityHeadersMiddleware
from app.api.trusted_hosts import TrustedHostsMiddleware
from app.api.write_nudge import WriteNudgeMiddleware
from app.logging_setup import configure_logging
from app.metrics import DB_CONNECTIONS_IN_USE, ROUTE_CHECKS_RUNNING, ROUTE_CHECKS_WAITING, watch
from app.services.checkers import CheckerService
from app.services.readiness_monitor import ReadinessMonitor
from app.services.route_check_gate import RouteCheckGate
from app.services.screening_jobs import ScreeningRunner
from app.services.shared_edges import SharedEdges
from app.services.watch_rechecks import WatchRechecker
from app.services.webhook_delivery import WebhookDeliverer
from app.settings import Settings, get_settings
from app.store.engine import make_engine
from app.store.readiness import check_readiness

GIL_SWITCH_INTERVAL_S = 0.001
DESCRIPTION = (
    "Dangerous airspace as geometry: conflict zones, air-defence engagement areas and "
    "incidents, kept in PostGIS with sources and certainty. Every error is an RFC 9457 "
    "problem document."
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application; the engine opens with the app and closes with it."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Route checks run on threads of their own and hold the GIL for long stretches; the
        # event loop, and every probe it answers, waits for a switch each time it needs the
        # GIL back (5 ms by default, several times per request). 1 ms keeps probes prompt.
        sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
        app.state.engine = make_engine(settings)
        watch(DB_CONNECTIONS_IN_USE, app.state.engine.pool.checkedout)
        watch(ROUTE_CHECKS_WAITING, lambda: app.state.route_check_gate.waiting)
        watch(ROUTE_CHECKS_RUNNING, lambda: app.state.route_check_gate.running)
        engine = app.state.engine
        app.state.readiness = ReadinessMonitor(lambda: check_readiness(engine))
        app.state.readiness.start()
        deliverer = WebhookDeliverer(
            engine, settings.webhook_allow_private, settings.webhook_connect_timeout_s,
            settings.webhook_read_timeout_s, settings.webhook_first_retry_s,
        )  # fmt: skip
        app.state.webhook_deliverer = deliverer
        app.state.watch_rechecker = WatchRechecker(
            engine, app.state.checkers, settings.public_url, settings.watch_recheck_interval_s,
            on_alerts=deliverer.nudge,
        )  # fmt: skip
        app.state.watch_rechecker.start()
        if settings.webhook_delivery:
            deliverer.start()
        app.state.screening_runner = ScreeningRunner(
            engine, settings.screening_dir, settings.screening_scheduler,
            settings.screening_workers,
        )  # fmt: skip
        if settings.screening_jobs:
            app.state.screening_runner.start()
        try:
            yield
        finally:
            app.state.screening_runner.close()
            app.state.watch_rechecker.close()
            deliverer.close()
            app.state.readiness.close()
            app.state.checkers.close()
            app.state.route_check_gate.close()
            app.state.engine.dispose()

    app = FastAPI(
        title="Airspace Risk",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        default_response_class=JsonResponse,
        docs_url=None,  # served from here by api/map_page.py (Swagger UI from npm, offline)
        openapi_url="/openapi.json",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.checkers = CheckerService(
        settings.serve_stale_during_rebuild,
        settings.as_of_checkers_megabytes * 1024 * 1024,
        SharedEdges(settings.shared_checker_dir),
    )
    app.state.route_check_gate = RouteCheckGate(
        settings.route_check_concurrency, settings.route_check_max_waiting
    )
    app.add_middleware(
        BodyLimitMiddleware, max_bytes=settings.max_body_bytes,
        uploads={"/v1/screenings": settings.screening_max_upload_bytes},
    )  # fmt: skip
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(HeadAndFileUrlsMiddleware)
    # Absolute links and Location headers are built from Host: only names this service is
    # known by are answered (AIRSPACE_RISK_ALLOWED_HOSTS), others are a 400.
    app.add_middleware(TrustedHostsMiddleware, allowed_hosts=settings.allowed_hosts)
    app.add_middleware(RequestMetricsMiddleware)
    app.add_middleware(WriteNudgeMiddleware)
    app.add_middleware(RequestIdMiddleware)
    install_problem_handlers(app)
    app.openapi = lambda: truthful_openapi(app)  # type: ignore[method-assign]
    app.include_router(health.router)
    app.include_router(openapi_30.router)
    # Reading is open unless AIRSPACE_RISK_READ_REQUIRES_KEY is set (then any live key reads).
    readers = [Depends(reader)]
    app.include_router(route_checks.router, dependencies=readers)
    app.include_router(navdata.router, dependencies=readers)
    app.include_router(airports.router, dependencies=readers)
    app.include_router(features.router, dependencies=readers)
    app.include_router(feature_queryables.router, dependencies=readers)
    app.include_router(feature_tiles.router, dependencies=readers)
    app.include_router(incident_reports.router)
    # Before editing's /v1/{layer} routes, which would take /v1/watches for a layer's name.
    app.include_router(watches.router)
    app.include_router(webhooks.router)
    app.include_router(screenings.router)
    app.include_router(editing.router, dependencies=readers)
    app.include_router(reviews.router)
    app.include_router(audit.router)
    app.include_router(map_page.router)
    map_page.mount_static(app)
    configure_logging(settings.log_level)
    return app
