"""A small navigation-data world for tests, written to fixture files in each format the service
reads (ARINC 424 and X-Plane) so that both can be checked to give the same routes.

Made up for tests: the identifiers echo real ones so that routes read as dispatchers file them,
but the positions are approximate and the airways and procedures simplified. Never use it as
navigation data.
"""

from app.core.navdata.airac import cycle_of
from app.core.navdata.model import (
    AirwayLeg,
    Direction,
    Fix,
    FixKind,
    Navdata,
    Procedure,
    ProcedureKind,
)

CYCLE = cycle_of("2612")  # in force 26 Nov – 24 Dec 2026

EGLL = Fix("EGLL", "EG", FixKind.AIRPORT, 51.4775, -0.461389, "LONDON HEATHROW", elevation_ft=83)
OMDB = Fix("OMDB", "OM", FixKind.AIRPORT, 25.252778, 55.364444, "DUBAI INTL", elevation_ft=62)
OIIE = Fix("OIIE", "OI", FixKind.AIRPORT, 35.416111, 51.152222, "IMAM KHOMEINI", elevation_ft=3305)
UKBB = Fix("UKBB", "UK", FixKind.AIRPORT, 50.345, 30.894722, "KYIV BORYSPIL", elevation_ft=427)

LON = Fix("LON", "EG", FixKind.VOR, 51.486944, -0.4675, "LONDON", variation_deg=-1.0)
BIG = Fix("BIG", "EG", FixKind.VOR, 51.330833, 0.034722, "BIGGIN", variation_deg=-1.0)
DVR = Fix("DVR", "EG", FixKind.VOR, 51.162222, 1.359722, "DOVER", variation_deg=-1.0)
WOD = Fix("WOD", "EG", FixKind.NDB, 51.453056, -0.878611, "WOODLEY")
KONAN = Fix("KONAN", "EB", FixKind.WAYPOINT, 51.118889, 2.0)
KOK = Fix("KOK", "EB", FixKind.VOR, 51.094444, 2.652778, "KOKSY", variation_deg=0.0)
REMBA = Fix("REMBA", "EB", FixKind.WAYPOINT, 50.75, 4.35)
SPI = Fix("SPI", "EB", FixKind.VOR, 50.5125, 5.623889, "SPRIMONT", variation_deg=1.0)
ITRAX = Fix("ITRAX", "OM", FixKind.WAYPOINT, 25.6, 54.9)
DB512 = Fix("DB512", "OM", FixKind.WAYPOINT, 25.35, 55.2, airport="OMDB")
# The same identifier far away: the resolver must take the one near the route.
DVR_US = Fix("DVR", "K6", FixKind.VOR, 39.129722, -75.466389, "DOVER", variation_deg=-11.0)

AIRPORTS = [EGLL, OMDB, OIIE, UKBB]
FIXES = [LON, BIG, DVR, WOD, KONAN, KOK, REMBA, SPI, ITRAX, DB512, DVR_US]

AIRWAYS = [
    AirwayLeg("L9", DVR, KONAN, Direction.BOTH, 50, 245),
    AirwayLeg("UL607", KONAN, KOK, Direction.BOTH, 245, 460),
    # One way only: KOK to REMBA may be flown, REMBA to KOK may not.
    AirwayLeg("UL607", KOK, REMBA, Direction.FORWARD, 245, 460),
    AirwayLeg("UL607", REMBA, SPI, Direction.BOTH, 245, 460),
]

PROCEDURES = [
    Procedure("EGLL", ProcedureKind.SID, "DVR6J", "RW27L", (LON, BIG, DVR)),
    Procedure("EGLL", ProcedureKind.SID, "DVR6J", "RW09R", (BIG, DVR)),
    Procedure("OMDB", ProcedureKind.STAR, "ITRA1A", "", (ITRAX, DB512)),
]


def world() -> Navdata:
    """The whole world as one cycle's navigation data."""
    return Navdata(
        cycle=CYCLE,
        source_format="world",
        fixes=[*AIRPORTS, *FIXES],
        airways=list(AIRWAYS),
        procedures=list(PROCEDURES),
    )
