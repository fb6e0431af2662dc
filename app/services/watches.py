"""Watched flights: registered with their first check, re-checked against the current layers."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine

from app.core.risk.check import RouteChecker
from app.core.routes.resolve import NavdataLookup, RouteInputError
from app.core.watches.changes import changes
from app.core.watches.flights import (
    WatchDefinition,
    check_flight,
    corridor_lines,
    corridor_wkt,
    departures_to_check,
    flight_result,
    hazards_in,
    margin_nm,
    result_key,
)
from app.services.checkers import CheckerService
from app.services.navdata import navdata_lookup
from app.store.watches import WatchKey, WatchRow, get_watch, insert_watch, replace_watch


class WatchExists(Exception):
    """A watch with that id is already registered."""


class WatchGone(Exception):
    """The watch was deleted while it was being changed."""


@dataclass(frozen=True)
class Checked:
    """A watch's flights checked now: the full reports, and what the watch keeps."""

    reports: dict[str, dict[str, Any]]
    results: dict[str, Any]
    expires_at: datetime


def definition_of(row: WatchRow) -> WatchDefinition:
    """A stored watch's definition."""
    return WatchDefinition.model_validate(
        {"id": row.id, "check": row.request, "schedule": row.schedule,
         "notify": {"at_least": row.notify_at_least}}
    )  # fmt: skip


def check_flights(
    definition: WatchDefinition,
    checker: RouteChecker,
    version: int,
    now: datetime,
    navdata: NavdataLookup | None = None,
) -> Checked:
    """Check every departure still to fly; RouteInputError names the field of a bad route."""
    departures = definition.schedule.departures(now)
    if not departures:
        raise RouteInputError("schedule", "no flight of this schedule is left to fly")
    first = check_flight(definition, departures[0], checker, version, navdata)
    arrival = datetime.fromisoformat(first["route"]["waypoints"][-1]["time"])
    flight_time = arrival - departures[0]
    reports = {result_key(departures[0]): first}
    for departure in departures_to_check(definition, now, flight_time):
        key = result_key(departure)
        if key not in reports:
            reports[key] = check_flight(definition, departure, checker, version, navdata)
    wanted = {result_key(d) for d in departures_to_check(definition, now, flight_time)}
    reports = {k: v for k, v in reports.items() if k in wanted}
    return Checked(
        reports=reports,
        results={k: flight_result(v) for k, v in reports.items()},
        expires_at=definition.schedule.last_departure() + max(flight_time, timedelta(0)),
    )


def _checked_now(
    engine: Engine,
    checkers: CheckerService,
    key_id: int,
    definition: WatchDefinition,
    now: datetime,
    existing: WatchRow | None = None,
) -> tuple[WatchRow, Checked, str]:
    """A definition checked with the current checker: its stored form, the checks, and its
    corridor (WKT); RouteInputError for a route that cannot be checked or a schedule over."""
    navdata = navdata_lookup(engine)
    lines = corridor_lines(definition.check, navdata)
    version, checker = checkers.checker_for(engine)
    checked = check_flights(definition, checker, version, now, navdata)
    if checked.expires_at <= now:
        raise RouteInputError("schedule", "the last flight of this schedule has already landed")
    return (
        stored_form(definition, key_id, checked, version, now, existing),
        checked,
        corridor_wkt(lines),
    )


def register(
    engine: Engine,
    checkers: CheckerService,
    key_id: int,
    definition: WatchDefinition,
    now: datetime,
) -> tuple[WatchRow, Checked]:
    """Check the flights and store the watch; WatchExists when its id is taken."""
    row, checked, corridor = _checked_now(engine, checkers, key_id, definition, now)
    with engine.begin() as connection:
        if not insert_watch(connection, row, corridor, margin_nm(definition.check)):
            raise WatchExists(row.id)
    return row, checked


def redefine(
    engine: Engine,
    checkers: CheckerService,
    existing: WatchRow,
    definition: WatchDefinition,
    now: datetime,
) -> tuple[WatchRow, Checked]:
    """Store a changed definition with its new first check (PATCH); WatchGone if it went."""
    row, checked, corridor = _checked_now(
        engine, checkers, existing.key_id, definition, now, existing
    )
    with engine.begin() as connection:
        if not replace_watch(connection, row, corridor, margin_nm(definition.check)):
            raise WatchGone(row.id)
    return row, checked


def stored_form(
    definition: WatchDefinition,
    key_id: int,
    checked: Checked,
    version: int,
    now: datetime,
    existing: WatchRow | None = None,
) -> WatchRow:
    """The stored form of a watch."""
    return WatchRow(
        id=definition.id or (existing.id if existing else f"w-{uuid.uuid4().hex[:20]}"),
        key_id=key_id,
        request=definition.check.model_dump(mode="json", exclude_none=True),
        schedule=definition.schedule.model_dump(mode="json", by_alias=True, exclude_none=True),
        notify_at_least=definition.notify.at_least,
        last_departure=definition.schedule.last_departure(),
        expires_at=checked.expires_at,
        hazards=hazards_in(checked.results),
        last_results=checked.results,
        checked_version=version,
        created_at=existing.created_at if existing else now,
        updated_at=now,
    )


def recheck_watch(
    connection: Connection, key: WatchKey, checker: RouteChecker, version: int, now: datetime
) -> tuple[WatchRow, Checked, list[dict[str, Any]]] | None:
    """Check a stored watch again: its row (locked), the new results and every change of the
    flights checked both times (each change with its flight's departure); None if it is gone."""
    row = get_watch(connection, key[0], key[1], lock=True)
    if row is None:
        return None
    definition = definition_of(row)
    try:
        checked = check_flights(definition, checker, version, now, navdata_lookup(connection))
    except RouteInputError:
        # The route no longer resolves (an airport left the data): nothing to compare.
        return None
    found: list[dict[str, Any]] = []
    for departure, result in checked.results.items():
        before = row.last_results.get(departure)
        if before is None:
            continue  # a flight new to the horizon: its first check is its baseline
        for change in changes(before["fingerprint"], result["fingerprint"]):
            found.append({"departure_time": departure, **change})
    return row, checked, found
