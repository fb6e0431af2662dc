"""Typed dependencies that routers declare: the engine and the settings."""

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine

from app.services.route_check_gate import RouteCheckGate
from app.settings import Settings
from app.store.hazard_source import HazardSource


def _engine(request: Request) -> Engine:
    """The application's database engine."""
    engine: Engine = request.app.state.engine
    return engine


def _settings(request: Request) -> Settings:
    """The application's settings."""
    settings: Settings = request.app.state.settings
    return settings


def _hazard_source(request: Request) -> HazardSource:
    """The application's cache of hazards, rebuilt when the data version changes."""
    source: HazardSource = request.app.state.hazard_source
    return source


def _route_check_gate(request: Request) -> RouteCheckGate:
    """Where route checks run, a few at a time (AIRSPACE_RISK_ROUTE_CHECK_CONCURRENCY), with a
    bounded queue (AIRSPACE_RISK_ROUTE_CHECK_MAX_WAITING)."""
    gate: RouteCheckGate = request.app.state.route_check_gate
    return gate


EngineDep = Annotated[Engine, Depends(_engine)]
RouteCheckGateDep = Annotated[RouteCheckGate, Depends(_route_check_gate)]
HazardSourceDep = Annotated[HazardSource, Depends(_hazard_source)]
SettingsDep = Annotated[Settings, Depends(_settings)]
