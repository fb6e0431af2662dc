"""A route check's segments as a table for the terminal."""

from typing import Any


def _clock(point: dict[str, Any]) -> str:
    """HH:MMZ of a point's time, or '-'."""
    time = point.get("time")
    return f"{time[11:16]}Z" if isinstance(time, str) else "-"


def segment_table(result: dict[str, Any]) -> str:
    """Segments with distances, altitudes, times, score, category and reasons."""
    lines = [
        f"{'#':>2} {'from NM':>8} {'to NM':>8} {'alt ft':>15} {'time':>15} "
        f"{'score':>5} {'category':<9} reasons"
    ]
    for segment in result["segments"]:
        start, end = segment["start"], segment["end"]
        # An arrow, not a hyphen: a negative altitude (Schiphol, -11 ft) must read as one.
        altitudes = f"{start['alt_ft']:>6} → {end['alt_ft']:<6}"
        times = f"{_clock(start)} → {_clock(end)}"
        reasons = [h["explanation"] for h in segment["hazards"]] or ["-"]
        lines.append(
            f"{segment['index']:>2} {segment['start_nm']:>8.1f} {segment['end_nm']:>8.1f} "
            f"{altitudes:>15} {times:>15} {segment['score']:>5.1f} {segment['category']:<9} "
            f"{reasons[0]}"
        )
        lines.extend(f"{'':>69}{reason}" for reason in reasons[1:])
    summary = result["summary"]
    lines.append("")
    lines.append(
        f"overall {summary['score']:.1f} {summary['category']} (worst segment "
        f"{summary['worst_segment']}); data_version {summary['data_version']}"
    )
    if summary.get("as_of"):
        lines.append(f"as known at {summary['as_of']} (what was published by then)")
    if summary.get("operator"):
        prohibitions = ", ".join(summary.get("binding_prohibitions") or []) or "none"
        lines.append(
            f"binding prohibitions for an operator of {summary['operator']['state']}: "
            f"{prohibitions}"
        )
    for warning in summary.get("warnings", []):
        lines.append(f"WARNING {warning['message']}")
    for incident in result["incidents_nearby"]:
        later = " (after departure: not scored)" if incident.get("after_departure") else ""
        lines.append(
            f"incident {incident['id']} {incident['occurred_at'][:10]} "
            f"{incident['distance_nm']:.1f} NM from the route{later}: {incident['summary']}"
        )
    return "\n".join(lines)
