"""airspace-risk: serve, prepare the database, load and import layers, print stats."""

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError
from uvicorn.supervisors.multiprocess import Multiprocess

from app.api.http_server import server_config
from app.cli.navdata import navdata_cli
from app.cli.table import segment_table
from app.cli.watches import watches_cli
from app.core.layers.layer_file import LayerFileError
from app.core.layers.vocabulary import Layer
from app.core.risk.run import run_route_check
from app.core.routes.request import RouteCheckRequest
from app.core.routes.resolve import RouteInputError
from app.services.checkers import CheckerService
from app.settings import get_settings
from app.store import migrations
from app.store.api_keys import ROLES, create_key, list_keys, revoke_key
from app.store.engine import make_engine
from app.store.layer_import import import_layer, load_bundled
from app.store.layer_stats import data_version, layer_stats
from app.store.provisioning import ProvisioningError, ensure_database, ensure_postgis
from app.store.review_queue import review_queue

cli = typer.Typer(
    help="Airspace Risk: dangerous airspace as geometry.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_cli = typer.Typer(help="Create and migrate the database.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")


def _fail(message: str) -> typer.Exit:
    """Print an error to stderr and return the exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=1)


def _report_refusal(error: LayerFileError) -> typer.Exit:
    """Print every problem of a refused file; nothing was written."""
    typer.echo(f"refused: {len(error.problems)} problem(s); nothing was written", err=True)
    for problem in error.problems:
        typer.echo(f"  - {problem}", err=True)
    return typer.Exit(code=1)


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default from settings).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from settings).")] = None,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Processes serving the same port (one per core).")
    ] = 1,
) -> None:
    """Serve the HTTP API (with --workers N, in N processes behind one port)."""
    settings = get_settings()
    config = server_config(
        "app.main:create_app", settings, host or settings.host, port or settings.port,
        workers=workers, factory=True,
    )  # fmt: skip
    if workers == 1:
        uvicorn.Server(config).run()
        return
    sock = config.bind_socket()
    Multiprocess(config, sockets=[sock]).run()


@db_cli.command("create")
def db_create() -> None:
    """Create the database and the PostGIS extension if they are missing."""
    url = get_settings().sqlalchemy_url
    try:
        created = ensure_database(url)
        version = ensure_postgis(url)
    except ProvisioningError as error:
        raise _fail(str(error)) from None
    typer.echo(f"database {'created' if created else 'present'}; PostGIS {version}")


@db_cli.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply the migrations up to a revision (default: head)."""
    migrations.upgrade(get_settings().sqlalchemy_url, revision)
    typer.echo(f"database at {revision}")


@db_cli.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument()]) -> None:
    """Revert the migrations down to a revision ('base' removes every table)."""
    migrations.downgrade(get_settings().sqlalchemy_url, revision)
    typer.echo(f"database at {revision}")


@cli.command()
def load(
    geodata: Annotated[Path | None, typer.Option(help="Folder of the bundled layers.")] = None,
) -> None:
    """Load the bundled layers (upsert by id, all or nothing)."""
    settings = get_settings()
    engine = make_engine(settings)
    try:
        with engine.begin() as connection:
            results = load_bundled(connection, geodata or settings.geodata_dir)
    except LayerFileError as error:
        raise _report_refusal(error) from None
    except OSError as error:
        raise _fail(f"cannot read the bundled layers: {error}") from None
    finally:
        engine.dispose()
    for name, result in results.items():
        typer.echo(
            f"{name}: {result.inserted} inserted, {result.updated} updated, "
            f"{result.unchanged} unchanged"
        )


@cli.command("import")
def import_command(
    layer: Annotated[Layer, typer.Argument(help="Which layer the file holds.")],
    file: Annotated[Path, typer.Argument(help="A GeoJSON FeatureCollection.", exists=False)],
) -> None:
    """Import a GeoJSON file into a layer; a file with any problem writes nothing."""
    try:
        text = file.read_bytes()
    except OSError as error:
        raise _fail(f"cannot read {file}: {error.strerror}") from None
    engine = make_engine(get_settings())
    try:
        with engine.begin() as connection:
            result = import_layer(connection, layer, text)
    except LayerFileError as error:
        raise _report_refusal(error) from None
    finally:
        engine.dispose()
    typer.echo(
        f"{layer.value}: {result.inserted} inserted, {result.updated} updated, "
        f"{result.unchanged} unchanged"
    )


@cli.command()
def stats() -> None:
    """Print each layer's feature count and time range."""
    engine = make_engine(get_settings())
    try:
        with engine.connect() as connection:
            rows = layer_stats(connection)
            version = data_version(connection)
    finally:
        engine.dispose()
    typer.echo(f"{'layer':<18} {'count':>6}  {'from':<20} {'to':<20} open/pending")
    for row in rows:
        start = row.earliest.strftime("%Y-%m-%dT%H:%MZ") if row.earliest else "-"
        end = row.latest.strftime("%Y-%m-%dT%H:%MZ") if row.latest else "-"
        typer.echo(f"{row.layer:<18} {row.count:>6}  {start:<20} {end:<20} {row.open_ended}")
    typer.echo(f"data_version {version}")


cli.add_typer(watches_cli, name="watches")
cli.add_typer(navdata_cli, name="navdata")
keys_cli = typer.Typer(help="Manage API keys (the secret is shown once).", no_args_is_help=True)
cli.add_typer(keys_cli, name="keys")


@keys_cli.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="researcher, reviewer, editor, admin or dispatcher.")],
    name: Annotated[str, typer.Option(help="Who or what the key is for.")],
) -> None:
    """Create a key and print its secret once; only a hash is stored."""
    if role not in ROLES:
        raise _fail(f"--role must be one of {', '.join(ROLES)}")
    engine = make_engine(get_settings())
    try:
        with engine.begin() as connection:
            key, secret = create_key(connection, name, role)
    finally:
        engine.dispose()
    typer.echo(f"key {key.id} ({key.role}, {key.name}) created. Its secret, shown only now:")
    typer.echo(secret)


@keys_cli.command("list")
def keys_list() -> None:
    """Every key: id, role, name, prefix, created, revoked."""
    engine = make_engine(get_settings())
    try:
        with engine.connect() as connection:
            keys = list_keys(connection)
    finally:
        engine.dispose()
    typer.echo(f"{'id':>4} {'role':<10} {'prefix':<13} {'created':<17} {'revoked':<17} name")
    for key in keys:
        created = key.created_at.strftime("%Y-%m-%dT%H:%MZ")
        revoked = key.revoked_at.strftime("%Y-%m-%dT%H:%MZ") if key.revoked_at else "-"
        typer.echo(
            f"{key.id:>4} {key.role:<10} {key.prefix:<13} {created:<17} {revoked:<17} {key.name}"
        )


@keys_cli.command("revoke")
def keys_revoke(
    key_id: Annotated[int, typer.Argument(help="The key's id (see keys list).")],
) -> None:
    """Revoke a key; it stops working at once."""
    engine = make_engine(get_settings())
    try:
        with engine.begin() as connection:
            revoked = revoke_key(connection, key_id)
    finally:
        engine.dispose()
    if not revoked:
        raise _fail(f"no live key {key_id}")
    typer.echo(f"key {key_id} revoked")


@cli.command()
def check(
    departure: Annotated[str, typer.Argument(help="ICAO code of the departure airport.")],
    destination: Annotated[str, typer.Argument(help="ICAO code of the destination airport.")],
    fl: Annotated[int, typer.Option("--fl", help="Cruise flight level.")] = 350,
    departure_time: Annotated[
        str | None, typer.Option("--departure", help="UTC departure time, e.g. 2024-12-25T03:55Z.")
    ] = None,
    via: Annotated[
        list[str] | None, typer.Option("--via", help="ICAO coordinates, e.g. 4130N04630E.")
    ] = None,
    speed: Annotated[float | None, typer.Option("--speed", help="Ground speed, kt.")] = None,
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
) -> None:
    """Check a route against the loaded layers and print its segments (and any warnings)."""
    try:
        request = RouteCheckRequest.model_validate(
            {
                "departure": departure,
                "destination": destination,
                "via": via or [],
                "cruise_fl": fl,
                "departure_time": _utc(departure_time) if departure_time else None,
                "ground_speed_kt": speed,
                "as_of": _utc(as_of) if as_of else None,
                "operator": {"state": operator_state} if operator_state else None,
                "issuers": issuer or None,
            }
        )
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        flag = {"operator.state": "--operator-state", "issuers": "--issuer"}.get(field, field)
        raise _fail(f"{flag}: {first['msg']}") from None
    engine = make_engine(get_settings())
    try:
        with engine.connect() as connection:
            version, checker = CheckerService().checker(connection, request.as_of)
    finally:
        engine.dispose()
    try:
        result = run_route_check(request, checker, version)
    except RouteInputError as error:
        raise _fail(str(error)) from None
    typer.echo(segment_table(result))


@cli.command()
def review() -> None:
    """List the records editors must look at: lapsed, ending within 30 days, or not reviewed
    for 90 days (record a review with POST /v1/{layer}/{id}/reviews)."""
    engine = make_engine(get_settings())
    try:
        with engine.connect() as connection:
            items = review_queue(connection, datetime.now(UTC).replace(microsecond=0))
    finally:
        engine.dispose()
    if not items:
        typer.echo("nothing needs review")
        return
    typer.echo(f"{'layer':<17} {'id':<44} {'status':<19} reasons")
    for item in items:
        typer.echo(
            f"{item['layer']:<17} {item['id']:<44} {item['status']:<19} "
            + "; ".join(item["reasons"])
        )
    typer.echo(f"{len(items)} record(s) need review")


def _utc(text: str) -> str:
    """Accept 2024-12-25T03:55Z (no seconds) as well as full RFC 3339."""
    return text[:-1] + ":00Z" if len(text) == 17 and text.endswith("Z") else text


def main() -> None:
    """Entry point of the airspace-risk command."""
    try:
        cli(args=sys.argv[1:], prog_name="airspace-risk")
    except OperationalError as error:
        # No server, no database, a wrong password: one line that says so, not a stack trace.
        lines = str(error.orig or error).strip().splitlines()
        typer.echo(
            f"error: the database cannot be used: {lines[-1] if lines else error}\n"
            "(is PostgreSQL running at DATABASE_URL, and was `airspace-risk db create` run?)",
            err=True,
        )
        raise SystemExit(1) from None
