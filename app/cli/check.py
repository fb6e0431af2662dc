"""airspace-risk check: one route — two airports (with --via), or a filed route (--route) — or a
file of flights (--batch), against the loaded layers; errors name the flag that was typed."""

from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from app.cli.batch import count_lines, flights_source, run_batch
from app.cli.exit_codes import SOME_REFUSED
from app.cli.flags import flag_of, in_flags
from app.cli.output import FormatOption, OutputFormat, UsageError, csv_text, json_text
from app.cli.table import segment_table
from app.core.risk.report import segment_feature
from app.core.risk.run import run_route_check
from app.core.routes.request import RouteCheckRequest
from app.core.routes.resolve import RouteInputError
from app.services.checkers import CheckerService
from app.services.navdata import navdata_lookup
from app.settings import get_settings
from app.store.engine import make_engine

DEFAULT_FL = 350
SEGMENT_COLUMNS = (
    "index", "start_nm", "end_nm", "length_nm", "start_alt_ft", "end_alt_ft", "start_time",
    "end_time", "score", "category", "hazards", "reasons",
)  # fmt: skip


class RouteRefused(Exception):
    """The route cannot be checked; the message names the flag (exit code 1)."""


def _utc(text: str | None) -> str | None:
    """Accept 2024-12-25T03:55Z (no seconds) as well as full RFC 3339."""
    if text is None:
        return None
    return text[:-1] + ":00Z" if len(text) == 17 and text.endswith("Z") else text


def _request(fields: dict[str, Any]) -> RouteCheckRequest:
    """The request, or a refusal naming the flags at fault."""
    asked = {k: v for k, v in fields.items() if v not in (None, [])}
    try:
        return RouteCheckRequest.model_validate(asked)
    except ValidationError as error:
        reasons = [
            f"{flag_of('.'.join(str(p) for p in e['loc'])) or 'the route'}: {in_flags(e['msg'])}"
            for e in error.errors()
        ]
        raise RouteRefused("; ".join(reasons)) from None


def _segment_row(s: dict[str, Any]) -> dict[str, Any]:
    """One segment as a CSV row."""
    return {
        "index": s["index"], "start_nm": s["start_nm"], "end_nm": s["end_nm"],
        "length_nm": s["length_nm"], "start_alt_ft": s["start"]["alt_ft"],
        "end_alt_ft": s["end"]["alt_ft"], "start_time": s["start"]["time"],
        "end_time": s["end"]["time"], "score": s["score"], "category": s["category"],
        "hazards": [h["id"] for h in s["hazards"]],
        "reasons": " | ".join(h["explanation"] for h in s["hazards"]),
    }  # fmt: skip


def _print(result: dict[str, Any], fmt: OutputFormat) -> None:
    """One route's answer in the chosen format."""
    if fmt is OutputFormat.JSON:
        typer.echo(json_text(result))
    elif fmt is OutputFormat.CSV:
        typer.echo(csv_text(map(_segment_row, result["segments"]), SEGMENT_COLUMNS))
    elif fmt is OutputFormat.GEOJSON:
        segments = result.pop("segments")
        features = [segment_feature(s) for s in segments]
        typer.echo(json_text({"type": "FeatureCollection", "features": features, **result}))
    else:
        typer.echo(segment_table(result))


def _no_flight_flags_with_batch(given: dict[str, Any]) -> None:
    """With --batch each flight says its own route: a flight flag too is a usage error."""
    typed = [flag for flag, value in given.items() if value not in (None, [], False)]
    if typed:
        raise UsageError(
            f"{', '.join(typed)}: not with --batch (each flight of the file gives its own)"
        )


def check(
    departure: Annotated[
        str | None, typer.Argument(help="ICAO code of the departure airport.", show_default=False)
    ] = None,
    destination: Annotated[
        str | None,
        typer.Argument(help="ICAO code of the destination airport.", show_default=False),
    ] = None,
    fl: Annotated[
        int | None,
        typer.Option("--fl", help=f"Cruise flight level ({DEFAULT_FL}; a --route's level wins)."),
    ] = None,
    departure_time: Annotated[
        str | None, typer.Option("--departure", help="UTC departure time, e.g. 2024-12-25T03:55Z.")
    ] = None,
    via: Annotated[
        list[str] | None, typer.Option("--via", help="ICAO coordinates, e.g. 4130N04630E.")
    ] = None,
    route: Annotated[
        str | None,
        typer.Option(
            "--route", help="A filed route (ICAO item 15), e.g. 'EGLL DCT 5130N00200E DCT OMDB'."
        ),
    ] = None,
    eet: Annotated[
        str | None, typer.Option("--eet", help="With --route: item 18 EET/, e.g. 'KONAN0020'.")
    ] = None,
    navdata_cycle: Annotated[
        str | None, typer.Option("--navdata-cycle", help="With --route: the AIRAC cycle, YYNN.")
    ] = None,
    speed: Annotated[float | None, typer.Option("--speed", help="Ground speed, kt.")] = None,
    incident_radius: Annotated[
        float | None,
        typer.Option("--incident-radius", help="Incidents within this many NM (25 by default)."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Only what was known then (UTC), e.g. the departure time."),
    ] = None,
    operator_state: Annotated[
        str | None,
        typer.Option(
            "--operator-state", help="State of the operator, ISO 3166 alpha-2 (who is bound)."
        ),
    ] = None,
    issuer: Annotated[
        list[str] | None,
        typer.Option("--issuer", help="Count only this authority's advisories (repeatable)."),
    ] = None,
    batch: Annotated[
        str | None,
        typer.Option(
            "--batch",
            help="A file of flights (NDJSON requests or CSV with a header of request fields; "
            "'-' for standard input): one result per flight, as it is known.",
        ),
    ] = None,
    detail: Annotated[
        str, typer.Option("--detail", help="With --batch and json: summary or full.")
    ] = "summary",
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Check a route (or a file of flights) against the loaded layers."""
    if detail not in ("summary", "full"):
        raise UsageError("--detail: summary or full")
    if batch is not None:
        _no_flight_flags_with_batch(
            {"DEPARTURE": departure, "DESTINATION": destination, "--fl": fl,
             "--departure": departure_time, "--via": via, "--route": route, "--eet": eet,
             "--navdata-cycle": navdata_cycle, "--speed": speed,
             "--incident-radius": incident_radius, "--as-of": as_of,
             "--operator-state": operator_state, "--issuer": issuer}
        )  # fmt: skip
        _batch(batch, fmt, detail)
        return
    request = _request(
        {"departure": departure, "destination": destination, "via": via,
         "icao_route": route, "eets": eet, "navdata_cycle": navdata_cycle,
         "cruise_fl": fl if fl is not None else DEFAULT_FL,
         "departure_time": _utc(departure_time), "ground_speed_kt": speed,
         "incident_radius_nm": incident_radius, "as_of": _utc(as_of),
         "operator": {"state": operator_state} if operator_state else None, "issuers": issuer}
    )  # fmt: skip
    engine = make_engine(get_settings())
    try:
        with engine.connect() as connection:
            version, checker = CheckerService().checker(connection, request.as_of)
            geometry = fmt is OutputFormat.GEOJSON
            try:
                result = run_route_check(
                    request, checker, version, geometry, navdata=navdata_lookup(connection)
                )
            except RouteInputError as error:
                raise RouteRefused(
                    "; ".join(
                        f"{flag_of(field)}: {in_flags(reason)}" for field, reason in error.errors
                    )
                ) from None
    finally:
        engine.dispose()
    _print(result, fmt)


def _batch(path: str, fmt: OutputFormat, detail: str) -> None:
    """Every flight of the file, printed as it is checked; a summary on stderr."""
    if path != "-" and not Path(path).is_file():
        raise UsageError(f"--batch: no file {path}")
    total = count_lines(path)
    engine = make_engine(get_settings())
    try:
        with engine.connect() as connection, flights_source(path) as stream:
            checked, refused = run_batch(stream, total, connection, fmt, detail)
    finally:
        engine.dispose()
    typer.echo(f"{checked + refused} flights: {checked} checked, {refused} refused", err=True)
    if refused:
        raise typer.Exit(SOME_REFUSED)
