"""Geodesy on the WGS84 ellipsoid (pyproj Geod), antimeridian- and pole-safe."""

from pyproj import Geod

WGS84: Geod = Geod(ellps="WGS84")
