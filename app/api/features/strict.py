"""OGC API – Features Part 1 (/req/core/query-param-unknown): a query parameter an endpoint
does not take is a 400 naming it, never silently ignored (a client that believes it filtered
must learn that it did not)."""

from fastapi import Request
from fastapi.dependencies.models import Dependant

from app.api.problems import FieldError, Problem


def _declared(dependant: Dependant) -> set[str]:
    """The query parameters an endpoint and its dependencies declare."""
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _declared(sub)
    return names


async def reject_unknown_parameters(request: Request) -> None:
    """A 400 problem naming every query parameter the matched endpoint does not take."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    allowed = _declared(dependant)
    unknown = sorted(set(request.query_params) - allowed)
    if not unknown:
        return
    takes = ", ".join(sorted(allowed)) or "none"
    reason = f"not a parameter of this endpoint (it takes: {takes})"
    raise Problem(
        400,
        f"unknown query parameter{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}",
        "invalid-parameter",
        "Invalid parameter",
        [FieldError(name, reason) for name in unknown],
    )
