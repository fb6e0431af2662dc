"""What changed for a watched flight between two route checks, and whether it is worth an alert.

A check's report is boiled down to a `Fingerprint` (kept with the watch): the route's score and
category, each segment's span, category and hazards, and the incidents nearby. Two fingerprints
of one flight give the changes: hazards added or removed (with where along the route: segment,
positions and times), stretches whose category changed, the route's score and category, and
incidents nearby added or removed.
"""

from typing import Any, TypedDict

from app.core.risk.report import CATEGORIES

# Scores closer than this are the same (a report rounds to 0.1).
SCORE_EPSILON = 0.05


class SegmentPrint(TypedDict):
    """One segment as a fingerprint keeps it."""

    index: int
    start_nm: float
    end_nm: float
    start: dict[str, Any]
    end: dict[str, Any]
    score: float
    category: str
    hazards: list[str]


class Fingerprint(TypedDict):
    """What an alert compares: the route's result, segment by segment."""

    score: float
    category: str
    segments: list[SegmentPrint]
    hazard_names: dict[str, str]
    incidents_nearby: list[str]


def hazard_key(layer: str, feature_id: str) -> str:
    """One name for a hazard across layers: 'conflict_zones/ua-2022'."""
    return f"{layer}/{feature_id}"


def fingerprint(report: dict[str, Any]) -> Fingerprint:
    """The parts of a full route-check report that alerts compare."""
    names: dict[str, str] = {}
    segments: list[SegmentPrint] = []
    for segment in report["segments"]:
        keys = []
        for hazard in segment["hazards"]:
            key = hazard_key(_layer_path(hazard["layer"]), hazard["id"])
            names[key] = hazard["name"]
            keys.append(key)
        segments.append(
            SegmentPrint(
                index=segment["index"], start_nm=segment["start_nm"], end_nm=segment["end_nm"],
                start=segment["start"], end=segment["end"], score=segment["score"],
                category=segment["category"], hazards=sorted(set(keys)),
            )
        )  # fmt: skip
    return Fingerprint(
        score=report["summary"]["score"],
        category=report["summary"]["category"],
        segments=segments,
        hazard_names=names,
        incidents_nearby=sorted(i["id"] for i in report["incidents_nearby"]),
    )


def _layer_path(layer: str) -> str:
    """A report's layer name ('conflict_zone') as the layer's collection ('conflict_zones')."""
    return {
        "conflict_zone": "conflict_zones",
        "engagement_area": "engagement_areas",
        "incident": "incidents",
    }.get(layer, layer)


def hazards_of(print_: Fingerprint) -> set[str]:
    """Every hazard on any segment."""
    return {key for segment in print_["segments"] for key in segment["hazards"]}


def changes(before: Fingerprint, after: Fingerprint) -> list[dict[str, Any]]:
    """Every difference between two checks of one flight, in a stable order."""
    found: list[dict[str, Any]] = []
    old, new = hazards_of(before), hazards_of(after)
    for key in sorted(new - old):
        found.append(_hazard_change("hazard_added", key, after))
    for key in sorted(old - new):
        found.append(_hazard_change("hazard_removed", key, before))
    found += _category_changes(before["segments"], after["segments"])
    if before["category"] != after["category"]:
        found.append(
            {"kind": "route_category_changed", "before": before["category"],
             "after": after["category"]}
        )  # fmt: skip
    if abs(before["score"] - after["score"]) > SCORE_EPSILON:
        found.append(
            {"kind": "route_score_changed", "before": before["score"], "after": after["score"]}
        )
    for incident in sorted(set(after["incidents_nearby"]) - set(before["incidents_nearby"])):
        found.append({"kind": "incident_nearby_added", "incident": incident})
    for incident in sorted(set(before["incidents_nearby"]) - set(after["incidents_nearby"])):
        found.append({"kind": "incident_nearby_removed", "incident": incident})
    return found


def _hazard_change(kind: str, key: str, print_: Fingerprint) -> dict[str, Any]:
    """A hazard added or removed, and the stretches of the route where it applies(d)."""
    layer, _, feature_id = key.partition("/")
    where = [s for s in print_["segments"] if key in s["hazards"]]
    return {
        "kind": kind,
        "hazard": {"layer": layer, "id": feature_id, "name": print_["hazard_names"].get(key)},
        "segments": [
            {
                "index": s["index"],
                "start": s["start"],
                "end": s["end"],
                "start_nm": s["start_nm"],
                "end_nm": s["end_nm"],
                "category": s["category"],
                "score": s["score"],
            }
            for s in where
        ],
        "categories": sorted({s["category"] for s in where}, key=CATEGORIES.index),
    }


def _category_changes(
    before: list[SegmentPrint], after: list[SegmentPrint]
) -> list[dict[str, Any]]:
    """Stretches (by distance along the route) whose category differs, merged where they
    touch with the same before and after."""
    found: list[dict[str, Any]] = []
    i = j = 0
    position = 0.0
    while i < len(before) and j < len(after):
        old, new = before[i], after[j]
        end = min(old["end_nm"], new["end_nm"])
        if end > position and old["category"] != new["category"]:
            start_point = old["start"] if old["start_nm"] >= new["start_nm"] else new["start"]
            end_point = old["end"] if old["end_nm"] <= new["end_nm"] else new["end"]
            last = found[-1] if found else None
            if (
                last is not None
                and last["end_nm"] == position
                and (last["before"], last["after"]) == (old["category"], new["category"])
            ):
                last["end_nm"], last["end"] = end, end_point
            else:
                found.append(
                    {"kind": "category_changed", "before": old["category"],
                     "after": new["category"], "start_nm": position, "end_nm": end,
                     "start": start_point, "end": end_point}
                )  # fmt: skip
        position = max(position, end)
        if old["end_nm"] <= end:
            i += 1
        if new["end_nm"] <= end:
            j += 1
    return found


def worth_alerting(found: list[dict[str, Any]], at_least: str | None) -> bool:
    """Whether changes pass a watch's threshold: any change when it has none; else only
    changes that touch the category `at_least` or a worse one, before or after."""
    if not found:
        return False
    if at_least is None:
        return True
    floor = CATEGORIES.index(at_least)
    for change in found:
        touched = [change.get("before"), change.get("after"), *change.get("categories", [])]
        if any(c in CATEGORIES and CATEGORIES.index(c) >= floor for c in touched):
            return True
    return False
