"""Flown tracks (ADS-B state vectors) screened against the layers in 4D."""
