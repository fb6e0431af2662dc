"""Warnings a dispatcher must read: advisories counted although their last known end has passed
with no renewal or withdrawal on record (fail-safe: unknown is never taken as safe)."""

from typing import Any

from app.core.layers.vocabulary import Status
from app.core.risk.check import RouteCheck
from app.core.risk.hazards import status_at


def lapse_words(valid_to_text: str) -> str:
    """The sentence added to a lapsed, unconfirmed advisory's explanation."""
    return (
        f"last known to run until {valid_to_text}; no renewal or withdrawal on record; "
        "treated as in force — verify"
    )


def lapse_warnings(check: RouteCheck) -> list[dict[str, Any]]:
    """One warning per hazard that applies somewhere on the route while lapsed-unconfirmed."""
    if not check.segments:
        return []
    applied = check.segments[0].applied
    warnings: dict[str, dict[str, Any]] = {}
    for number, hazard in enumerate(applied.hazards):
        lifecycle = hazard.lifecycle
        if lifecycle is None or lifecycle.lapses_at() is None or hazard.id in warnings:
            continue
        ends_m = applied.spans.high[applied.spans.owner == number]
        times = [check.plan.time_at(float(end_m)) or check.valid_at for end_m in ends_m]
        lapsed = [
            t for t in times if t is not None and status_at(hazard, t) is Status.LAPSED_UNCONFIRMED
        ]
        if not lapsed:
            continue
        assert lifecycle.valid_to is not None
        warnings[hazard.id] = {
            "layer": hazard.layer.value,
            "id": hazard.id,
            "name": hazard.name,
            "status": Status.LAPSED_UNCONFIRMED.value,
            "valid_to": lifecycle.valid_to.isoformat().replace("+00:00", "Z"),
            "message": f"{hazard.name}: "
            + lapse_words(lifecycle.valid_to.strftime("%d %b %Y").lstrip("0")),
        }
    return [warnings[key] for key in sorted(warnings)]
