"""Watched flights at scale (issue 12): how long one change takes to re-check 10,000 watches,
and the delay from a change to its webhooks.

    .venv/bin/python -m bench.generate --zones 1000     # bench/data/routes.json, if missing
    .venv/bin/python -m bench.watches --watches 10000

1. A database of its own (airspace_risk_bench_watches, 127.0.0.1:5432) with the bundled layers
   and N watches: the 1,000 bench routes (airport pairs), each flown tomorrow at 06:00 UTC by
   N/1,000 watches. Each route is checked once with the service's own code (what POST
   /v1/watches runs) and its row stored N/1,000 times under different ids.
2. One re-check pass, in this process, after each of: a zone no watched route comes near (the
   South Pacific); a zone across busy routes (eastern Mediterranean). Seconds of the pass,
   watches checked again, alerts written.
3. `airspace-risk serve` with a real receiver subscribed for the watches' key; a third zone
   across busy routes written through the API: time from its 201 to the first webhook and to
   the last, and how many arrived (one per alert).
Results: bench/data/watches.json and stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from shapely.geometry import box, mapping
from sqlalchemy import create_engine, text

from bench.generate import load_routes
from bench.http_throughput import ROOT, setup_database, start_server, stop_server

DATA = ROOT / "bench" / "data"
URL = "postgresql://postgres@127.0.0.1:5432/airspace_risk_bench_watches"
PORT = 8932
NOWHERE = box(-171.0, -51.0, -170.0, -50.0)
EAST_MED = box(29.0, 33.0, 36.0, 38.0)
LEVANT = box(35.0, 29.0, 40.0, 34.0)


def _zone(zone_id: str, area: Any) -> dict[str, Any]:
    """A zone from the surface up, in force since 2025."""
    return {
        "type": "Feature", "id": zone_id, "geometry": mapping(area),
        "properties": {
            "id": zone_id, "name": zone_id, "level": 3, "firs": [], "lower_ft": None,
            "upper_ft": None, "published_at": "2025-01-01T00:00:00Z",
            "valid_from": "2025-01-01T00:00:00Z", "end_basis": "until_further_notice",
            "threat": "bench", "issuer": "BENCH", "instrument": "bench",
            "sources": ["https://example.org/bench"], "certainty": "low",
        },
    }  # fmt: skip


def register_watches(count: int) -> tuple[int, str]:
    """Store `count` watches (see the module's text); the key id that owns them and its secret."""
    from app.core.watches.flights import WatchDefinition, corridor_lines, corridor_wkt, margin_nm
    from app.services.checkers import CheckerService
    from app.services.watches import check_flights, stored_form
    from app.store.api_keys import create_key
    from app.store.watches import insert_watch

    engine = create_engine(URL.replace("postgresql://", "postgresql+psycopg://"))
    checkers = CheckerService()
    departure = datetime.combine(
        (datetime.now(UTC) + timedelta(days=1)).date(), datetime.min.time(), UTC
    ) + timedelta(hours=6)
    routes = load_routes()
    per_route = max(1, count // len(routes))
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM watches"))
        key, secret = create_key(connection, "bench watches", "dispatcher")
    version, checker = checkers.checker_for(engine)
    now = datetime.now(UTC)
    started = time.perf_counter()
    for route in routes:
        definition = WatchDefinition.model_validate(
            {"check": {"departure": route["departure"], "destination": route["destination"],
                       "cruise_fl": 350},
             "schedule": {"departure_time": departure.isoformat()}}
        )  # fmt: skip
        checked = check_flights(definition, checker, version, now)
        lines = corridor_wkt(corridor_lines(definition.check))
        with engine.begin() as connection:
            for n in range(per_route):
                named = definition.model_copy(update={"id": f"{route['id']}-{n}"})
                row = stored_form(named, key.id, checked, version, now)
                insert_watch(connection, row, lines, margin_nm(definition.check))
    print(f"registered {per_route * len(routes)} watches in {time.perf_counter() - started:.1f} s")
    checkers.close()
    engine.dispose()
    return key.id, secret


def timed_pass(label: str, zone_id: str, area: Any) -> dict[str, Any]:
    """Write a zone (SQL, as an import would), then time one re-check pass."""
    from app.services.checkers import CheckerService
    from app.services.watch_rechecks import WatchRechecker

    engine = create_engine(URL.replace("postgresql://", "postgresql+psycopg://"))
    checkers = CheckerService()
    rechecker = WatchRechecker(engine, checkers, "http://127.0.0.1", 1.0)
    rechecker.run_once()  # the cursor up to date, and the checker built, before the change
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO conflict_zones (id, name, level, published_at, valid_from,"
                " end_basis, threat, issuer, instrument, sources, certainty, geom)"
                " VALUES (:id, :id, 3, '2025-01-01Z', '2025-01-01Z', 'until_further_notice',"
                " 'bench', 'BENCH', 'bench', ARRAY['https://example.org/'], 'low',"
                " ST_Multi(ST_GeomFromText(:wkt, 4326)))"
            ),
            {"id": zone_id, "wkt": area.wkt},
        )
    started = time.perf_counter()
    alerts = rechecker.run_once()
    seconds = time.perf_counter() - started
    checked, _ = rechecker.last_pass
    checkers.close()
    engine.dispose()
    result = {"change": label, "pass_s": seconds, "watches_checked": checked, "alerts": alerts}
    print(json.dumps(result))
    return result


def to_webhook(key_secret: str, expected: int) -> dict[str, Any]:
    """A zone written through the API, and the webhooks it brings to a real receiver."""
    from tests.webhook_receiver import Receiver

    env = {
        **os.environ, "DATABASE_URL": URL, "AIRSPACE_RISK_WEBHOOK_ALLOW_PRIVATE": "true",
        "AIRSPACE_RISK_LOG_LEVEL": "warning", "AIRSPACE_RISK_WRITE_RATE_PER_MINUTE": "1000",
    }  # fmt: skip
    with create_engine(URL.replace("postgresql://", "postgresql+psycopg://")).begin() as c:
        from app.store.api_keys import create_key

        editor = create_key(c, "bench editor", "editor")[1]
    base = f"http://127.0.0.1:{PORT}"
    with Receiver() as receiver:
        server = start_server(env, PORT, DATA / "watches_server.log")
        try:
            dispatcher = {"Authorization": f"Bearer {key_secret}"}
            httpx.post(f"{base}/v1/webhooks", json={"url": receiver.url}, headers=dispatcher,
                       timeout=60).raise_for_status()  # fmt: skip
            time.sleep(2.0)  # the server's first pass has brought the cursor up to date
            written = httpx.post(
                f"{base}/v1/conflict-zones", json=_zone("bench-levant", LEVANT),
                headers={"Authorization": f"Bearer {editor}"}, timeout=60,
            )  # fmt: skip
            written.raise_for_status()
            at = time.perf_counter()
            first = receiver.wait_for(1, 600)
            first_s = time.perf_counter() - at if first else None
            everything = receiver.wait_for(expected, 900)
            last_s = time.perf_counter() - at
        finally:
            stop_server(server)
    return {"first_webhook_s": first_s, "last_webhook_s": last_s,
            "webhooks": len(everything), "expected": expected}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--watches", type=int, default=10_000)
    args = parser.parse_args()
    setup_database({**os.environ, "DATABASE_URL": URL})
    with create_engine(URL.replace("postgresql://", "postgresql+psycopg://")).begin() as c:
        c.execute(text("DELETE FROM conflict_zones WHERE issuer = 'BENCH'"))  # an earlier run's
    _, secret = register_watches(args.watches)
    results: dict[str, Any] = {"watches": args.watches, "passes": []}
    results["passes"].append(timed_pass("a zone no watch meets", "bench-nowhere", NOWHERE))
    east_med = timed_pass("a zone across busy routes", "bench-east-med", EAST_MED)
    results["passes"].append(east_med)
    # The third change's alerts: as many as the watches it meets (measured by a pass's count).
    results["webhooks"] = to_webhook(secret, expected=_meeting(LEVANT))
    (DATA / "watches.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


def _meeting(area: Any) -> int:
    """How many watches' corridors cross an area (what the third change should alert)."""
    engine = create_engine(URL.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as connection:
        count = connection.execute(
            text("SELECT count(*) FROM watches WHERE ST_Intersects(corridor,"
                 " ST_GeomFromText(:wkt, 4326))"),
            {"wkt": area.wkt},
        ).scalar_one()  # fmt: skip
    engine.dispose()
    return int(count)


if __name__ == "__main__":
    main()
