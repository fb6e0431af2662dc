"""Airspace Risk: dangerous airspace as geometry, and route risk checks against it."""

__version__ = "0.1.0"
