"""airspace-risk watches …: list, show and delete watched flights, read their alerts, and run
a re-check pass by hand."""

import json
from typing import Annotated, Any

import typer

from app.cli.output import FormatOption, OutputFormat, print_rows
from app.services.checkers import CheckerService
from app.services.watch_rechecks import WatchRechecker
from app.settings import get_settings
from app.store.engine import make_engine
from app.store.watch_alerts import list_alerts
from app.store.watches import WatchRow, delete_watch, list_watches, watches_named

watches_cli = typer.Typer(help="Watched flights and their alerts.", no_args_is_help=True)


def _engine() -> Any:
    """An engine on the configured database."""
    return make_engine(get_settings())


KeyOption = Annotated[
    int | None, typer.Option("--key", help="The owning key's id, when keys share a watch id.")
]


def _one(connection: Any, watch_id: str, key_id: int | None) -> WatchRow:
    """The watch of this id (of this key, if given); exits with a message otherwise."""
    rows = [r for r in watches_named(connection, watch_id) if key_id in (None, r.key_id)]
    if len(rows) == 1:
        return rows[0]
    if not rows:
        typer.echo(f"error: no watch {watch_id!r}", err=True)
    else:
        keys = ", ".join(str(r.key_id) for r in rows)
        typer.echo(f"error: keys {keys} each have a watch {watch_id!r}: give --key", err=True)
    raise typer.Exit(code=1)


def _worst(row: WatchRow) -> str:
    """The worst category among the watch's flights' latest checks."""
    order = ["none", "low", "moderate", "high", "critical"]
    categories = [r["summary"]["category"] for r in row.last_results.values()]
    return max(categories, key=order.index) if categories else "-"


@watches_cli.command("list")
def watches_list(
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 100,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Every watch: id, key, flights, worst category now, expiry."""
    engine = _engine()
    try:
        with engine.connect() as connection:
            rows = [
                {"id": row.id, "key_id": row.key_id, "flights": len(row.last_results),
                 "worst": _worst(row), "expires_at": row.expires_at, "hazards": len(row.hazards)}
                for row in list_watches(connection, None, limit)
            ]  # fmt: skip
    finally:
        engine.dispose()

    def table(rows: list[dict[str, Any]]) -> str:
        lines = [f"{'id':<32} {'key':>5} {'flights':>7} {'worst':<9} {'expires':<17} hazards"]
        lines += [
            f"{r['id']:<32} {r['key_id']:>5} {r['flights']:>7} {r['worst']:<9} "
            f"{r['expires_at']:%Y-%m-%dT%H:%MZ} {r['hazards']}"
            for r in rows
        ]
        return "\n".join(lines)

    columns = ("id", "key_id", "flights", "worst", "expires_at", "hazards")
    print_rows(rows, columns, fmt, "watches list", table)


@watches_cli.command("show")
def watches_show(
    watch_id: Annotated[str, typer.Argument(help="The watch's id.")], key: KeyOption = None
) -> None:
    """One watch as JSON: its flight, schedule, threshold and latest results per flight."""
    engine = _engine()
    try:
        with engine.connect() as connection:
            row = _one(connection, watch_id, key)
    finally:
        engine.dispose()
    shown = {
        "id": row.id, "key_id": row.key_id, "check": row.request, "schedule": row.schedule,
        "notify": {"at_least": row.notify_at_least}, "expires_at": row.expires_at.isoformat(),
        "hazards": row.hazards, "checked_version": row.checked_version,
        "flights": {k: v["summary"] for k, v in row.last_results.items()},
    }  # fmt: skip
    typer.echo(json.dumps(shown, indent=2))


@watches_cli.command("alerts")
def watches_alerts(
    watch_id: Annotated[str, typer.Argument(help="The watch's id.")],
    after: Annotated[int, typer.Option(min=0, help="Only alerts with a greater id.")] = 0,
    key: KeyOption = None,
) -> None:
    """A watch's alerts, oldest first, one JSON object per line."""
    engine = _engine()
    try:
        with engine.connect() as connection:
            row = _one(connection, watch_id, key)
            alerts = list_alerts(connection, watch_id, row.key_id, after, 10_000)
    finally:
        engine.dispose()
    for alert in alerts:
        typer.echo(json.dumps(alert, default=str))


@watches_cli.command("delete")
def watches_delete(
    watch_id: Annotated[str, typer.Argument(help="The watch's id.")], key: KeyOption = None
) -> None:
    """Stop watching a flight (its alerts go with it)."""
    engine = _engine()
    try:
        with engine.begin() as connection:
            row = _one(connection, watch_id, key)
            delete_watch(connection, row.key_id, watch_id)
    finally:
        engine.dispose()
    typer.echo(f"watch {watch_id} of key {row.key_id} deleted")


@watches_cli.command("recheck")
def watches_recheck() -> None:
    """Run one re-check pass now (servers run them on their own; this is for operators)."""
    settings = get_settings()
    engine = make_engine(settings)
    checkers = CheckerService()
    try:
        rechecker = WatchRechecker(engine, checkers, settings.public_url, 1.0)
        alerts = rechecker.run_once()
    finally:
        checkers.close()
        engine.dispose()
    typer.echo(f"{alerts} alert(s) written")
