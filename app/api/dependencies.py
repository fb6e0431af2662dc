"""Typed dependencies that routers declare: the engine and the settings."""

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine

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


EngineDep = Annotated[Engine, Depends(_engine)]
HazardSourceDep = Annotated[HazardSource, Depends(_hazard_source)]
SettingsDep = Annotated[Settings, Depends(_settings)]
