"""How long a real-sized AIRAC cycle takes to import, and a filed route's lookup in it.

A synthetic cycle the size of a worldwide one (by default 300,000 points, 120,000 airway legs,
10,000 procedure transitions; the FAA CIFP holds about 150,000 records) is written as ARINC 424
by the test writer, then imported with the real command into a database of its own
(airspace_risk_bench_navdata on 127.0.0.1:5432): read (`arinc424.py`), stored
(`store/navdata.py`, one transaction), and a route's lookup (`navdata_for_route`, 30 names)
timed over 50 runs.

    .venv/bin/python -m bench.navdata_import [--points 300000]
"""

import argparse
import itertools
import os
import random
import statistics
import subprocess
import time
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from app.core.navdata.airac import cycle_of
from app.core.navdata.arinc424 import read_arinc424_file
from app.core.navdata.index import NavdataIndex
from app.core.navdata.model import (
    AirwayLeg,
    Direction,
    Fix,
    FixKind,
    Navdata,
    Procedure,
    ProcedureKind,
)
from app.store.navdata import navdata_for_route
from app.store.provisioning import drop_database, ensure_database, ensure_postgis
from bench.http_throughput import BIN, ROOT
from tests.navdata_arinc_writer import write_arinc424

DATA = Path(__file__).resolve().parent / "data"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _ident(i: int) -> str:
    """A five-letter identifier for point i (unique up to 26⁵)."""
    letters = []
    for _ in range(5):
        i, r = divmod(i, 26)
        letters.append(LETTERS[r])
    return "".join(letters)


def _base36(n: int) -> str:
    """n in four base-36 digits."""
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    for _ in range(4):
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out


def synthetic(points: int, seed: int = 2612) -> Navdata:
    """A cycle of `points` waypoints and VORs over the world, airways chaining them (each
    point on about 0.8 airway legs), and SIDs at 1,000 made-up airports."""
    rng = random.Random(seed)
    fixes = [
        Fix(
            _ident(i)[:4] if i % 20 == 0 else _ident(i),  # navaid idents are 1-4 characters
            f"{LETTERS[i % 26]}{LETTERS[(i // 26) % 26]}",
            FixKind.VOR if i % 20 == 0 else FixKind.WAYPOINT,
            round(rng.uniform(-70, 70), 6),
            round(rng.uniform(-180, 180), 6),
            variation_deg=round(rng.uniform(-20, 20), 1) if i % 20 == 0 else None,
        )
        for i in range(points)
    ]
    legs = []
    for airway in range(points // 25):
        chain = rng.sample(fixes, 11)
        for a, b in itertools.pairwise(chain):
            # Route identifiers are at most 5 characters (ARINC 424): U + 4 base-36 digits.
            legs.append(AirwayLeg(f"U{_base36(airway)}", a, b, Direction.BOTH, 245, 460))
    airports = [
        Fix(
            f"Z{_ident(i)[:3]}",
            "ZZ",
            FixKind.AIRPORT,
            rng.uniform(-60, 60),
            rng.uniform(-180, 180),
            elevation_ft=100.0,
        )
        for i in range(1_000)
    ]
    procedures = [
        Procedure(
            airport.ident,
            ProcedureKind.SID,
            f"{_ident(j)[:4]}{j % 9 + 1}A",
            f"RW{j % 36 + 1:02d}",
            tuple(rng.sample(fixes, 4)),
        )
        for j, airport in enumerate(airports * 10)
    ]
    return Navdata(cycle_of("2612"), "arinc424", fixes + airports, legs, procedures)


def main() -> None:
    """Write, import and look up; print the timings."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=300_000)
    args = parser.parse_args()
    DATA.mkdir(exist_ok=True)
    path = DATA / f"navdata_{args.points}.pc"
    navdata = synthetic(args.points)
    write_arinc424(navdata, path)
    print(
        f"{path.name}: {path.stat().st_size / 1e6:.0f} MB, {len(navdata.fixes):,} points, "
        f"{len(navdata.airways):,} airway legs, {len(navdata.procedures):,} procedures"
    )
    started = time.perf_counter()
    read = read_arinc424_file(path)
    print(f"read (arinc424.py):       {time.perf_counter() - started:6.1f} s")
    server = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    url = make_url(server).set(
        drivername="postgresql+psycopg", database="airspace_risk_bench_navdata"
    )
    rendered = url.render_as_string(hide_password=False)
    drop_database(rendered)
    ensure_database(rendered)
    ensure_postgis(rendered)
    env = {**os.environ, "DATABASE_URL": rendered}
    subprocess.run(
        [str(BIN / "airspace-risk"), "db", "upgrade"],
        env=env,
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    started = time.perf_counter()
    subprocess.run(
        [str(BIN / "airspace-risk"), "navdata", "import", str(path)],
        env=env,
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    print(f"import (command, whole):  {time.perf_counter() - started:6.1f} s")
    index = NavdataIndex.of(read)
    names = [f.ident for f in read.fixes[:20]] + [leg.airway for leg in read.airways[:100:10]]
    engine = create_engine(rendered)
    timings = []
    with engine.connect() as connection:
        for _ in range(50):
            started = time.perf_counter()
            navdata_for_route(connection, index.cycle, names, ["ZAAA"])
            timings.append(time.perf_counter() - started)
    engine.dispose()
    print(
        f"route lookup, {len(names)} names: median {statistics.median(timings) * 1e3:.1f} ms, "
        f"max {max(timings) * 1e3:.1f} ms"
    )


if __name__ == "__main__":
    main()
