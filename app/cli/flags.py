"""Route-check fields as the flags a user typed: an error says `--fl`, not `cruise_fl`."""

import re

FLAGS = {
    "departure": "DEPARTURE",
    "destination": "DESTINATION",
    "via": "--via",
    "icao_route": "--route",
    "eets": "--eet",
    "navdata_cycle": "--navdata-cycle",
    "cruise_fl": "--fl",
    "departure_time": "--departure",
    "ground_speed_kt": "--speed",
    "incident_radius_nm": "--incident-radius",
    "as_of": "--as-of",
    "operator": "--operator-state",
    "operator.state": "--operator-state",
    "operator.designator": "--operator",
    "issuers": "--issuer",
}


def flag_of(field: str) -> str:
    """The flag of a dotted field: `cruise_fl` → `--fl`, `via.2` → `--via (3rd)`, `icao_route.4`
    → `--route (token 5)`; a field with no flag stays as it is."""
    if field in FLAGS:
        return FLAGS[field]
    head, _, rest = field.partition(".")
    if head in FLAGS and rest.isdigit():
        number = int(rest) + 1
        which = f"token {number}" if head == "icao_route" else _ordinal(number)
        return f"{FLAGS[head]} ({which})"
    return field


def _ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, … 11th, 12th, 13th, 21st."""
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


# Field names that read as field names (with an underscore or a dot) inside a reason's words.
_NAMED = re.compile(
    r"\b("
    + "|".join(re.escape(f) for f in sorted(FLAGS, key=len, reverse=True) if "_" in f)
    + r")\b"
)


def in_flags(reason: str) -> str:
    """A reason with the request's field names written as flags ("cruise_fl is needed" →
    "--fl is needed")."""
    return _NAMED.sub(lambda match: FLAGS[match.group(1)], reason)
