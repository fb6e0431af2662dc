"""An items filter (OGC API – Features Part 3): CQL2 text or JSON, parsed by the `cql2` library
into its JSON form, then checked here against the collection's queryables and the operators the
service translates (`store/filter_sql.py`), so that nothing else ever reaches SQL.

`cql-text` (the name GDAL 3.6 uses for the text encoding) is read as CQL2 text.
"""

from collections.abc import Mapping
from typing import Any

import cql2

from app.core.layers.queryables import Queryable

LANGUAGES = ("cql2-text", "cql2-json", "cql-text")
LOGICAL = frozenset({"and", "or", "not"})
COMPARISON = frozenset({"=", "<>", "<", "<=", ">", ">=", "like", "between", "in", "isNull"})
# CASEI(text): a text operand compared without regard to case (CQL2 case-insensitive comparison).
CASEI = "casei"
SPATIAL = frozenset(
    {
        "s_intersects", "s_disjoint", "s_within", "s_contains", "s_equals", "s_touches",
        "s_crosses", "s_overlaps",
    }
)  # fmt: skip
TEMPORAL = frozenset(
    {
        "t_after", "t_before", "t_contains", "t_disjoint", "t_during", "t_equals",
        "t_finishedby", "t_finishes", "t_intersects", "t_meets", "t_metby", "t_overlappedby",
        "t_overlaps", "t_startedby", "t_starts",
    }
)  # fmt: skip
MAX_FILTER_CHARS = 20_000
MAX_DEPTH = 30


class FilterError(ValueError):
    """A filter the service cannot use; the reason says what to change."""


def parse_filter(text: str, language: str | None) -> dict[str, Any] | bool:
    """The filter as CQL2 JSON; FilterError for a bad language, syntax or size."""
    language = language or "cql2-text"
    if language not in LANGUAGES:
        raise FilterError(f"filter-lang {language!r} is not one of {', '.join(LANGUAGES)}")
    if len(text) > MAX_FILTER_CHARS:
        raise FilterError(f"longer than {MAX_FILTER_CHARS:,} characters")
    if language != "cql2-json":
        _check_nesting(text)
    try:
        parsed = cql2.parse_json(text) if language == "cql2-json" else cql2.parse_text(text)
        tree = parsed.to_json()
    except (cql2.ParseError, cql2.ValidationError, ValueError) as error:
        first = str(error).strip().splitlines()
        raise FilterError(f"not valid {language}: {first[0] if first else error}") from None
    if not isinstance(tree, dict | bool):
        raise FilterError("a filter is a boolean expression")
    return tree  # a bool is a filter too (basic CQL2)


def _check_nesting(text: str) -> None:
    """Refuse text nested deeper than MAX_DEPTH before parsing it: the parser recurses on its
    own stack, and a few thousand brackets, minus signs or NOTs overflow it (the process dies)."""
    depth = deepest = 0
    quoted = False
    for word in text.replace("(", " ( ").replace(")", " ) ").split():
        if word.count("'") % 2:
            quoted = not quoted
        if quoted:
            continue
        if word == "(":
            depth += 1
        elif word == ")":
            depth -= 1
        # Unary signs nest too: a run of them is as many levels.
        signs = len(word) - len(word.lstrip("-+"))
        deepest = max(deepest, depth + signs)
    nots = max((len(run.split()) for run in _not_runs(text)), default=0)
    if max(deepest, nots) > MAX_DEPTH:
        raise FilterError(f"nested deeper than {MAX_DEPTH} levels")


def _not_runs(text: str) -> list[str]:
    """Runs of consecutive NOTs (each nests the next)."""
    runs, current = [], []
    for word in text.upper().split():
        if word == "NOT":
            current.append(word)
        else:
            if current:
                runs.append(" ".join(current))
            current = []
    if current:
        runs.append(" ".join(current))
    return runs


def check_filter(tree: Any, allowed: Mapping[str, Queryable]) -> None:
    """Refuse any operator the service does not translate and any property not queryable."""
    _check(tree, allowed, 0, boolean=True)


def _check(node: Any, allowed: Mapping[str, Queryable], depth: int, boolean: bool) -> None:
    """Walk one node (boolean: where a predicate must stand)."""
    if depth > MAX_DEPTH:
        raise FilterError(f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(node, dict) and "op" in node:
        op = node["op"]
        args = node.get("args", [])
        if op in LOGICAL:
            for arg in args:
                _check(arg, allowed, depth + 1, boolean=True)
            return
        if op in COMPARISON | SPATIAL | TEMPORAL:
            for arg in args:
                _check(arg, allowed, depth + 1, boolean=False)
            return
        if op == CASEI and not boolean and len(args) == 1:
            _check(args[0], allowed, depth + 1, boolean=False)
            return
        raise FilterError(
            f"the operator or function {op!r} is not supported (comparisons, LIKE, BETWEEN, IN, "
            "IS NULL, CASEI on text, the S_ and the T_ functions are)"
        )
    if boolean and not (isinstance(node, bool)):
        raise FilterError("a filter is a boolean expression")
    if isinstance(node, dict) and "property" in node:
        name = node["property"]
        if name not in allowed:
            raise FilterError(
                f"{name!r} is not queryable here (see the collection's queryables: "
                f"{', '.join(allowed)})"
            )
        return
    if isinstance(node, dict) and "interval" in node:
        for end in node["interval"]:
            _check(end, allowed, depth + 1, boolean=False)
        return
    if isinstance(node, list):
        for item in node:
            _check(item, allowed, depth + 1, boolean=False)
