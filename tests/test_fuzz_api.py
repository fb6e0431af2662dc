"""schemathesis over the OpenAPI document against the real server, with no key and a key of
each role: whatever it generates, no 5xx. CI runs a small budget; the full run's figures are in
docs/reliability.md (`bench`-style: `schemathesis run … --max-examples 200`)."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from app.settings import Settings
from app.store.api_keys import create_key
from tests.conftest import LiveServer

MAX_EXAMPLES = int(os.environ.get("AIRSPACE_RISK_FUZZ_EXAMPLES", "10"))


@pytest.fixture(scope="module")
def fuzzed_server(writable_database_url: str) -> Iterator[LiveServer]:
    settings = Settings(database_url=writable_database_url, write_rate_per_minute=1_000_000)
    with LiveServer(settings) as server:
        yield server


@pytest.mark.parametrize("role", [None, "researcher", "reviewer", "editor", "admin"])
def test_no_generated_request_gets_a_server_error(
    fuzzed_server: LiveServer, writable_database_url: str, role: str | None
) -> None:
    headers: list[str] = []
    if role is not None:
        engine = create_engine(writable_database_url)
        with engine.begin() as connection:
            secret = create_key(connection, f"fuzz {role}", role)[1]
        engine.dispose()
        headers = ["-H", f"Authorization: Bearer {secret}"]
    command = [
        str(Path(sys.executable).parent / "schemathesis"), "run",
        f"{fuzzed_server.url}/openapi.json", "--checks", "not_a_server_error",
        "--max-examples", str(MAX_EXAMPLES), "--seed", "20261130", "--no-color", *headers,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stdout[-4000:]
    assert " passed" in done.stdout
