"""Navigation data in PostGIS: importing a cycle (replacing it if imported before), listing the
cycles, and reading the part of one cycle that a route names."""

import json
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import Connection, text

from app.core.navdata.index import NavdataIndex
from app.core.navdata.model import (
    AirwayLeg,
    Cycle,
    Direction,
    Fix,
    FixKind,
    Navdata,
    Procedure,
    ProcedureKind,
)

# Rows sent to the server at a time on import (a cycle of a real file is ~300,000 points).
BATCH_ROWS = 5_000


@dataclass(frozen=True)
class CycleSummary:
    """An imported cycle: when it is in force, where it came from and what it holds."""

    cycle: str
    effective_from: datetime
    effective_to: datetime
    source_format: str
    source_name: str
    imported_at: datetime
    fixes: int
    airway_legs: int
    procedures: int
    skipped: int


class EmptyNavdata(ValueError):
    """A file that gave no points: importing it would wipe the cycle on record."""


def import_cycle(connection: Connection, navdata: Navdata, source_name: str) -> CycleSummary:
    """Store one cycle's data in the caller's transaction, replacing that cycle's earlier
    import (a failed import leaves the earlier one as it was; so does a file with no points,
    refused with EmptyNavdata: a truncated download must not wipe the cycle in force)."""
    cycle = navdata.cycle
    if not navdata.fixes:
        raise EmptyNavdata(
            f"no points were read ({len(navdata.skipped)} records skipped): nothing imported, "
            f"and cycle {cycle.ident} stays as it was"
        )
    connection.execute(text("DELETE FROM navdata_cycles WHERE cycle = :c"), {"c": cycle.ident})
    connection.execute(
        text(
            "INSERT INTO navdata_cycles (cycle, effective_from, effective_to, source_format,"
            " source_name, fixes, airway_legs, procedures, skipped) VALUES (:cycle, :start,"
            " :end, :format, :name, :fixes, :legs, :procedures, :skipped)"
        ),
        {
            "cycle": cycle.ident, "start": cycle.effective_from, "end": cycle.effective_to,
            "format": navdata.source_format, "name": source_name, "fixes": len(navdata.fixes),
            "legs": len(navdata.airways), "procedures": len(navdata.procedures),
            "skipped": len(navdata.skipped),
        },
    )  # fmt: skip
    _insert(
        connection,
        "INSERT INTO navdata_fixes (cycle, ident, region, kind, lat, lon, name, airport,"
        " variation_deg, elevation_ft, geom) VALUES (:cycle, :ident, :region, :kind, :lat, :lon,"
        " :name, :airport, :variation_deg, :elevation_ft, ST_SetSRID(ST_MakePoint(:lon, :lat),"
        " 4326))",
        ({"cycle": cycle.ident, **_fix_row(f)} for f in navdata.fixes),
    )
    _insert(
        connection,
        "INSERT INTO navdata_airway_legs (cycle, airway, seq, start_fix, end_fix, direction,"
        " lower_fl, upper_fl) VALUES (:cycle, :airway, :seq, CAST(:start AS jsonb),"
        " CAST(:end AS jsonb), :direction, :lower_fl, :upper_fl)",
        (
            {
                "cycle": cycle.ident, "airway": leg.airway, "seq": seq,
                "start": _json(_fix_row(leg.start)), "end": _json(_fix_row(leg.end)),
                "direction": leg.direction.value, "lower_fl": leg.lower_fl,
                "upper_fl": leg.upper_fl,
            }
            for seq, leg in enumerate(navdata.airways)
        ),
    )  # fmt: skip
    _insert(
        connection,
        "INSERT INTO navdata_procedures (cycle, airport, kind, ident, transition, fixes) VALUES"
        " (:cycle, :airport, :kind, :ident, :transition, CAST(:fixes AS jsonb))",
        (
            {
                "cycle": cycle.ident, "airport": p.airport, "kind": p.kind.value,
                "ident": p.ident, "transition": p.transition,
                "fixes": _json([_fix_row(f) for f in p.fixes]),
            }
            for p in navdata.procedures
        ),
    )  # fmt: skip
    summaries = cycles(connection)
    return next(s for s in summaries if s.cycle == cycle.ident)


def cycles(connection: Connection) -> list[CycleSummary]:
    """Every imported cycle, the newest first."""
    rows = connection.execute(
        text(
            "SELECT cycle, effective_from, effective_to, source_format, source_name, imported_at,"
            " fixes, airway_legs, procedures, skipped FROM navdata_cycles"
            " ORDER BY effective_from DESC"
        )
    )
    return [CycleSummary(**row._mapping) for row in rows]


def navdata_for_route(
    connection: Connection, cycle: Cycle, names: Collection[str], airports: Collection[str]
) -> NavdataIndex:
    """The part of one cycle a route can use: the points and airways of these names, and the
    procedures of these names at these airports."""
    named = {"cycle": cycle.ident, "names": sorted(names), "airports": sorted(airports)}
    fixes = connection.execute(
        text(
            "SELECT ident, region, kind, lat, lon, name, airport, variation_deg, elevation_ft"
            " FROM navdata_fixes WHERE cycle = :cycle AND ident = ANY(:names)"
        ),
        named,
    )
    legs = connection.execute(
        text(
            "SELECT airway, start_fix, end_fix, direction, lower_fl, upper_fl"
            " FROM navdata_airway_legs WHERE cycle = :cycle AND airway = ANY(:names) ORDER BY seq"
        ),
        named,
    )
    procedures = connection.execute(
        text(
            "SELECT airport, kind, ident, transition, fixes FROM navdata_procedures"
            " WHERE cycle = :cycle AND airport = ANY(:airports) AND ident = ANY(:names)"
        ),
        named,
    )
    return NavdataIndex(
        cycle,
        [_fix(row._mapping) for row in fixes],
        [
            AirwayLeg(
                row.airway, _fix(row.start_fix), _fix(row.end_fix), Direction(row.direction),
                row.lower_fl, row.upper_fl,
            )
            for row in legs
        ],
        [
            Procedure(
                row.airport, ProcedureKind(row.kind), row.ident, row.transition,
                tuple(_fix(f) for f in row.fixes),
            )
            for row in procedures
        ],
    )  # fmt: skip


def _insert(connection: Connection, statement: str, rows: Iterable[dict[str, Any]]) -> None:
    """Run an INSERT for every row, a batch at a time."""
    for batch in _batches(rows):
        connection.execute(text(statement), batch)


def _batches(rows: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """Rows in lists of BATCH_ROWS."""
    iterator = iter(rows)
    while batch := list(islice(iterator, BATCH_ROWS)):
        yield batch


def _fix_row(fix: Fix) -> dict[str, Any]:
    """A fix as column values."""
    return {
        "ident": fix.ident, "region": fix.region, "kind": fix.kind.value, "lat": fix.lat,
        "lon": fix.lon, "name": fix.name, "airport": fix.airport,
        "variation_deg": fix.variation_deg, "elevation_ft": fix.elevation_ft,
    }  # fmt: skip


def _fix(values: Any) -> Fix:
    """A fix from its column values (a row, or a leg's or procedure's JSON)."""
    return Fix(
        values["ident"], values["region"], FixKind(values["kind"]), float(values["lat"]),
        float(values["lon"]), values["name"], values["airport"], values["variation_deg"],
        values["elevation_ft"],
    )  # fmt: skip


def _json(value: object) -> str:
    """JSON text for a jsonb parameter."""
    return json.dumps(value)
