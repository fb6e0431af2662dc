"""Versions recorded before the lifecycle fields existed are read in today's form, with the
same fill-ins as migration 0003 (versions are append-only: upgraded when read)."""

from app.core.layers.layer_file import parse_feature
from app.core.layers.legacy import NOT_RECORDED, upgraded_properties
from app.core.layers.records import ConflictZone, EngagementArea, Incident
from app.core.layers.vocabulary import Layer
from tests import features as f


def _old_zone() -> dict[str, object]:
    """A zone's properties as a 0002-era version stored them."""
    properties = dict(f.zone()["properties"])
    for key in ("published_at", "end_basis", "threat", "instrument"):
        properties.pop(key)
    properties["authority"] = properties.pop("issuer")
    properties["valid_to"] = "2025-07-31T00:00:00Z"
    return properties


def test_an_old_zone_version_reads_with_the_migrations_fill_ins() -> None:
    properties = upgraded_properties(Layer.CONFLICT_ZONES, _old_zone(), "2025-02-01T00:00:00Z")
    feature = parse_feature(Layer.CONFLICT_ZONES, {**f.zone(), "properties": properties})
    record = feature.record
    assert isinstance(record, ConflictZone)
    assert record.issuer == "EASA"
    assert record.published_at == record.valid_from  # 2025-01-01, its start of validity
    assert record.end_basis.value == "unconfirmed"  # a known end: keeps counting once passed
    assert (record.instrument, record.threat) == (NOT_RECORDED, record.id)


def test_an_old_engagement_area_and_incident_read_too() -> None:
    area = dict(f.engagement_area()["properties"])
    for key in ("published_at", "valid_from", "valid_to", "end_basis", "threat", "issuer",
                "instrument"):  # fmt: skip
        area.pop(key)
    area["status"] = area.pop("site_basis")
    upgraded = upgraded_properties(Layer.ENGAGEMENT_AREAS, area, "2025-02-01T00:00:00Z")
    record = parse_feature(
        Layer.ENGAGEMENT_AREAS, {**f.engagement_area(), "properties": upgraded}
    ).record
    assert isinstance(record, EngagementArea)
    assert (record.site_basis.value, record.end_basis.value) == ("assumed", "until_further_notice")
    assert record.valid_from.isoformat() == "2025-02-01T00:00:00+00:00"  # when it was recorded
    incident = dict(f.incident()["properties"])
    incident.pop("published_at")
    upgraded = upgraded_properties(Layer.INCIDENTS, incident, "2026-01-01T00:00:00Z")
    parsed = parse_feature(Layer.INCIDENTS, {**f.incident(), "properties": upgraded}).record
    assert isinstance(parsed, Incident)
    assert parsed.published_at.isoformat() == "2026-01-01T00:00:00+00:00"


def test_an_old_version_with_only_a_past_end_starts_before_it() -> None:
    # No start, an end before the version was recorded: it starts a second before its end, so
    # the record stays valid (and unconfirmed: it keeps counting).
    properties = _old_zone()
    properties.pop("valid_from")
    upgraded = upgraded_properties(Layer.CONFLICT_ZONES, properties, "2026-02-01T00:00:00Z")
    record = parse_feature(Layer.CONFLICT_ZONES, {**f.zone(), "properties": upgraded}).record
    assert isinstance(record, ConflictZone)
    assert record.valid_from.isoformat() == "2025-07-30T23:59:59+00:00"
    assert record.end_basis.value == "unconfirmed"
