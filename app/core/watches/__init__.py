"""Watched flights: schedules, and what changed between two checks."""
