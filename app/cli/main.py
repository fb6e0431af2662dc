"""airspace-risk: serve, prepare the database, load and import layers, check routes, print
stats — results on stdout (`--format table|json|csv|geojson`), messages on stderr, exit codes
documented (app/cli/exit_codes.py)."""

import sys
from typing import Annotated

import typer
import uvicorn
from sqlalchemy.exc import OperationalError
from uvicorn.supervisors.multiprocess import Multiprocess

from app import __version__
from app.api.http_server import server_config
from app.cli import exit_codes
from app.cli.check import RouteRefused, check
from app.cli.keys import KeyMissing, keys_cli
from app.cli.layers import Refused, import_command, load, review, stats
from app.cli.navdata import navdata_cli
from app.cli.output import UsageError
from app.cli.screen import screen
from app.cli.watches import watches_cli
from app.settings import get_settings
from app.store import migrations
from app.store.provisioning import ProvisioningError, ensure_database, ensure_postgis

cli = typer.Typer(
    help="Airspace Risk: dangerous airspace as geometry.",
    epilog=exit_codes.EPILOG,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_cli = typer.Typer(help="Create and migrate the database.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")


def _version(shown: bool) -> None:
    """--version: print the version and stop."""
    if shown:
        typer.echo(f"airspace-risk {__version__}")
        raise typer.Exit()


@cli.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and stop."
        ),
    ] = False,
) -> None:
    """Airspace Risk: dangerous airspace as geometry."""


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
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(exit_codes.DATABASE) from None
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


cli.command()(load)
cli.command("import")(import_command)
cli.command()(stats)
cli.command()(review)
cli.command()(check)
cli.command()(screen)
cli.add_typer(watches_cli, name="watches")
cli.add_typer(navdata_cli, name="navdata")
cli.add_typer(keys_cli, name="keys")


def main() -> None:
    """Entry point of the airspace-risk command: each failure one line on stderr, and its
    documented exit code."""
    try:
        cli(args=sys.argv[1:], prog_name="airspace-risk", standalone_mode=True)
    except UsageError as error:
        typer.echo(f"error: {error}", err=True)
        raise SystemExit(exit_codes.USAGE) from None
    except (RouteRefused, Refused, KeyMissing) as error:
        typer.echo(f"error: {error}", err=True)
        raise SystemExit(exit_codes.REFUSED) from None
    except OperationalError as error:
        # No server, no database, a wrong password: one line that says so, not a stack trace.
        lines = str(error.orig or error).strip().splitlines()
        typer.echo(
            f"error: the database cannot be used: {lines[-1] if lines else error}\n"
            "(is PostgreSQL running at DATABASE_URL, and was `airspace-risk db create` run?)",
            err=True,
        )
        raise SystemExit(exit_codes.DATABASE) from None
