"""Navigation data indexed for resolving a route: fixes by identifier, airway legs by airway,
procedures by airport and name. Built from a whole cycle or from the part of one that a route
names (as the store reads it)."""

from collections import defaultdict
from collections.abc import Iterable

from app.core.navdata.model import AirwayLeg, Cycle, Fix, Navdata, Procedure, ProcedureKind


class NavdataIndex:
    """One cycle's fixes, airways and procedures, looked up by name."""

    def __init__(
        self,
        cycle: Cycle,
        fixes: Iterable[Fix],
        airways: Iterable[AirwayLeg],
        procedures: Iterable[Procedure],
    ) -> None:
        self.cycle = cycle
        self._fixes: dict[str, list[Fix]] = defaultdict(list)
        for fix in fixes:
            self._fixes[fix.ident].append(fix)
        self._airways: dict[str, list[AirwayLeg]] = defaultdict(list)
        for leg in airways:
            self._airways[leg.airway].append(leg)
        self._procedures: dict[tuple[str, str], list[Procedure]] = defaultdict(list)
        for procedure in procedures:
            self._procedures[(procedure.airport, procedure.ident)].append(procedure)

    @classmethod
    def of(cls, navdata: Navdata) -> "NavdataIndex":
        """An index of everything one file held."""
        return cls(navdata.cycle, navdata.fixes, navdata.airways, navdata.procedures)

    def fixes(self, ident: str) -> list[Fix]:
        """Every point of this identifier (airports included)."""
        return list(self._fixes.get(ident, ()))

    def airway(self, name: str) -> list[AirwayLeg]:
        """The legs of the airway(s) of this name (one name may be used in several regions)."""
        return list(self._airways.get(name, ()))

    def has_airway(self, name: str) -> bool:
        """Whether any airway has this name."""
        return name in self._airways

    def procedures(self, airport: str, ident: str, kind: ProcedureKind) -> list[Procedure]:
        """The transitions of one SID or STAR at an airport."""
        return [p for p in self._procedures.get((airport, ident), ()) if p.kind is kind]
