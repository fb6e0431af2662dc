"""Feature versions recorded before the lifecycle fields existed (migration 0003), read in
today's form with the same honest fill-ins as the migration: versions are append-only, so they
are upgraded when read, never rewritten."""

from datetime import UTC, datetime, timedelta
from typing import Any

from app.core.layers.vocabulary import Layer

NOT_RECORDED = "not recorded"


def _instant(text: str) -> datetime:
    """An RFC 3339 instant (Z or an offset) as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _start_before(recorded_at: str, end: str | None) -> str:
    """When the record was written here, or a second before its end if that came first."""
    if end is None or _instant(recorded_at) < _instant(end):
        return recorded_at
    before = _instant(end) - timedelta(seconds=1)
    return before.isoformat().replace("+00:00", "Z")


def upgraded_properties(
    layer: Layer, properties: dict[str, Any], recorded_at: str
) -> dict[str, Any]:
    """A version's properties with the fields added by 0003 filled in where missing."""
    upgraded = dict(properties)
    if layer is Layer.INCIDENTS:
        if "published_at" not in upgraded:
            occurred = upgraded.get("occurred_at")
            upgraded["published_at"] = max(recorded_at, occurred) if occurred else recorded_at
        return upgraded
    if "authority" in upgraded:
        upgraded.setdefault("issuer", upgraded.pop("authority"))
    if layer is Layer.ENGAGEMENT_AREAS and "site_basis" not in upgraded and "status" in upgraded:
        upgraded["site_basis"] = upgraded.pop("status")
    if "published_at" not in upgraded:
        start = upgraded.get("valid_from") or _start_before(recorded_at, upgraded.get("valid_to"))
        upgraded.update(published_at=start, valid_from=start)
        upgraded.setdefault(
            "end_basis",
            "until_further_notice" if upgraded.get("valid_to") is None else "unconfirmed",
        )
        upgraded.setdefault("threat", upgraded.get("id"))
        upgraded.setdefault("instrument", NOT_RECORDED)
        upgraded.setdefault("issuer", NOT_RECORDED)
    return upgraded
