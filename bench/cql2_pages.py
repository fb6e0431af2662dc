"""CQL2-filtered pages against tipg 1.6 on the same PostGIS table, and gzip under load.

    .venv/bin/python -m bench.generate --zones 100000 --load       # once: bench_zones_100000
    python3 -m venv /tmp/tipg-venv && /tmp/tipg-venv/bin/pip install 'tipg==1.6.*'
    .venv/bin/python -m bench.cql2_pages --zones 10000 --zones 100000 [--duration 15] [--rounds 2]

Set-up as in bench/features.py (database airspace_risk_featbench, the first N synthetic zones
as conflict_zones rows, ours = `airspace-risk serve`, tipg = `uvicorn tipg.main:app` from
--tipg-venv, one process each, on loopback, ports 8191 and 8192). The rows that bench/features.py
loads all carry the same issuer, certainty and dates; here every row still marked
instrument = 'bench' gets, from the md5 of its id (so the same for any N and any run): a name
'<region> <instrument> <id>' (12 regions), an instrument (6), an issuer (8), a certainty (3), a
threat (6), published_at 2018-01-01 + 0..2999 days, valid_from 0..29 days later and, for two
rows in three, valid_to 30..729 days after that (end_basis stated; else open, until further
notice). Geometry, level and altitude band are the synthetic zone's.

Measured for each N (increasing; the table is only grown):
  - CQL2 pages: items?limit=100&filter-lang=cql2-text&filter=... for six analyst filters
    (FILTERS below), each a fixed seeded sequence of 200 values, the same for both servers
    (tipg names the geometry `geom`, ours `geometry`). First --check requests per filter: both
    servers' numberMatched and page ids, ours with the same filter as cql2-json, and
    count(*) of the same predicate run by psycopg. Then wrk, 2 threads x --connections,
    --duration s per test after a 3 s warm-up, --rounds rounds alternating ours/tipg: req/s,
    p50, p95, errors, bytes per response, CPU of the server process and of the database's
    backends per request.
  - probes, checked but not loaded: T_INTERSECTS(INTERVAL(valid_from, valid_to), ...) (the two
    servers read a null valid_to differently) and S_INTERSECTS(geometry, BBOX(...)).
  - gzip: the dense pages of bench/features.py (items?limit=100&bbox=<5 deg box around a zone>)
    with and without Accept-Encoding: gzip, for both servers, under the same wrk load; bytes
    per page measured with curl (--compressed and not) on the first 10 pages.
Results: bench/data/cql2_results<--tag>.json, bench/data/cql2_summary<--tag>.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import statistics
import subprocess
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cql2
import httpx
import psycopg

from bench.features import (
    DATA,
    DB_NAME,
    DB_URL,
    HOST,
    ROOT,
    WRK_LUA,
    Server,
    boxes,
    setup_database,
    wrk_output,
)

BIN = ROOT / ".venv" / "bin"
SEED = 20261130
VALUES = 200  # filter values per filter, cycled by wrk
OURS_COLLECTION = "/collections/conflict_zones/items"
TIPG_COLLECTION = "/collections/public.conflict_zones/items"
REGIONS = [
    "Black Sea", "Eastern Mediterranean", "Persian Gulf", "Red Sea", "Sahel", "Horn of Africa",
    "Caucasus", "Baltic", "Levant", "Arabian Peninsula", "Central Asia", "South China Sea",
]  # fmt: skip
INSTRUMENTS = ["CZIB", "SFAR", "NOTAM", "AIC", "Safety Directive", "Information Note"]
ISSUERS = ["EASA", "FAA", "UK DfT", "DGAC", "LBA", "ENAC", "Transport Canada", "ICAO"]
CERTAINTIES = ["high", "medium", "low"]
THREATS = [
    "missile", "uas", "gnss-interference", "anti-aircraft", "military-activity", "armed-conflict"
]  # fmt: skip


def _sql_array(values: list[str]) -> str:
    return "ARRAY[" + ", ".join(f"'{v}'" for v in values) + "]"


VARY_SQL = f"""
WITH h AS (
  SELECT id,
    ('x' || substr(md5(id), 1, 8))::bit(32)::bigint AS h1,
    ('x' || substr(md5(id), 9, 8))::bit(32)::bigint AS h2,
    ('x' || substr(md5(id), 17, 8))::bit(32)::bigint AS h3,
    ('x' || substr(md5(id), 25, 8))::bit(32)::bigint AS h4
  FROM conflict_zones WHERE instrument = 'bench'
), v AS (
  SELECT id,
    ({_sql_array(REGIONS)})[1 + h1 % 12] AS region,
    ({_sql_array(INSTRUMENTS)})[1 + h2 % 6] AS instrument,
    ({_sql_array(ISSUERS)})[1 + (h2 / 6) % 8] AS issuer,
    ({_sql_array(CERTAINTIES)})[1 + h3 % 3] AS certainty,
    ({_sql_array(THREATS)})[1 + (h3 / 3) % 6] AS threat,
    timestamptz '2018-01-01Z' + (h4 % 3000) * interval '1 day' AS published,
    (h4 / 3000) % 30 AS lag_days,
    (h1 / 12) % 3 AS open_ended,
    30 + (h2 / 48) % 700 AS span_days
  FROM h
)
UPDATE conflict_zones z SET
  name = v.region || ' ' || v.instrument || ' ' || z.id,
  instrument = v.instrument, issuer = v.issuer, certainty = v.certainty, threat = v.threat,
  published_at = v.published, valid_from = v.published + v.lag_days * interval '1 day',
  valid_to = CASE WHEN v.open_ended = 0 THEN NULL
             ELSE v.published + (v.lag_days + v.span_days) * interval '1 day' END,
  end_basis = CASE WHEN v.open_ended = 0 THEN 'until_further_notice' ELSE 'stated' END
FROM v WHERE z.id = v.id
"""  # noqa: S608 (this module's constants)


# ---------------------------------------------------------------- data


def vary_columns(db_url: str = DB_URL) -> int:
    """Give rows still marked instrument = 'bench' their analyst-facing values (see above)."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        started = time.perf_counter()
        changed = conn.execute(VARY_SQL).rowcount
        if changed:
            # FULL: the UPDATE leaves a dead copy of each row (geometries are stored inline,
            # about 4.6 kB a row); a plain VACUUM keeps the file at about 1.8 times the size,
            # and every sequential scan (numberMatched of a filter without a box) reads it all.
            conn.execute("VACUUM FULL ANALYZE conflict_zones")
            print(f"varied {changed} rows in {time.perf_counter() - started:.1f} s", flush=True)
        return changed


def table_size(db_url: str = DB_URL) -> dict[str, Any]:
    with psycopg.connect(db_url) as conn:
        heap, total, rows = conn.execute(
            "SELECT pg_relation_size('conflict_zones'), pg_total_relation_size('conflict_zones'),"
            " (SELECT count(*) FROM conflict_zones)"
        ).fetchone()  # type: ignore[misc]
    return {"heap_bytes": heap, "total_bytes": total, "rows": rows}


# ---------------------------------------------------------------- filters


@dataclass(frozen=True)
class Case:
    """One filter value: the cql2-text for each server, extra query parameters, and the same
    predicate as SQL (psycopg placeholders) with its parameters."""

    ours: str
    tipg: str
    extra: str
    sql: str
    params: tuple[Any, ...]


def _both(text: str, extra: str, sql: str, *params: Any) -> Case:
    return Case(text, text, extra, sql, params)


def _dense_box(rng: random.Random) -> tuple[float, float, float, float]:
    if not _DENSE:
        _DENSE.extend(boxes("zones"))
    return rng.choice(_DENSE)


_DENSE: list[tuple[float, float, float, float]] = []


def f_numeric(rng: random.Random) -> Case:
    t = rng.randrange(10_000, 45_001, 500)
    return _both(f"upper_ft >= {t}", "", "upper_ft >= %s", t)


def f_like(rng: random.Random) -> Case:
    pattern = f"%{rng.choice(REGIONS)}%{rng.randrange(10)}"
    return _both(f"name LIKE '{pattern}'", "", "name LIKE %s", pattern)


def f_in(rng: random.Random) -> Case:
    issuers, certainties = rng.sample(ISSUERS, 2), rng.sample(CERTAINTIES, 2)

    def listed(values: list[str]) -> str:
        return ", ".join(f"'{v}'" for v in values)

    text = f"issuer IN ({listed(issuers)}) AND certainty IN ({listed(certainties)})"
    return _both(text, "", "issuer = ANY(%s) AND certainty = ANY(%s)", issuers, certainties)


def f_polygon(rng: random.Random) -> Case:
    """A diamond (the 5 deg box's side midpoints) where the zones are, and a level cap."""
    x1, y1, x2, y2 = _dense_box(rng)
    cx, cy = round((x1 + x2) / 2, 3), round((y1 + y2) / 2, 3)
    ring = [(cx, y1), (x2, cy), (cx, y2), (x1, cy), (cx, y1)]
    wkt = "POLYGON((" + ", ".join(f"{x} {y}" for x, y in ring) + "))"
    level = rng.choice([1, 2])
    return Case(
        f"S_INTERSECTS(geometry, {wkt}) AND level <= {level}",
        f"S_INTERSECTS(geom, {wkt}) AND level <= {level}",
        "",
        "ST_Intersects(geom, ST_GeomFromText(%s, 4326)) AND level <= %s",
        (wkt, level),
    )


def _window(rng: random.Random) -> tuple[str, str]:
    start = datetime(2018, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(3500))
    end = start + timedelta(days=rng.randrange(7, 181), seconds=-1)
    return start.strftime("%Y-%m-%dT%H:%M:%SZ"), end.strftime("%Y-%m-%dT%H:%M:%SZ")


def f_in_force(rng: random.Random) -> Case:
    """In force at some time in a window; a null valid_to is open (until further notice)."""
    t1, t2 = _window(rng)
    text = (
        f"valid_from <= TIMESTAMP('{t2}') AND (valid_to IS NULL OR valid_to >= TIMESTAMP('{t1}'))"
    )
    return _both(
        text,
        "",
        "valid_from <= %s::timestamptz AND (valid_to IS NULL OR valid_to >= %s::timestamptz)",
        t2,
        t1,
    )


def f_bbox_filter(rng: random.Random) -> Case:
    """The bbox parameter (a dense 5 deg box) with a filter on certainty and ceiling."""
    x1, y1, x2, y2 = _dense_box(rng)
    certainty, t = rng.choice(CERTAINTIES), rng.randrange(10_000, 45_001, 500)
    return _both(
        f"certainty = '{certainty}' AND (upper_ft IS NULL OR upper_ft >= {t})",
        f"&bbox={x1},{y1},{x2},{y2}",
        "ST_Intersects(geom, ST_MakeEnvelope(%s, %s, %s, %s, 4326)) AND certainty = %s"
        " AND (upper_ft IS NULL OR upper_ft >= %s)",
        x1,
        y1,
        x2,
        y2,
        certainty,
        t,
    )


FILTERS: dict[str, Callable[[random.Random], Case]] = {
    "numeric": f_numeric,
    "like": f_like,
    "in": f_in,
    "polygon": f_polygon,
    "in_force": f_in_force,
    "bbox+filter": f_bbox_filter,
}


def cases(name: str) -> list[Case]:
    rng = random.Random(f"{SEED}-{name}")
    return [FILTERS[name](rng) for _ in range(VALUES)]


def path(collection: str, text: str, extra: str = "", lang: str = "cql2-text") -> str:
    return (
        f"{collection}?limit=100&filter-lang={lang}&filter={urllib.parse.quote(text, safe='')}"
        f"{extra}"
    )


def ours_path(case: Case) -> str:
    return path(OURS_COLLECTION, case.ours, case.extra)


def tipg_path(case: Case) -> str:
    return path(TIPG_COLLECTION, case.tipg, case.extra)


# ---------------------------------------------------------------- servers


def start_ours(port: int) -> Server:
    env = {**os.environ, "DATABASE_URL": DB_URL, "PYTHONFAULTHANDLER": "1"}
    return Server(
        "ours",
        [str(BIN / "airspace-risk"), "serve", "--host", HOST, "--port", str(port)],
        env,
        port,
        f"{OURS_COLLECTION}?limit=1",
        log=DATA / "cql2_server_ours.log",
    )


def start_tipg(venv: Path, port: int) -> Server:
    env = {
        **os.environ,
        "DATABASE_URL": DB_URL,
        "TIPG_DB_SCHEMAS": '["public"]',
        "TIPG_MAX_FEATURES_PER_QUERY": "100000",
    }
    argv = [str(venv / "bin" / "uvicorn"), "tipg.main:app", "--host", HOST, "--port", str(port)]
    return Server(
        "tipg",
        [*argv, "--workers", "1"],
        env,
        port,
        f"{TIPG_COLLECTION}?limit=1",
        log=DATA / "cql2_server_tipg.log",
    )


TICK = os.sysconf("SC_CLK_TCK")


def cpu_snapshot(server: Server) -> dict[str, float]:
    """CPU seconds (user + system) so far, by whose they are:
    server: the server's process group (it runs in a session of its own);
    db: PostgreSQL's live processes except backends of other databases, plus what the
        postmaster's reaped children used (a backend that exits during a test moves from one
        sum to the other; this bench's pools are what open and close connections);
    db_other: live backends of other databases (someone else's work on the same cluster);
    busy: the whole machine (/proc/stat); wrk: this process's reaped children (wrk)."""
    out = {"server": 0.0, "db": 0.0, "db_other": 0.0}
    postgres: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            used = (int(fields[11]) + int(fields[12])) / TICK
            if int(fields[2]) == server.proc.pid:
                out["server"] += used
            elif stat[stat.index("(") + 1 : stat.rindex(")")] == "postgres":
                postgres[int(entry.name)] = fields
                title = (entry / "cmdline").read_bytes()
                other = title.startswith(b"postgres: ") and b" postgres " in title
                other = other and f" {DB_NAME} ".encode() not in title
                out["db_other" if other else "db"] += used
        except (OSError, ValueError):
            continue
    out["db"] += sum(
        (int(f[13]) + int(f[14])) / TICK for f in postgres.values() if int(f[1]) not in postgres
    )  # the postmaster (its parent is not a postgres process): children it has reaped
    cpu = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    out["busy"] = sum(int(cpu[i]) for i in (0, 1, 2, 5, 6, 7)) / TICK
    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    out["wrk"] = child.ru_utime + child.ru_stime
    return out


# ---------------------------------------------------------------- load


def run_wrk(
    server: Server,
    paths: list[str],
    duration: int,
    connections: int,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    lua_headers = (
        "{"
        + ", ".join(f"[{json.dumps(k)}]={json.dumps(v)}" for k, v in (headers or {}).items())
        + "}"
    )
    script = (
        WRK_LUA.replace("{paths}", "{" + ",".join(json.dumps(p) for p in paths) + "}")
        .replace("{headers}", lua_headers)
        .replace("{stride}", str(len(paths) // 2))
    )
    before = cpu_snapshot(server)
    out = wrk_output(server, script, duration, connections)
    after = cpu_snapshot(server)
    used = {k: after[k] - before[k] for k in after}
    cpu, db = used["server"], used["db"]
    others = used["busy"] - cpu - db - used["wrk"]  # db_other included
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    n, dur_us, p50, p95, p99, mean, status_err, sock_err, nbytes = line.split()[1:]
    seconds = int(dur_us) / 1e6
    return {
        "requests": int(n),
        "seconds": seconds,
        "rps": int(n) / seconds,
        "p50_ms": float(p50) / 1000,
        "p95_ms": float(p95) / 1000,
        "p99_ms": float(p99) / 1000,
        "mean_ms": float(mean) / 1000,
        "errors": int(status_err) + int(sock_err),
        "bytes_per_response": int(nbytes) / max(int(n), 1),
        "server_cpu_s": cpu,
        "server_cpu_ms_per_req": 1000 * cpu / max(int(n), 1),
        "server_cores": cpu / seconds,
        "db_cpu_ms_per_req": 1000 * db / max(int(n), 1),
        "db_cores": db / seconds,
        "wrk_cores": used["wrk"] / seconds,
        "other_cores": others / seconds,
        "other_db_cores": used["db_other"] / seconds,
        "machine_cores": used["busy"] / seconds,
        "loadavg_after": os.getloadavg()[0],
    }


# ---------------------------------------------------------------- agreement


def _page(client: httpx.Client, url: str) -> tuple[int, Any, list[str], str]:
    r = client.get(url, headers={"Accept-Encoding": "identity"})
    if r.status_code != 200:
        return r.status_code, None, [], r.text[:300]
    body = r.json()
    return 200, body.get("numberMatched"), [str(f["id"]) for f in body["features"]], ""


def check_filter(ours: Server, tipg: Server, name: str, count: int) -> dict[str, Any]:
    """numberMatched and page ids on both servers, ours' cql2-json, and PostgreSQL's count."""
    tally = {"matched_equal": 0, "ids_equal": 0, "order_equal": 0, "json_equal": 0, "sql_equal": 0}
    matched: list[int] = []
    notes: list[dict[str, Any]] = []
    with (
        httpx.Client(timeout=120) as client,
        psycopg.connect(DB_URL, autocommit=True) as conn,
    ):
        for case in cases(name)[:count]:
            sa, ma, ia, ea = _page(client, ours.url(ours_path(case)))
            sb, mb, ib, eb = _page(client, tipg.url(tipg_path(case)))
            as_json = json.dumps(cql2.parse_text(case.ours).to_json())
            sj, mj, ij, _ = _page(
                client, ours.url(path(OURS_COLLECTION, as_json, case.extra, "cql2-json"))
            )
            sql = f"SELECT count(*) FROM conflict_zones WHERE retired_at IS NULL AND {case.sql}"  # noqa: S608
            counted = conn.execute(sql, case.params).fetchone()[0]  # type: ignore[index]
            ok = sa == sb == 200
            tally["matched_equal"] += ok and ma == mb
            tally["ids_equal"] += ok and set(ia) == set(ib)
            tally["order_equal"] += ok and ia == ib
            tally["json_equal"] += sa == sj == 200 and (ma, ia) == (mj, ij)
            tally["sql_equal"] += sa == 200 and ma == counted
            if ma is not None:
                matched.append(ma)
            if not (ok and ma == mb == counted and ia == ib) and len(notes) < 5:
                notes.append(
                    {
                        "ours": case.ours,
                        "tipg": case.tipg,
                        "extra": case.extra,
                        "status": [sa, sb],
                        "matched": [ma, mb, counted],
                        "only_ours": sorted(set(ia) - set(ib))[:5],
                        "only_tipg": sorted(set(ib) - set(ia))[:5],
                        "errors": [ea, eb],
                    }
                )
    return {
        "filter": name,
        "requests": count,
        **tally,
        "example": cases(name)[0].ours + cases(name)[0].extra,
        "matched_median": statistics.median(matched) if matched else None,
        "matched_min": min(matched, default=None),
        "matched_max": max(matched, default=None),
        "differences": notes,
    }


def probes(ours: Server, tipg: Server, count: int = 5) -> list[dict[str, Any]]:
    """Filters the two servers answer differently: not loaded, recorded."""
    out: list[dict[str, Any]] = []
    rng = random.Random(f"{SEED}-probes")
    with (
        httpx.Client(timeout=120) as client,
        psycopg.connect(DB_URL, autocommit=True) as conn,
    ):
        for _ in range(count):
            t1, t2 = _window(rng)
            text = f"T_INTERSECTS(INTERVAL(valid_from, valid_to), INTERVAL('{t1}', '{t2}'))"
            sa, ma, _, ea = _page(client, ours.url(path(OURS_COLLECTION, text)))
            sb, mb, _, eb = _page(client, tipg.url(path(TIPG_COLLECTION, text)))
            open_end = conn.execute(
                "SELECT count(*) FROM conflict_zones WHERE valid_from <= %s::timestamptz"
                " AND (valid_to IS NULL OR valid_to >= %s::timestamptz)",
                (t2, t1),
            ).fetchone()[0]  # type: ignore[index]
            plain = conn.execute(
                "SELECT count(*) FROM conflict_zones WHERE valid_from <= %s::timestamptz"
                " AND valid_to >= %s::timestamptz",
                (t2, t1),
            ).fetchone()[0]  # type: ignore[index]
            out.append(
                {
                    "probe": "t_intersects",
                    "filter": text,
                    "status": [sa, sb],
                    "matched": [ma, mb],
                    "sql_null_open": open_end,
                    "sql_plain": plain,
                    "errors": [ea, eb],
                }
            )
        for box in boxes("zones")[:count]:
            bbox = ", ".join(str(v) for v in box)
            ours_text = f"S_INTERSECTS(geometry, BBOX({bbox}))"
            tipg_text = f"S_INTERSECTS(geom, BBOX({bbox}))"
            sa, ma, _, ea = _page(client, ours.url(path(OURS_COLLECTION, ours_text)))
            sb, mb, _, eb = _page(client, tipg.url(path(TIPG_COLLECTION, tipg_text)))
            counted = conn.execute(
                "SELECT count(*) FROM conflict_zones"
                " WHERE ST_Intersects(geom, ST_MakeEnvelope(%s, %s, %s, %s, 4326))",
                box,
            ).fetchone()[0]  # type: ignore[index]
            out.append(
                {
                    "probe": "s_intersects_bbox",
                    "filter": [ours_text, tipg_text],
                    "status": [sa, sb],
                    "matched": [ma, mb],
                    "sql": counted,
                    "errors": [ea, eb],
                }
            )
    return out


# ---------------------------------------------------------------- gzip


def dense_paths(collection: str) -> list[str]:
    return [f"{collection}?limit=100&bbox={a},{b},{c},{d}" for a, b, c, d in boxes("zones")]


def curl_size(url: str, compressed: bool) -> tuple[int, float, dict[str, str]]:
    """Bytes on the wire (size_download), total seconds, and the Content-Encoding."""
    argv = ["curl", "-s", "-o", "/dev/null", "-D", "-"]
    argv += ["--compressed"] if compressed else []
    argv += ["-w", "RESULT %{size_download} %{time_total}", url]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=True).stdout
    head, _, tail = out.rpartition("RESULT ")
    size, seconds = tail.split()
    headers = {
        k.strip().lower(): v.strip()
        for k, _, v in (line.partition(":") for line in head.splitlines()[1:] if ":" in line)
    }
    return int(size), float(seconds), {"content-encoding": headers.get("content-encoding", "")}


def gzip_sizes(server: Server, collection: str, count: int = 10) -> dict[str, Any]:
    plain, packed, encodings, same = [], [], set(), 0
    with httpx.Client(timeout=120) as client:
        for p in dense_paths(collection)[:count]:
            a, _, _ = curl_size(server.url(p), compressed=False)
            b, _, enc = curl_size(server.url(p), compressed=True)
            plain.append(a)
            packed.append(b)
            encodings.add(enc["content-encoding"])
            raw = client.get(server.url(p), headers={"Accept-Encoding": "identity"})
            zipped = client.get(server.url(p), headers={"Accept-Encoding": "gzip"})
            # httpx decodes the gzip body; compare it with the plain one
            same += json.loads(raw.content) == json.loads(zipped.content)
    levels = {}
    body = raw.content  # the last page, uncompressed
    for level in (1, 6, 9):
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            packed_body = gzip.compress(body, level)
            times.append(time.perf_counter() - t0)
        levels[str(level)] = {
            "ms": 1000 * statistics.median(times),
            "bytes": len(packed_body),
            "of": len(body),
        }
    return {
        "pages": count,
        "levels_one_page": levels,
        "plain_bytes_median": statistics.median(plain),
        "gzip_bytes_median": statistics.median(packed),
        "ratio_median": statistics.median(b / a for a, b in zip(plain, packed, strict=True)),
        "content_encoding": sorted(encodings),
        "same_json": same,
    }


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--zones", type=int, action="append")
    parser.add_argument("--duration", type=int, default=15, help="wrk seconds per test")
    parser.add_argument("--rounds", type=int, default=2, help="ours/tipg alternations")
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--check", type=int, default=20, help="requests checked per filter")
    parser.add_argument("--filters", nargs="*", default=list(FILTERS), choices=list(FILTERS))
    parser.add_argument("--no-gzip", action="store_true")
    parser.add_argument("--tipg-venv", type=Path, default=Path("/tmp/tipg-venv"))
    parser.add_argument("--port", type=int, default=8191, help="ours; tipg on port + 1")
    parser.add_argument("--tag", default="", help="suffix of the result files' names")
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    git = ["git", "-C", str(ROOT)]
    results: dict[str, Any] = {
        "commit": subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip(),
        "dirty": subprocess.run(
            [*git, "status", "--short"], capture_output=True, text=True, check=True
        ).stdout.splitlines(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "tipg": subprocess.run(
            [str(args.tipg_venv / "bin" / "python"), "-c", "import tipg; print(tipg.__version__)"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip(),
        "args": {k: str(v) for k, v in vars(args).items()},
        "runs": [],
    }
    started = time.perf_counter()
    for count in sorted(args.zones or [10_000, 100_000]):
        print(f"\n=== {count} zones ({time.perf_counter() - started:.0f} s) ===", flush=True)
        setup_database(count)
        vary_columns()
        run: dict[str, Any] = {"zones": count, "checks": [], "cql2": [], "gzip": []}
        run["table"] = table_size()
        print("table:", run["table"], flush=True)
        ours = start_ours(args.port)
        tipg = start_tipg(args.tipg_venv, args.port + 1)
        try:
            for name in args.filters:
                check = check_filter(ours, tipg, name, args.check)
                run["checks"].append(check)
                print("check:", {k: v for k, v in check.items() if k != "differences"}, flush=True)
                for note in check["differences"]:
                    print("  differs:", note, flush=True)
            run["probes"] = probes(ours, tipg)
            for probe in run["probes"]:
                print("probe:", probe, flush=True)
            for name in args.filters:
                paths = {
                    "ours": [ours_path(c) for c in cases(name)],
                    "tipg": [tipg_path(c) for c in cases(name)],
                }
                servers = (("ours", ours), ("tipg", tipg))
                for label, server in servers:  # warm-up
                    run_wrk(server, paths[label], 3, args.connections)
                for round_no in range(args.rounds):
                    for label, server in servers:
                        r = run_wrk(server, paths[label], args.duration, args.connections)
                        r |= {"server": label, "filter": name, "round": round_no + 1}
                        r["alive"] = server.alive()
                        run["cql2"].append(r)
                        print(
                            f"cql2 {name} {label} round {round_no + 1}: {r['rps']:.1f} req/s,"
                            f" p50 {r['p50_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms,"
                            f" errors {r['errors']}, cpu {r['server_cpu_ms_per_req']:.1f}"
                            f" + db {r['db_cpu_ms_per_req']:.1f} ms/req,"
                            f" other {r['other_cores']:.2f} cores",
                            flush=True,
                        )
            if not args.no_gzip:
                run["gzip_sizes"] = {
                    "ours": gzip_sizes(ours, OURS_COLLECTION),
                    "tipg": gzip_sizes(tipg, TIPG_COLLECTION),
                }
                print("gzip sizes:", run["gzip_sizes"], flush=True)
                dense = {"ours": dense_paths(OURS_COLLECTION), "tipg": dense_paths(TIPG_COLLECTION)}
                variants = [
                    (label, server, encoding)
                    for label, server in (("ours", ours), ("tipg", tipg))
                    for encoding in ("identity", "gzip")
                ]
                for label, server, encoding in variants:  # warm-up
                    headers = {"Accept-Encoding": "gzip"} if encoding == "gzip" else {}
                    run_wrk(server, dense[label], 3, args.connections, headers)
                for round_no in range(args.rounds):
                    for label, server, encoding in variants:
                        headers = {"Accept-Encoding": "gzip"} if encoding == "gzip" else {}
                        r = run_wrk(server, dense[label], args.duration, args.connections, headers)
                        r |= {"server": label, "encoding": encoding, "round": round_no + 1}
                        r["alive"] = server.alive()
                        run["gzip"].append(r)
                        print(
                            f"dense {label} {encoding} round {round_no + 1}: {r['rps']:.1f} req/s,"
                            f" p50 {r['p50_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms,"
                            f" {r['bytes_per_response']:,.0f} B/resp, errors {r['errors']},"
                            f" cpu {r['server_cpu_ms_per_req']:.1f} ms/req,"
                            f" other {r['other_cores']:.2f} cores",
                            flush=True,
                        )
        finally:
            ours.stop()
            tipg.stop()
        results["runs"].append(run)
        results["seconds"] = time.perf_counter() - started
        (DATA / f"cql2_results{args.tag}.json").write_text(json.dumps(results, indent=2))
    (DATA / f"cql2_summary{args.tag}.md").write_text(summary(results) + "\n")
    print("\n" + summary(results))
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


def _span(values: list[float], fmt: str = "{:.0f}") -> str:
    low, high = min(values), max(values)
    return (
        fmt.format(low)
        if fmt.format(low) == fmt.format(high)
        else (f"{fmt.format(low)}–{fmt.format(high)}")
    )


def _rates(rows: list[dict[str, Any]]) -> str:
    return " / ".join(f"{r['rps']:.1f}" for r in rows)


def summary(results: dict[str, Any]) -> str:
    lines = [
        f"commit {results['commit']}, tipg {results['tipg']}",
        "",
        "| zones | filter | checked | numberMatched equal | ids equal | = PostgreSQL count |"
        " cql2-json = text | numberMatched (min–max) |",
        "|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for run in results["runs"]:
        for c in run["checks"]:
            lines.append(
                f"| {run['zones']:,} | {c['filter']} | {c['requests']} | {c['matched_equal']} |"
                f" {c['ids_equal']} | {c['sql_equal']} | {c['json_equal']} |"
                f" {c['matched_min']}–{c['matched_max']} |"
            )
    lines += [
        "",
        "| zones | filter | ours req/s (r1 / r2) | tipg req/s | ours ÷ tipg | ours p50 | tipg p50 |"
        " ours p95 | tipg p95 | errors | CPU ms/req ours (app + db) | tipg (app + db) |"
        " other work (cores) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in results["runs"]:
        for name in dict.fromkeys(r["filter"] for r in run["cql2"]):
            o, t = (
                [r for r in run["cql2"] if r["filter"] == name and r["server"] == s]
                for s in ("ours", "tipg")
            )
            ratio = statistics.mean(r["rps"] for r in o) / statistics.mean(r["rps"] for r in t)
            lines.append(
                f"| {run['zones']:,} | {name} | {_rates(o)} | {_rates(t)} | **{ratio:.2f}×** |"
                f" {_span([r['p50_ms'] for r in o])} ms | {_span([r['p50_ms'] for r in t])} ms |"
                f" {_span([r['p95_ms'] for r in o])} ms | {_span([r['p95_ms'] for r in t])} ms |"
                f" {sum(r['errors'] for r in o)} / {sum(r['errors'] for r in t)} |"
                f" {statistics.mean(r['server_cpu_ms_per_req'] for r in o):.1f} +"
                f" {statistics.mean(r['db_cpu_ms_per_req'] for r in o):.1f} |"
                f" {statistics.mean(r['server_cpu_ms_per_req'] for r in t):.1f} +"
                f" {statistics.mean(r['db_cpu_ms_per_req'] for r in t):.1f} |"
                f" {max(r['other_cores'] for r in o + t):.2f} |"
            )
    lines += [
        "",
        "| zones | server | Accept-Encoding | req/s (r1 / r2) | p50 | p95 | bytes/response (wrk) |"
        " server CPU ms/req | server cores busy | db CPU ms/req | errors | other work (cores) |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in results["runs"]:
        for server in ("ours", "tipg"):
            for encoding in ("identity", "gzip"):
                rows = [
                    r for r in run["gzip"] if r["server"] == server and r["encoding"] == encoding
                ]
                if not rows:
                    continue
                lines.append(
                    f"| {run['zones']:,} | {server} | {encoding} |"
                    f" {_rates(rows)} |"
                    f" {_span([r['p50_ms'] for r in rows])} ms |"
                    f" {_span([r['p95_ms'] for r in rows])} ms |"
                    f" {statistics.mean(r['bytes_per_response'] for r in rows):,.0f} |"
                    f" {statistics.mean(r['server_cpu_ms_per_req'] for r in rows):.1f} |"
                    f" {statistics.mean(r['server_cores'] for r in rows):.2f} |"
                    f" {statistics.mean(r['db_cpu_ms_per_req'] for r in rows):.1f} |"
                    f" {sum(r['errors'] for r in rows)} |"
                    f" {max(r['other_cores'] for r in rows):.2f} |"
                )
    for run in results["runs"]:
        for server, s in run.get("gzip_sizes", {}).items():
            lines.append(
                f"\n{run['zones']:,} zones, {server}, curl on {s['pages']} dense pages: median"
                f" {s['plain_bytes_median']:,.0f} B plain, {s['gzip_bytes_median']:,.0f} B"
                f" gzip (ratio {s['ratio_median']:.3f}), Content-Encoding {s['content_encoding']},"
                f" same JSON decoded {s['same_json']}/{s['pages']}; gzip.compress of one page"
                f" in this client process: "
                + ", ".join(
                    f"level {k} {v['ms']:.1f} ms -> {v['bytes']:,} B of {v['of']:,}"
                    for k, v in s["levels_one_page"].items()
                )
            )
    for run in results["runs"]:
        for p in run.get("probes", []):
            lines.append(f"\nprobe {run['zones']:,}: {json.dumps(p)}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
