"""Navigation data as the route resolver uses it, whatever file it came from: fixes, navaids
and airports with positions, airways as legs between fixes, SIDs and STARs as fix sequences,
all of one AIRAC cycle.

A fix is named by its identifier and ICAO region (two letters: `UK`, `K2`, `EG`); the same
identifier occurs in many regions, so neither alone is a key. Terminal fixes belong to an
airport (`airport`), en-route ones to none.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class FixKind(StrEnum):
    """What a named point is."""

    WAYPOINT = "waypoint"
    VOR = "vor"  # VOR, VOR/DME, VORTAC
    DME = "dme"  # DME or TACAN alone
    NDB = "ndb"
    AIRPORT = "airport"


class Direction(StrEnum):
    """Which way an airway leg may be flown."""

    BOTH = "both"
    FORWARD = "forward"  # only from `start` to `end`
    BACKWARD = "backward"  # only from `end` to `start`


class ProcedureKind(StrEnum):
    """A standard departure or arrival."""

    SID = "sid"
    STAR = "star"


@dataclass(frozen=True)
class Fix:
    """A named point: identifier, ICAO region, kind and position (WGS84 degrees)."""

    ident: str
    region: str
    kind: FixKind
    lat: float
    lon: float
    name: str | None = None
    # The airport a terminal fix belongs to (None en route).
    airport: str | None = None
    # Magnetic variation at a navaid (station declination), degrees, east positive; None where
    # the data gives none. Bearings in a flight plan are magnetic.
    variation_deg: float | None = None
    # An airport's elevation, feet.
    elevation_ft: float | None = None

    @property
    def key(self) -> tuple[str, str, FixKind]:
        """What tells it from other points of the same identifier."""
        return self.ident, self.region, self.kind


@dataclass(frozen=True)
class AirwayLeg:
    """One leg of an airway, from one fix to the next in the airway's published order."""

    airway: str
    start: Fix
    end: Fix
    direction: Direction = Direction.BOTH
    # Flight levels the leg is published for (None: not given).
    lower_fl: int | None = None
    upper_fl: int | None = None


@dataclass(frozen=True)
class Procedure:
    """A SID or STAR (one transition of it) as the fixes it runs through, in flying order."""

    airport: str
    kind: ProcedureKind
    ident: str
    # The transition: a runway ('RW27L'), an en-route transition fix, or '' for the common part.
    transition: str
    fixes: tuple[Fix, ...]


@dataclass(frozen=True)
class Cycle:
    """An AIRAC cycle: its number ('2513') and when it is in force, [effective_from,
    effective_to)."""

    ident: str
    effective_from: datetime
    effective_to: datetime


@dataclass
class Navdata:
    """Everything one file (or set of files) of one cycle holds."""

    cycle: Cycle
    source_format: str  # 'arinc424' or 'xplane'
    fixes: list[Fix] = field(default_factory=list)
    airways: list[AirwayLeg] = field(default_factory=list)
    procedures: list[Procedure] = field(default_factory=list)
    # Records the parser read but could not use, with the reason: (line number, reason).
    skipped: list[tuple[int, str]] = field(default_factory=list)


class NavdataFileError(ValueError):
    """A file that is not navigation data this service reads; says where and why."""

    def __init__(self, line: int | None, reason: str) -> None:
        super().__init__(reason if line is None else f"line {line}: {reason}")
        self.line = line
        self.reason = reason
