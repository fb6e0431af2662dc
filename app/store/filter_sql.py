"""A checked CQL2 filter (`core/layers/item_filter.py`) as a SQLAlchemy condition on a layer's
table: every value bound as a parameter, never formatted into SQL.

Operands have kinds (string, number, boolean, time) and only operands of one kind compare: a
mismatch is a FilterError (a 400), never a database error. A string compared with a date-time
property is read as a time, as GDAL sends them; a validity window with no end (valid_to null)
is open to the future in the T_ functions, as everywhere in the service; intervals are closed,
as CQL2 defines them; a DATE is its whole UTC day. Geometries are WGS84 lon/lat (CRS84); a BBOX
whose west edge is east of its east edge crosses 180°.
"""

import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    DateTime,
    Table,
    Text,
    and_,
    func,
    literal,
    not_,
    or_,
)

from app.core.instants import InstantError, read_instant
from app.core.layers.item_filter import CASEI, FilterError
from app.core.layers.queryables import GEOMETRY, Queryable

_FUTURE = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
_PAST = datetime(1, 1, 1, tzinfo=UTC)
_DAY = timedelta(days=1, microseconds=-1)
_SPATIAL = {
    "s_intersects": func.ST_Intersects, "s_disjoint": func.ST_Disjoint,
    "s_within": func.ST_Within, "s_contains": func.ST_Contains, "s_equals": func.ST_Equals,
    "s_touches": func.ST_Touches, "s_crosses": func.ST_Crosses, "s_overlaps": func.ST_Overlaps,
}  # fmt: skip


class _Translator:
    """One filter's translation over one table."""

    def __init__(self, table: Table, allowed: Mapping[str, Queryable]) -> None:
        self.table = table
        self.allowed = allowed

    def condition(self, node: Any) -> ColumnElement[bool]:
        """A boolean node."""
        if isinstance(node, bool):
            return literal(node, Boolean)
        op, args = node["op"], node.get("args", [])
        if op in ("and", "or"):
            parts = [self.condition(a) for a in args]
            return and_(*parts) if op == "and" else or_(*parts)
        if op == "not":
            return not_(self.condition(args[0]))
        if op in ("=", "<>", "<", "<=", ">", ">="):
            lhs, rhs = self._pair(args[0], args[1])
            return {
                "=": lhs == rhs, "<>": lhs != rhs, "<": lhs < rhs, "<=": lhs <= rhs,
                ">": lhs > rhs, ">=": lhs >= rhs,
            }[op]  # fmt: skip
        if op == "like":
            column, kind = self._operand(args[0], None)
            if kind != "string" or not _is_text(args[1]):
                raise FilterError("LIKE compares a text property with a text pattern")
            return column.like(self._operand(args[1], None)[0], escape="\\")
        if op == "between":
            column, low = self._pair(args[0], args[1])
            return column.between(low, self._pair(args[0], args[2])[1])
        if op == "in":
            if not isinstance(args[1], list) or not args[1]:
                raise FilterError("IN takes a list of values")
            column = self._pair(args[0], args[1][0])[0]
            return column.in_([self._pair(args[0], value)[1] for value in args[1]])
        if op == "isNull":
            queryable = self._queryable(args[0])
            if queryable is None:
                raise FilterError("IS NULL applies to a property")
            return self._column(queryable.name).is_(None)
        if op in _SPATIAL:
            return _SPATIAL[op](self._geometry(args[0]), self._geometry(args[1])).cast(Boolean)
        return self._temporal(op, args[0], args[1])

    def _queryable(self, node: Any) -> Queryable | None:
        """The queryable a node names, if it is a property."""
        if isinstance(node, dict) and "property" in node:
            return self.allowed[node["property"]]
        return None

    def _column(self, name: str) -> ColumnElement[Any]:
        """A queryable's column."""
        return self.table.c.geom if name == GEOMETRY else self.table.c[name]

    def _pair(self, left: Any, right: Any) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
        """Two operands that may be compared: FilterError unless they are of one kind."""
        lhs, left_kind = self._operand(left, right)
        rhs, right_kind = self._operand(right, left)
        if left_kind != right_kind:
            raise FilterError(f"cannot compare a {left_kind} with a {right_kind}")
        return lhs, rhs

    def _operand(self, node: Any, other: Any) -> tuple[ColumnElement[Any], str]:
        """A property's column or a literal, with its kind (a string beside a date-time
        property is read as a time)."""
        if isinstance(node, dict) and node.get("op") == CASEI:
            inner, kind = self._operand(node["args"][0], other)
            if kind != "string":
                raise FilterError("CASEI takes a text property or text")
            return func.lower(inner), "string"
        queryable = self._queryable(node)
        if queryable is not None:
            if queryable.type == "geometry":
                raise FilterError("the geometry is compared with S_ functions only")
            return self._column(queryable.name), _kind(queryable)
        if isinstance(node, dict) and ("timestamp" in node or "date" in node):
            return _bound(_instant(node)[0]), "time"
        if isinstance(node, bool):
            return literal(node, Boolean), "boolean"
        if isinstance(node, int | float):
            if not math.isfinite(node):
                raise FilterError(f"{node!r} is not a finite number")
            return literal(node), "number"
        if isinstance(node, str):
            partner = self._queryable(other)
            if partner is not None and partner.is_time:
                return _bound(_instant(node)[0]), "time"
            if "\x00" in node:
                raise FilterError("a text value holds a NUL character")
            return literal(node, Text), "string"
        raise FilterError(f"{json.dumps(node)[:80]} is not a value here")

    def _geometry(self, node: Any) -> ColumnElement[Any]:
        """The geometry column, a GeoJSON geometry or a BBOX."""
        queryable = self._queryable(node)
        if queryable is not None:
            if queryable.type != "geometry":
                raise FilterError(f"{queryable.name} is not a geometry")
            return self.table.c.geom
        if isinstance(node, dict) and "bbox" in node:
            return _envelope(node["bbox"])
        if isinstance(node, dict) and isinstance(node.get("type"), str):
            return func.ST_SetSRID(func.ST_GeomFromGeoJSON(json.dumps(node)), 4326)
        raise FilterError(f"{json.dumps(node)[:80]} is not a geometry")

    def _temporal(self, op: str, left: Any, right: Any) -> ColumnElement[bool]:
        """A T_ function on instants or intervals (closed; an open end is unbounded)."""
        a1, a2 = self._period(left)
        b1, b2 = self._period(right)
        rules = {
            "t_after": a1 > b2, "t_before": a2 < b1,
            "t_contains": and_(a1 < b1, a2 > b2), "t_during": and_(a1 > b1, a2 < b2),
            "t_disjoint": or_(a2 < b1, a1 > b2), "t_equals": and_(a1 == b1, a2 == b2),
            "t_finishedby": and_(a1 < b1, a2 == b2), "t_finishes": and_(a1 > b1, a2 == b2),
            "t_intersects": and_(a1 <= b2, a2 >= b1), "t_meets": a2 == b1, "t_metby": a1 == b2,
            "t_overlappedby": and_(a1 > b1, a1 < b2, a2 > b2),
            "t_overlaps": and_(a1 < b1, a2 > b1, a2 < b2),
            "t_startedby": and_(a1 == b1, a2 > b2), "t_starts": and_(a1 == b1, a2 < b2),
        }  # fmt: skip
        return rules[op]

    def _period(self, node: Any) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
        """An operand as (start, end): an instant is both, a day runs to its last moment."""
        if isinstance(node, dict) and "interval" in node:
            ends = node["interval"]
            if not isinstance(ends, list) or len(ends) != 2:
                raise FilterError("an INTERVAL has a start and an end")
            return self._end(ends[0], _PAST), self._end(ends[1], _FUTURE)
        queryable = self._queryable(node)
        if queryable is not None:
            column = self._time_column(queryable)
            return column, column
        moment, whole_day = _instant(node)
        return _bound(moment), _bound(moment + _DAY if whole_day else moment)

    def _end(self, node: Any, unbounded: datetime) -> ColumnElement[Any]:
        """One end of an interval: '..' or a null property is unbounded; a day as the end
        includes that day."""
        if node == "..":
            return _bound(unbounded)
        queryable = self._queryable(node)
        if queryable is not None:
            return func.coalesce(self._time_column(queryable), _bound(unbounded))
        moment, whole_day = _instant(node)
        return _bound(moment + _DAY if unbounded is _FUTURE and whole_day else moment)

    def _time_column(self, queryable: Queryable) -> ColumnElement[Any]:
        """A date-time property's column."""
        if not queryable.is_time:
            raise FilterError(f"{queryable.name} is not a date-time")
        return self._column(queryable.name)


def _is_text(node: Any) -> bool:
    """A text literal, or CASEI of one."""
    if isinstance(node, dict) and node.get("op") == CASEI:
        return _is_text(node["args"][0])
    return isinstance(node, str)


def _kind(queryable: Queryable) -> str:
    """A queryable's kind for comparisons."""
    if queryable.is_time:
        return "time"
    if queryable.type in ("integer", "number"):
        return "number"
    return "boolean" if queryable.type == "boolean" else "string"


def _envelope(values: Any) -> ColumnElement[Any]:
    """A BBOX in lon/lat (4 or 6 numbers); west > east crosses 180° (two boxes)."""
    try:
        box = [float(v) for v in values]
    except (TypeError, ValueError):
        raise FilterError("a BBOX is 4 (or 6) numbers") from None
    if len(box) == 6:
        box = [box[0], box[1], box[3], box[4]]
    if len(box) != 4 or not all(math.isfinite(v) for v in box):
        raise FilterError("a BBOX is 4 (or 6) finite numbers")
    west, south, east, north = box
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90):
        raise FilterError("a BBOX is west, south, east, north within ±180° and ±90°")
    if west > east:
        return func.ST_Union(
            func.ST_MakeEnvelope(west, south, 180.0, north, 4326),
            func.ST_MakeEnvelope(-180.0, south, east, north, 4326),
        )
    return func.ST_MakeEnvelope(west, south, east, north, 4326)


def _bound(moment: datetime) -> ColumnElement[Any]:
    """A bound timestamptz."""
    return literal(moment, DateTime(timezone=True))


def _instant(node: Any) -> tuple[datetime, bool]:
    """A TIMESTAMP, DATE or RFC 3339 string as an aware UTC datetime, and whether it was a
    whole day; FilterError otherwise."""
    text = node.get("timestamp", node.get("date")) if isinstance(node, dict) else node
    if not isinstance(text, str):
        raise FilterError(f"{json.dumps(node)[:80]} is not a date-time")
    try:
        moment, whole_day = read_instant(text)
    except InstantError as error:
        raise FilterError(str(error)) from None
    if not 1 <= moment.year <= 9998:
        raise FilterError(f"{text!r} is out of range (years 1 to 9998)")
    return moment, whole_day


def filter_condition(
    tree: dict[str, Any] | bool, table: Table, allowed: Mapping[str, Queryable]
) -> ColumnElement[bool]:
    """The SQL condition of a checked filter on a layer's table."""
    try:
        return _Translator(table, allowed).condition(tree)
    except FilterError:
        raise
    except (KeyError, IndexError, TypeError, ValueError, OverflowError):
        raise FilterError("an operator has the wrong number or kind of arguments") from None
