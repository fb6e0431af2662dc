"""A route check from request to report: resolve the route, plan it, check it, report it."""

from dataclasses import replace
from typing import Any

from app.core.risk.applicability import Operator
from app.core.risk.check import RouteChecker, plan_flight
from app.core.risk.report import ReportParts, report_parts
from app.core.routes.path import PathError
from app.core.routes.profile import ProfileError
from app.core.routes.request import RouteCheckRequest
from app.core.routes.resolve import RouteInputError, resolve_waypoints
from app.core.units import flight_level_to_feet


def run_route_check(
    request: RouteCheckRequest,
    checker: RouteChecker,
    data_version: int,
    geometry: bool = False,
    detail: str = "full",
) -> dict[str, Any]:
    """The report for one request; RouteInputError names the field when it cannot be done."""
    return run_route_check_parts(request, checker, data_version, geometry, detail).whole()


def run_route_check_parts(
    request: RouteCheckRequest,
    checker: RouteChecker,
    data_version: int,
    geometry: bool = False,
    detail: str = "full",
) -> ReportParts:
    """As `run_route_check`, with the segments built as they are read (see `ReportParts`)."""
    waypoints = resolve_waypoints(request)
    cruise_ft = flight_level_to_feet(request.cruise_fl) if request.cruise_fl is not None else None
    try:
        plan = plan_flight(waypoints, cruise_ft, request.departure_time, request.ground_speed_kt)
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
    if request.id is not None:
        parts = replace(parts, lead={"id": request.id})
    return parts


def _route_field(request: RouteCheckRequest) -> str:
    """The field holding the route's points."""
    for name in ("route", "waypoints", "icao_route"):
        if getattr(request, name) is not None:
            return name
    return "destination"
