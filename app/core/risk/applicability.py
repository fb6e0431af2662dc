"""Who is bound by a record: an FAA SFAR or prohibition NOTAM binds US operators, an EASA CZIB is
a recommendation to EU operators, a Safety Directive binds them, a state's closure of its own
airspace binds whoever it names. Read from the record's issuer, instrument and `binding_for`.

The answer for an operator is True (binding), False (not binding: a recommendation, or an
instrument for other states' operators) or None (the record does not say in a form this module
reads): an unknown is never reported as "not binding".
"""

import re
from dataclasses import dataclass

from app.core.risk.hazards import Hazard, HazardLayer

# EU member states and the EASA associated states (Iceland, Liechtenstein, Norway, Switzerland):
# the operators an EASA Safety Directive binds (through their authorities, Regulation (EU)
# 2018/1139).
EU_STATES = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE"
EASA_STATES = frozenset((*EU_STATES.split(" "), "IS", "LI", "NO", "CH"))
# Everyone flying there (a state's closure of its own airspace to all civil aircraft).
EVERYONE = frozenset({"*"})
# "<nationality>-registered aircraft" in binding_for: the nationalities the layers use.
NATIONALITIES = {"indian": "IN", "pakistan": "PK", "pakistani": "PK", "us": "US"}
_REGISTERED = re.compile(r"^([a-z]+)-registered aircraft", re.IGNORECASE)


@dataclass(frozen=True)
class Operator:
    """Whose flight it is: the state of the operator (or of registry), ISO 3166 alpha-2, and
    the ICAO operator designator (shown; the service holds no designator registry)."""

    state: str | None = None
    designator: str | None = None


def bound_states(hazard: Hazard) -> frozenset[str] | None:
    """The states whose operators the record binds (EVERYONE: all; empty: none, it is a
    recommendation or not an instrument at all), or None when it cannot be read."""
    if hazard.layer is not HazardLayer.CONFLICT_ZONE:
        return frozenset()  # an air-defence site or an incident is information, not an order
    issuer = (hazard.issuer or "").upper()
    instrument = (hazard.instrument or "").lower()
    if issuer == "EASA":
        return EASA_STATES if "safety directive" in instrument else frozenset()
    if issuer == "FAA":
        return frozenset({"US"})
    states: set[str] = set()
    for text in hazard.binding_for:
        if "all civil aircraft" in text.lower():
            return EVERYONE
        match = _REGISTERED.match(text.strip())
        if match and match[1].lower() in NATIONALITIES:
            states.add(NATIONALITIES[match[1].lower()])
    return frozenset(states) if states else None


def binding(hazard: Hazard, operator: Operator | None) -> bool | None:
    """Whether the record binds this operator (None: not asked, or not known)."""
    if operator is None or operator.state is None:
        return None
    states = bound_states(hazard)
    if states is None:
        return None
    return states == EVERYONE or operator.state.upper() in states


def binding_words(hazard: Hazard, operator: Operator | None) -> str:
    """What an advisory means for this operator, for its explanation ('' when not asked)."""
    if operator is None or operator.state is None or hazard.layer is not HazardLayer.CONFLICT_ZONE:
        return ""
    bound = binding(hazard, operator)
    if bound is None:
        return "; whether it binds this operator is not stated in a form the service reads — verify"
    if bound:
        return f"; binding on this operator ({operator.state.upper()})"
    states = bound_states(hazard) or frozenset()
    if not states:
        return "; a recommendation, binding on no operator"
    whose = "EASA member states'" if states == EASA_STATES else ", ".join(sorted(states))
    return f"; not binding on this operator: it binds {whose} operators"
