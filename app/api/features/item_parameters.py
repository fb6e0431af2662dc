"""An items request's parameters turned into an ItemQuery, each rule in one place: the filters
(equality, datetime, status, CQL2), the order, the properties returned, the download format."""

from typing import Any

from fastapi import Request

from app.api.features.downloads import FORMATS
from app.api.features.parameters import (
    bad_parameter,
    parse_bbox,
    parse_datetime,
    parse_instant,
    parse_statuses,
)
from app.api.features.responses import CRS84
from app.core.layers.collections import Collection
from app.core.layers.crs import ServedCrs
from app.core.layers.item_filter import FilterError, check_filter, parse_filter
from app.core.layers.item_query import ItemQuery
from app.core.layers.queryables import queryables
from app.core.layers.vocabulary import Status
from app.store.filter_sql import filter_condition
from app.store.tables import LAYER_TABLES

ACCEPT_FORMATS = {
    "application/geopackage+sqlite3": "gpkg",
    "application/flatgeobuf": "fgb",
    "text/csv": "csv",
}


def item_query(
    collection: Collection,
    bbox: str | None,
    datetime_text: str | None,
    filters: dict[str, Any],
    lifecycle: dict[str, str | None],
    bbox_crs: ServedCrs | None = None,
) -> ItemQuery:
    """Parse and check the filters of an items request (CQL2, order and properties apart)."""
    start, end = parse_datetime(datetime_text)
    for name, value in lifecycle.items():
        if value is not None and not collection.lifecycle:
            raise bad_parameter(name, f"{collection.id} have no lifecycle status")
    statuses = parse_statuses(lifecycle["status"], tuple(s.value for s in Status))
    at, as_of = parse_instant("at", lifecycle["at"]), parse_instant("as_of", lifecycle["as_of"])
    equals: list[tuple[str, str | int]] = []
    for name, value in filters.items():
        if value is None:
            continue
        if name not in collection.filters:
            raise bad_parameter(
                name,
                f"not a filter of {collection.id} (its filters: {', '.join(collection.filters)})",
            )
        equals.append((name, value))
    envelopes = parse_bbox(bbox, bbox_crs)
    return ItemQuery(envelopes, start, end, tuple(equals), at or as_of, as_of, statuses)


def item_filter(
    collection: Collection, text: str, language: str, crs: str | None
) -> dict[str, Any] | bool:
    """A checked CQL2 filter, or a 400 naming `filter` (or `filter-crs`) and the reason."""
    # EPSG:4326 is latitude first: refused rather than read with the axes swapped.
    if crs is not None and crs != CRS84:
        raise bad_parameter("filter-crs", f"only {CRS84} (longitude, latitude) is supported")
    try:
        tree = parse_filter(text, language)
        allowed = queryables(collection)
        check_filter(tree, allowed)
        # Translated once here, so that a value of the wrong kind is a 400 now, not an error
        # in the middle of a download.
        filter_condition(tree, LAYER_TABLES[collection.id], allowed)
    except FilterError as error:
        raise bad_parameter("filter", str(error)) from None
    return tree


def parse_sortby(collection: Collection, text: str | None) -> tuple[tuple[str, bool], ...]:
    """sortby: queryables (not the geometry), each with an optional + or - ahead."""
    if text is None:
        return ()
    sortable = [name for name, q in queryables(collection).items() if q.type != "geometry"]
    keys = []
    for part in (p.strip() for p in text.split(",")):
        # One sign at most: "+-level" is a typo, not a direction.
        name = part[1:] if part.startswith(("+", "-")) else part
        if not name or name not in sortable:
            raise bad_parameter(
                "sortby", f"{part!r} is not a property to sort by ({', '.join(sortable)})"
            )
        keys.append((name, part.startswith("-")))
    return tuple(keys)


def parse_properties(collection: Collection, text: str | None) -> tuple[str, ...] | None:
    """properties: names of the collection's properties."""
    if text is None:
        return None
    known = [p.name for p in collection.properties]
    chosen = tuple(p.strip() for p in text.split(",") if p.strip())
    unknown = [name for name in chosen if name not in known]
    if unknown:
        raise bad_parameter(
            "properties",
            f"no property {', '.join(unknown)} in {collection.id} ({', '.join(known)})",
        )
    return chosen


def download_format(request: Request, f: str | None) -> str | None:
    """The download format asked for by ?f= or Accept (None = paged GeoJSON items)."""
    if f is not None:
        if f == "json":
            return None
        if f not in FORMATS:
            raise bad_parameter("f", f"unknown format {f!r}; use one of json, {', '.join(FORMATS)}")
        return f
    accept = request.headers.get("accept", "")
    for media, fmt in ACCEPT_FORMATS.items():
        if media in accept:
            return fmt
    return None
