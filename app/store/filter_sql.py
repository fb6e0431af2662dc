"""A checked CQL2 filter (`core/layers/item_filter.py`) as a SQLAlchemy condition on a layer's
table: every value bound as a parameter, never formatted into SQL.

Times compare as timestamps (a string compared with a date-time property is read as one, as
GDAL sends them); a validity window with no end (valid_to null) is open to the future in the
T_ operators, as everywhere in the service; intervals are closed, as CQL2 defines them; a DATE is
its whole UTC day. Geometries are WGS84 lon/lat (CRS84), as the collections publish them.
"""

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    DateTime,
    Table,
    and_,
    func,
    literal,
    not_,
    or_,
)

from app.core.layers.item_filter import FilterError
from app.core.layers.queryables import GEOMETRY, Queryable

_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)
_PAST = datetime(1, 1, 1, tzinfo=UTC)
_COMPARE = {"=", "<>", "<", "<=", ">", ">="}


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
        if op == "and":
            return and_(*(self.condition(a) for a in args))
        if op == "or":
            return or_(*(self.condition(a) for a in args))
        if op == "not":
            return not_(self.condition(args[0]))
        if op in _COMPARE:
            return self._compare(op, args[0], args[1])
        if op == "like":
            return self._value(args[0]).like(self._value(args[1]), escape="\\")
        if op == "between":
            column = self._value(args[0])
            low, high = (self._value(a, like=args[0]) for a in args[1:3])
            return column.between(low, high)
        if op == "in":
            if not isinstance(args[1], list):
                raise FilterError("IN takes a list of values")
            column = self._value(args[0])
            return column.in_([self._value(v, like=args[0]) for v in args[1]])
        if op == "isNull":
            return self._value(args[0]).is_(None)
        if op.startswith("s_"):
            return self._spatial(op, args[0], args[1])
        return self._temporal(op, args[0], args[1])

    def _queryable(self, node: Any) -> Queryable | None:
        """The queryable a node names, if it is a property."""
        if isinstance(node, dict) and "property" in node:
            return self.allowed[node["property"]]
        return None

    def _column(self, name: str) -> ColumnElement[Any]:
        """A queryable's column."""
        return self.table.c.geom if name == GEOMETRY else self.table.c[name]

    def _compare(self, op: str, left: Any, right: Any) -> ColumnElement[bool]:
        """A comparison, literals read as the other side's type."""
        lhs = self._value(left, like=right)
        rhs = self._value(right, like=left)
        return {
            "=": lhs == rhs, "<>": lhs != rhs, "<": lhs < rhs, "<=": lhs <= rhs,
            ">": lhs > rhs, ">=": lhs >= rhs,
        }[op]  # fmt: skip

    def _value(self, node: Any, like: Any = None) -> ColumnElement[Any]:
        """A property's column, or a literal (read as `like`'s type when that is a property)."""
        queryable = self._queryable(node)
        if queryable is not None:
            if queryable.type == "geometry":
                raise FilterError("the geometry is compared with S_ operators only")
            return self._column(queryable.name)
        kind = self._queryable(like)
        if isinstance(node, dict) and ("timestamp" in node or "date" in node):
            return literal(_instant(node), DateTime(timezone=True))
        if kind is not None and kind.is_time:
            return literal(_instant(node), DateTime(timezone=True))
        numeric = kind is not None and kind.type in ("integer", "number")
        if numeric and (isinstance(node, bool) or not isinstance(node, int | float)):
            raise FilterError(f"{node!r} is not a number")
        if isinstance(node, dict | list):
            raise FilterError(f"{json.dumps(node)[:80]} is not a value here")
        return literal(node)

    def _spatial(self, op: str, left: Any, right: Any) -> ColumnElement[bool]:
        """S_INTERSECTS and friends, on WGS84 geometries."""
        a, b = self._geometry(left), self._geometry(right)
        function = {
            "s_intersects": func.ST_Intersects, "s_disjoint": func.ST_Disjoint,
            "s_within": func.ST_Within, "s_contains": func.ST_Contains,
        }[op]  # fmt: skip
        return function(a, b).cast(Boolean)

    def _geometry(self, node: Any) -> ColumnElement[Any]:
        """The geometry column, a GeoJSON geometry or a BBOX."""
        queryable = self._queryable(node)
        if queryable is not None:
            if queryable.type != "geometry":
                raise FilterError(f"{queryable.name} is not a geometry")
            return self.table.c.geom
        if isinstance(node, dict) and "bbox" in node:
            box = [float(v) for v in node["bbox"]]
            if len(box) == 6:
                box = [box[0], box[1], box[3], box[4]]
            if len(box) != 4:
                raise FilterError("a BBOX has 4 (or 6) numbers")
            return func.ST_MakeEnvelope(*box, 4326)
        if isinstance(node, dict) and isinstance(node.get("type"), str):
            return func.ST_SetSRID(func.ST_GeomFromGeoJSON(json.dumps(node)), 4326)
        raise FilterError(f"{json.dumps(node)[:80]} is not a geometry")

    def _temporal(self, op: str, left: Any, right: Any) -> ColumnElement[bool]:
        """A T_ operator on instants or intervals (closed; an open end is unbounded)."""
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
        """An operand as (start, end): an instant is both; an unbounded end is far away."""
        if isinstance(node, dict) and "interval" in node:
            start, end = node["interval"]
            return self._end(start, _PAST), self._end(end, _FUTURE)
        queryable = self._queryable(node)
        if queryable is not None:
            column = self._time_column(queryable)
            return column, column
        if isinstance(node, dict) and "date" in node:
            day = _instant(node)
            return _bound(day), _bound(day + timedelta(days=1, microseconds=-1))
        moment = _bound(_instant(node))
        return moment, moment

    def _end(self, node: Any, unbounded: datetime) -> ColumnElement[Any]:
        """One end of an interval: '..' or a null property is unbounded."""
        if node == "..":
            return _bound(unbounded)
        queryable = self._queryable(node)
        if queryable is not None:
            return func.coalesce(self._time_column(queryable), _bound(unbounded))
        return _bound(_instant(node))

    def _time_column(self, queryable: Queryable) -> ColumnElement[Any]:
        """A date-time property's column."""
        if not queryable.is_time:
            raise FilterError(f"{queryable.name} is not a date-time")
        return self._column(queryable.name)


def _bound(moment: datetime) -> ColumnElement[Any]:
    """A bound timestamptz."""
    return literal(moment, DateTime(timezone=True))


def _instant(node: Any) -> datetime:
    """A TIMESTAMP, DATE or RFC 3339 string as an aware UTC datetime; FilterError otherwise."""
    text = node.get("timestamp", node.get("date")) if isinstance(node, dict) else node
    if not isinstance(text, str):
        raise FilterError(f"{json.dumps(node)[:80]} is not a date-time")
    if len(text) == 11 and text[-1] in "Tt":
        text = text[:-1]  # a date as GDAL writes it: 2014-01-01T
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(0), tzinfo=UTC)
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise FilterError(f"{text!r} is not an RFC 3339 date-time or date") from None
    if moment.tzinfo is None:
        raise FilterError(f"{text!r} has no time zone (add Z for UTC)")
    return moment.astimezone(UTC)


def filter_condition(
    tree: dict[str, Any], table: Table, allowed: Mapping[str, Queryable]
) -> ColumnElement[bool]:
    """The SQL condition of a checked filter on a layer's table."""
    try:
        return _Translator(table, allowed).condition(tree)
    except (KeyError, IndexError, TypeError):
        raise FilterError("an operator has the wrong number or kind of arguments") from None
