"""Speed and level groups of ICAO item 15 (Doc 4444, Appendix 2): N0488F350, M082F370,
K0830S1130, N0250A045, N0450VFR; and what they mean in knots and feet.

A speed is a true airspeed. The service flies it as the ground speed (no winds are known), and a
Mach number as the true airspeed it gives in the ISA atmosphere at the level flown.
"""

import math
import re
from dataclasses import dataclass

from app.core.units import metres_to_feet

_GROUP = re.compile(r"^(?P<speed>N\d{4}|K\d{4}|M\d{3})(?P<level>F\d{3}|A\d{3}|S\d{4}|M\d{4}|VFR)$")
_LEVELS = re.compile(r"^(?:F\d{3}|A\d{3}|S\d{4}|M\d{4})$")
KT_PER_KMH = 1.0 / 1.852
# ISA: sea-level temperature, lapse rate to the tropopause (36,089 ft), and the gas constants.
_ISA_T0_K = 288.15
_ISA_LAPSE_K_PER_FT = 0.0019812
_TROPOPAUSE_FT = 36_089.0
_GAMMA_R = 1.4 * 287.053
_KT_PER_M_S = 3600.0 / 1852.0


class SpeedLevelError(ValueError):
    """A speed or level group that item 15 does not allow."""


@dataclass(frozen=True)
class SpeedLevel:
    """A cruising speed and level: speed as written ('N0488'), level in feet (None for VFR)."""

    speed: str
    level_ft: float | None
    level: str

    def true_airspeed_kt(self, at_ft: float | None = None) -> float:
        """The speed in knots (a Mach number at `at_ft`, else at the group's own level)."""
        return speed_kt(self.speed, at_ft if at_ft is not None else self.level_ft)


def is_speed_level(token: str) -> bool:
    """Whether a token has the form of a speed/level group."""
    return _GROUP.match(token.upper()) is not None


def parse_speed_level(token: str) -> SpeedLevel:
    """A speed/level group; SpeedLevelError saying what is wrong."""
    match = _GROUP.match(token.upper())
    if match is None:
        raise SpeedLevelError(
            f"{token!r} is not a speed and level (N0488F350, M082F370, K0830S1130)"
        )
    return SpeedLevel(match["speed"], level_feet(match["level"]), match["level"])


def level_feet(level: str) -> float | None:
    """A level as feet: F350 → 35,000; A045 → 4,500; S1130 → 11,300 m; M0840 → 8,400 m;
    VFR → None."""
    if level == "VFR":
        return None
    if not _LEVELS.match(level):
        raise SpeedLevelError(f"{level!r} is not a level (F350, A045, S1130, M0840)")
    value = int(level[1:])
    if level[0] in "FA":
        return value * 100.0
    return metres_to_feet(value * 10.0)


def speed_kt(speed: str, level_ft: float | None) -> float:
    """A speed as knots: N0488 → 488; K0830 → 830 km/h; M082 → Mach 0.82 in the ISA at the
    level (at sea level without one)."""
    value = int(speed[1:])
    if speed[0] == "N":
        return float(value)
    if speed[0] == "K":
        return value * KT_PER_KMH
    return value / 100.0 * sound_speed_kt(level_ft or 0.0)


def sound_speed_kt(level_ft: float) -> float:
    """The speed of sound in the ISA at a pressure altitude, knots (661.5 at sea level)."""
    temperature_k = _ISA_T0_K - _ISA_LAPSE_K_PER_FT * min(max(level_ft, 0.0), _TROPOPAUSE_FT)
    return math.sqrt(_GAMMA_R * temperature_k) * _KT_PER_M_S
