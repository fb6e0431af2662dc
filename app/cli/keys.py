"""airspace-risk keys …: create, list and revoke API keys (the secret is shown once)."""

from dataclasses import asdict
from typing import Annotated, Any

import typer

from app.cli.output import FormatOption, OutputFormat, UsageError, print_rows
from app.settings import get_settings
from app.store.api_keys import ROLES, create_key, list_keys, revoke_key
from app.store.engine import make_engine

keys_cli = typer.Typer(help="Manage API keys (the secret is shown once).", no_args_is_help=True)
KEY_COLUMNS = ("id", "role", "prefix", "created_at", "revoked_at", "name")


class KeyMissing(Exception):
    """No such live key (exit code 1)."""


@keys_cli.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="researcher, reviewer, editor, admin or dispatcher.")],
    name: Annotated[str, typer.Option(help="Who or what the key is for.")],
) -> None:
    """Create a key and print its secret once; only a hash is stored."""
    if role not in ROLES:
        raise UsageError(f"--role: must be one of {', '.join(ROLES)}")
    engine = make_engine(get_settings())
    try:
        with engine.begin() as connection:
            key, secret = create_key(connection, name, role)
    finally:
        engine.dispose()
    typer.echo(f"key {key.id} ({key.role}, {key.name}) created. Its secret, shown only now:")
    typer.echo(secret)


def _table(rows: list[dict[str, Any]]) -> str:
    """Keys as people read them."""
    lines = [f"{'id':>4} {'role':<10} {'prefix':<13} {'created':<17} {'revoked':<17} name"]
    for key in rows:
        created = key["created_at"].strftime("%Y-%m-%dT%H:%MZ")
        revoked = key["revoked_at"].strftime("%Y-%m-%dT%H:%MZ") if key["revoked_at"] else "-"
        lines.append(
            f"{key['id']:>4} {key['role']:<10} {key['prefix']:<13} {created:<17} {revoked:<17} "
            f"{key['name']}"
        )
    return "\n".join(lines)


@keys_cli.command("list")
def keys_list(fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Every key: id, role, name, prefix, created, revoked (never a secret)."""
    engine = make_engine(get_settings())
    try:
        with engine.connect() as connection:
            keys = [asdict(key) for key in list_keys(connection)]
    finally:
        engine.dispose()
    print_rows(keys, KEY_COLUMNS, fmt, "keys list", _table)


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
        raise KeyMissing(f"no live key {key_id}")
    typer.echo(f"key {key_id} revoked")
