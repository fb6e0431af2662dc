"""A route check from request to report: resolve the route, plan it, check it, report it."""

from dataclasses import replace
from typing import Any

from app.core.risk.applicability import Operator
from app.core.risk.check import RouteChecker, plan_flight
from app.core.risk.report import ReportParts, report_parts
from app.core.routes.path import PathError
from app.core.routes.profile import ProfileError
from app.core.routes.request import RouteCheckRequest
from app.core.routes.resolve import NavdataLookup, RouteInputError, resolve_route
from app.core.units import flight_level_to_feet


def run_route_check(
    request: RouteCheckRequest,
    checker: RouteChecker,
    data_version: int,
    geometry: bool = False,
    detail: str = "full",
    navdata: NavdataLookup | None = None,
) -> dict[str, Any]:
    """The report for one request; RouteInputError names the field when it cannot be done
    (`navdata`: where a filed route's names are looked up)."""
    return run_route_check_parts(request, checker, data_version, geometry, detail, navdata).whole()


def run_route_check_parts(
    request: RouteCheckRequest,
    checker: RouteChecker,
    data_version: int,
    geometry: bool = False,
    detail: str = "full",
    navdata: NavdataLookup | None = None,
) -> ReportParts:
    """As `run_route_check`, with the segments built as they are read (see `ReportParts`)."""
    resolved = resolve_route(request, navdata)
    cruise_ft: float | None = (
        flight_level_to_feet(request.cruise_fl) if request.cruise_fl is not None else None
    )
    if resolved.filed_level_ft is not None:
        cruise_ft = resolved.filed_level_ft
    # A filed route's waypoints carry their own times (from its speeds and EETs).
    departure_time = None if resolved.timed else request.departure_time
    try:
        plan = plan_flight(resolved.waypoints, cruise_ft, departure_time, request.ground_speed_kt)
    except ProfileError as error:
        raise RouteInputError(error.field, str(error)) from None
    except PathError as error:
        raise RouteInputError(_route_field(request), str(error)) from None
    try:
        operator = (
            Operator(request.operator.state and request.operator.state.upper(),
                     request.operator.designator and request.operator.designator.upper())
            if request.operator is not None else None
        )  # fmt: skip
        result = checker.check(
            plan, request.as_of, request.incident_radius_nm, operator, request.issuers
        )
    except PathError as error:
        raise RouteInputError(_route_field(request), str(error)) from None
    parts = report_parts(result, data_version, geometry, detail)
    if request.icao_route is not None:
        parts.head["route"].update(notes=resolved.notes, navdata_cycle=resolved.navdata_cycle)
    if request.id is not None:
        parts = replace(parts, lead={"id": request.id})
    return parts


def _route_field(request: RouteCheckRequest) -> str:
    """The field holding the route's points."""
    for name in ("route", "waypoints", "icao_route"):
        if getattr(request, name) is not None:
            return name
    return "destination"
