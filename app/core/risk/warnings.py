"""Warnings a dispatcher must read: advisories counted although their last known end has passed
with no renewal or withdrawal on record (fail-safe: unknown is never taken as safe)."""

from datetime import datetime
from typing import Any

from app.core.layers.lifecycle import day_text
from app.core.layers.vocabulary import Status
from app.core.risk.check import RouteCheck
from app.core.risk.hazards import status_at


def lapse_words(valid_to: datetime) -> str:
    """The sentence added to a lapsed, unconfirmed advisory's explanation."""
    return (
        f"last known to run until {day_text(valid_to)}; no renewal or withdrawal on record; "
        "treated as in force — verify"
    )


# Where along a stretch its status is read: just before its end, which is as late as the
# stretch goes (so an unconfirmed end passed mid-stretch shows) yet still inside it (a window
# that ends at the stretch's end is exclusive there).
STATUS_PROBE_BEFORE_END_M = 1.0


def status_time(check: RouteCheck, start_m: float, end_m: float) -> datetime | None:
    """When a stretch of route is flown, for the status of what applies on it: just before its
    end (the check's instant for a plan without times)."""
    probe_m = max(start_m + (end_m - start_m) / 2, end_m - STATUS_PROBE_BEFORE_END_M)
    return check.plan.time_at(probe_m) or check.valid_at


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
        mine = applied.spans.owner == number
        spans = zip(
            applied.spans.low[mine].tolist(), applied.spans.high[mine].tolist(), strict=True
        )
        times = [status_time(check, low, high) for low, high in spans]
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
            "message": f"{hazard.name}: " + lapse_words(lifecycle.valid_to),
        }
    return [warnings[key] for key in sorted(warnings)]
