"""Fixtures: a fresh PostGIS database per test run, a rolled-back transaction per test, and a
real HTTP server on 127.0.0.1."""

import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.engine import make_url

from app.api.http_server import server_config
from app.main import create_app
from app.settings import DEFAULT_DATABASE_URL, PROJECT_ROOT, Settings
from app.store import migrations
from app.store.layer_import import load_bundled
from app.store.provisioning import drop_database, ensure_database, ensure_postgis

GEODATA = PROJECT_ROOT / "geodata"

# Property tests explore new examples on developers' machines; in CI they replay the same
# derandomised ones, so that a submission's result does not depend on luck.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


def _server_url() -> str:
    """The PostgreSQL server the run uses (make test exports DATABASE_URL)."""
    return os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def new_database(purpose: str) -> str:
    """Create an empty database with PostGIS for this run; return its SQLAlchemy URL."""
    name = f"airspace_risk_test_{purpose}_{os.getpid()}_{secrets.token_hex(3)}"
    url = make_url(_server_url()).set(drivername="postgresql+psycopg", database=name)
    rendered = url.render_as_string(hide_password=False)
    ensure_database(rendered)
    ensure_postgis(rendered)
    return rendered


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A fresh database at the head migration, dropped after the run."""
    url = new_database("main")
    migrations.upgrade(url)
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the run's database."""
    engine = create_engine(database_url, connect_args={"options": "-c timezone=UTC"})
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture
def output_dir(request: pytest.FixtureRequest) -> Path:
    """A folder under test-output/ for what a test saves for people to look at."""
    path: Path = PROJECT_ROOT / "test-output" / request.node.name
    path.mkdir(parents=True, exist_ok=True)
    return path


def _free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LiveServer:
    """A uvicorn server running the app in a thread, on its own port."""

    def __init__(self, settings: Settings) -> None:
        self.port = _free_port()
        self.app = create_app(settings)
        # The production server configuration, header limits and all (api/http_server.py).
        config = server_config(self.app, settings, "127.0.0.1", self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        """Base URL of the server."""
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(database_url: str) -> Iterator[LiveServer]:
    """The real HTTP server on the run's database."""
    with LiveServer(Settings(database_url=database_url)) as server:
        yield server


def loaded_database(purpose: str) -> str:
    """A new database at head with the bundled layers loaded and committed."""
    url = new_database(purpose)
    migrations.upgrade(url)
    engine = create_engine(url)
    with engine.begin() as connection:
        load_bundled(connection, GEODATA)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def loaded_database_url() -> Iterator[str]:
    """A database of its own with the bundled layers (read-only use)."""
    url = loaded_database("layers")
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def layers_server(loaded_database_url: str) -> Iterator[LiveServer]:
    """The real HTTP server over the bundled layers."""
    with LiveServer(Settings(database_url=loaded_database_url)) as server:
        yield server


@pytest.fixture(scope="module")
def writable_database_url() -> Iterator[str]:
    """A database of its own, bundled layers loaded, for tests that write through the API."""
    url = loaded_database("writes")
    yield url
    drop_database(url)


@pytest.fixture(scope="module")
def write_server(writable_database_url: str) -> Iterator[LiveServer]:
    """The real server over that database."""
    settings = Settings(database_url=writable_database_url, write_rate_per_minute=10_000)
    with LiveServer(settings) as server:
        yield server


@pytest.fixture(scope="session")
def openapi_document(layers_server: LiveServer) -> dict[str, Any]:
    """The OpenAPI document the server serves."""
    answer = httpx.get(f"{layers_server.url}/openapi.json", timeout=30)
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body
