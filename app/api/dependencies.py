"""Typed dependencies that routers declare: the engine, the settings, the services.

They are `async def` on purpose: FastAPI runs a plain `def` dependency on the thread pool, and
under load that hop (a free thread, then the GIL) costs more than the lookup itself."""

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine

from app.services.checkers import CheckerService
from app.services.readiness_monitor import ReadinessMonitor
from app.services.route_check_gate import RouteCheckGate
from app.settings import Settings


async def _engine(request: Request) -> Engine:
    """The application's database engine."""
    engine: Engine = request.app.state.engine
    return engine


async def _settings(request: Request) -> Settings:
    """The application's settings."""
    settings: Settings = request.app.state.settings
    return settings


async def _checkers(request: Request) -> CheckerService:
    """The application's route checkers (current, and as of earlier times)."""
    checkers: CheckerService = request.app.state.checkers
    return checkers


async def _route_check_gate(request: Request) -> RouteCheckGate:
    """Where route checks run, a few at a time (AIRSPACE_RISK_ROUTE_CHECK_CONCURRENCY), with a
    bounded queue (AIRSPACE_RISK_ROUTE_CHECK_MAX_WAITING)."""
    gate: RouteCheckGate = request.app.state.route_check_gate
    return gate


async def _readiness(request: Request) -> ReadinessMonitor:
    """The application's readiness, checked in the background."""
    monitor: ReadinessMonitor = request.app.state.readiness
    return monitor


EngineDep = Annotated[Engine, Depends(_engine)]
RouteCheckGateDep = Annotated[RouteCheckGate, Depends(_route_check_gate)]
CheckersDep = Annotated[CheckerService, Depends(_checkers)]
SettingsDep = Annotated[Settings, Depends(_settings)]
ReadinessDep = Annotated[ReadinessMonitor, Depends(_readiness)]
