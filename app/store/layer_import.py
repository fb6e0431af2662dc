"""Importing layer files into PostGIS: all of a file or, on any problem, nothing."""

from collections.abc import Callable
from pathlib import Path

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from app.core.layers.layer_file import FeatureProblem, LayerFileError, parse_layer_file
from app.core.layers.records import AirDefenceSystem
from app.core.layers.vocabulary import Layer
from app.store.layer_writer import (
    WriteResult,
    feature_rows,
    read_catalogue,
    write_rows,
    write_systems,
)

CATALOGUE_FILE = "air_defence_systems.json"
# Systems first: engagement areas refer to them.
BUNDLED_ORDER = (Layer.CONFLICT_ZONES, Layer.ENGAGEMENT_AREAS, Layer.INCIDENTS)


def _database_refusal(error: DBAPIError) -> LayerFileError:
    """Turn a constraint violation into the same kind of error a file check gives."""
    diag = getattr(error.orig, "diag", None)
    constraint = getattr(diag, "constraint_name", None)
    message = getattr(diag, "message_primary", None) or str(error.orig)
    detail = getattr(diag, "message_detail", None)
    reason = f"the database refused the data: {message}" + (f" ({detail})" if detail else "")
    return LayerFileError([FeatureProblem(None, None, constraint, reason)])


def import_layer(
    connection: Connection,
    layer: Layer,
    text: str | bytes,
    progress: Callable[[int, int], None] | None = None,
) -> WriteResult:
    """Import one layer file, all or nothing (a savepoint), or raise LayerFileError
    (`progress`: told (checked, total) as the features are checked)."""
    features = parse_layer_file(layer, text, progress)
    try:
        with connection.begin_nested():
            rows = feature_rows(layer, features, read_catalogue(connection))
            return write_rows(connection, layer, rows)
    except DBAPIError as error:
        raise _database_refusal(error) from error


def parse_catalogue(text: str | bytes) -> list[AirDefenceSystem]:
    """Read the air-defence systems catalogue (a JSON list of systems)."""
    try:
        return TypeAdapter(list[AirDefenceSystem]).validate_json(text)
    except ValidationError as error:
        problems = [
            FeatureProblem(
                int(item["loc"][0]) if item["loc"] and isinstance(item["loc"][0], int) else None,
                None,
                ".".join(str(p) for p in item["loc"][1:]) or None,
                item["msg"],
            )
            for item in error.errors()
        ]
        raise LayerFileError(problems) from None


def load_bundled(
    connection: Connection,
    geodata_dir: Path,
    progress: Callable[[str], Callable[[int, int], None] | None] | None = None,
) -> dict[str, WriteResult]:
    """Load the catalogue and the three bundled layers, all or nothing (a savepoint);
    `progress(layer)` gives each layer's progress callback."""
    results: dict[str, WriteResult] = {}
    catalogue = parse_catalogue((geodata_dir / CATALOGUE_FILE).read_bytes())
    try:
        with connection.begin_nested():
            results["air_defence_systems"] = write_systems(connection, catalogue)
            for layer in BUNDLED_ORDER:
                text = (geodata_dir / f"{layer.value}.geojson").read_bytes()
                told = progress(layer.value) if progress is not None else None
                results[layer.value] = import_layer(connection, layer, text, told)
    except DBAPIError as error:
        raise _database_refusal(error) from error
    return results
