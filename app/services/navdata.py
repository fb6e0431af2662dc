"""Which navigation data a filed route is resolved with: the cycle named in the request, or the
one in force when the flight departs (now, without a departure time)."""

from collections.abc import Collection
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine

from app.core.navdata.index import NavdataIndex
from app.core.navdata.model import Cycle
from app.core.routes.resolve import NavdataLookup, RouteInputError
from app.store.navdata import cycles, navdata_for_route


def navdata_lookup(source: Engine | Connection) -> NavdataLookup:
    """A lookup of the part of a cycle a route names, on this database (a connection: inside
    its transaction)."""

    def lookup(
        names: Collection[str],
        airports: Collection[str],
        departure_time: datetime | None,
        cycle: str | None,
    ) -> NavdataIndex | str:
        """The route's part of the chosen cycle, or why there is none."""
        with _connected(source) as connection:
            loaded = cycles(connection)
            listed = ", ".join(c.cycle for c in loaded) or "none"
            if cycle is not None:
                chosen = next((c for c in loaded if c.cycle == cycle), None)
                if chosen is None:
                    raise RouteInputError(
                        "navdata_cycle", f"cycle {cycle} is not loaded (loaded: {listed})"
                    )
            else:
                at = departure_time or datetime.now(UTC)
                chosen = next((c for c in loaded if c.effective_from <= at < c.effective_to), None)
                if chosen is None:
                    return (
                        f"no navdata cycle in force at {at:%Y-%m-%dT%H:%MZ} (loaded: {listed}; "
                        "name one with navdata_cycle)"
                    )
            window = Cycle(chosen.cycle, chosen.effective_from, chosen.effective_to)
            return navdata_for_route(connection, window, names, airports)

    return lookup


def _connected(source: Engine | Connection) -> AbstractContextManager[Connection]:
    """A connection to use: a new one from an engine, or the one given (left open)."""
    return source.connect() if isinstance(source, Engine) else nullcontext(source)
