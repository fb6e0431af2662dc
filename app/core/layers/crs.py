"""The coordinate reference systems the layers are served in (OGC API – Features Part 2):
CRS84 (stored, longitude–latitude), EPSG:4326 (latitude–longitude, as that CRS defines its
axes) and Web Mercator (EPSG:3857, metres)."""

from dataclasses import dataclass

from pyproj import Transformer

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
EPSG3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"


@dataclass(frozen=True)
class ServedCrs:
    """A CRS as served: its URI, SRID, whether its first axis is latitude, and the decimals
    that keep about 0.1 m."""

    uri: str
    srid: int
    lat_first: bool
    decimals: int


SERVED = {
    CRS84: ServedCrs(CRS84, 4326, False, 6),
    EPSG4326: ServedCrs(EPSG4326, 4326, True, 6),
    EPSG3857: ServedCrs(EPSG3857, 3857, False, 1),
}
# Short names clients also send.
ALIASES = {"EPSG:4326": EPSG4326, "EPSG:3857": EPSG3857, "OGC:CRS84": CRS84}
_FROM_MERCATOR = Transformer.from_crs(3857, 4326, always_xy=True)


def served_crs(name: str) -> ServedCrs | None:
    """The CRS of a URI (or short name), None if it is not served."""
    return SERVED.get(ALIASES.get(name, name))


def envelope_to_crs84(
    crs: ServedCrs, a: float, b: float, c: float, d: float
) -> tuple[float, float, float, float]:
    """A bbox given in a served CRS as (west, south, east, north) in CRS84 (a Web Mercator
    rectangle is exactly a longitude–latitude one)."""
    if crs.srid == 3857:
        west, south = _FROM_MERCATOR.transform(a, b)
        east, north = _FROM_MERCATOR.transform(c, d)
        return west, south, east, north
    if crs.lat_first:
        return b, a, d, c
    return a, b, c, d
