"""Route checks and what was known when: records count only once published, lapsed unconfirmed
advisories keep counting with a warning, successors end their predecessors, incidents after
departure never score. Expected outcomes are read off the made-up timelines: the route crosses
the test square at FL350 whatever the times, so only knowledge and status decide."""

from datetime import UTC, datetime
from typing import Any

from shapely.geometry import Point, box

from app.core.geodesy.circle import geodesic_circle
from app.core.layers.engagement import Envelope
from app.core.layers.records import ConflictZone, EngagementArea, Incident
from app.core.risk.check import RouteChecker
from app.core.risk.hazard_records import (
    engagement_hazards,
    incident_hazard,
    incident_known,
    known_hazards,
    zone_hazard,
)
from app.core.risk.hazards import Hazard
from app.core.risk.report import report
from tests import features as f
from tests.routing import plan

SQUARE = box(40.0, 40.0, 42.0, 42.0)
ROUTE = [(39.0, 41.0), (43.0, 41.0)]  # west to east through the middle of the square


def utc(text: str) -> datetime:
    """An aware UTC datetime from ISO text."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def zone(**changes: Any) -> ConflictZone:
    """A level-1, all-levels zone over the square, with these properties changed."""
    properties = {**f.zone()["properties"], "level": 1, "upper_ft": None, **changes}
    return ConflictZone.model_validate(properties)


def hazards(zones: list[ConflictZone], as_of: datetime | None) -> list[Hazard]:
    """The zones' hazards as known at as_of."""
    made = [(z, lambda known, z=z: [zone_hazard(z, SQUARE, known)]) for z in zones]
    return known_hazards(made, as_of)


def run(
    zones: list[ConflictZone],
    departure: str,
    as_of: datetime | None = None,
    incidents: list[Hazard] = (),  # type: ignore[assignment]
) -> dict[str, Any]:
    """The report of the test route departing then, checked as of as_of."""
    checker = RouteChecker(hazards(zones, as_of), incidents)
    return report(checker.check(plan(ROUTE, 35_000, utc(departure)), as_of), 1)


def zone_ids(result: dict[str, Any]) -> set[str]:
    """Ids of the hazards on any segment."""
    return {h["id"] for s in result["segments"] for h in s["hazards"]}


def test_a_lapsed_unconfirmed_advisory_keeps_counting_and_says_so() -> None:
    russia = zone(
        id="russia", published_at="2025-01-09T00:00:00Z", valid_from="2025-01-09T00:00:00Z",
        valid_to="2025-07-31T23:59:59Z", end_basis="unconfirmed",
    )  # fmt: skip
    result = run([russia], "2026-11-30T08:00:00")
    hazard = next(h for s in result["segments"] for h in s["hazards"])
    assert hazard["status"] == "lapsed_unconfirmed"
    assert "last known to run until 31 Jul 2025" in hazard["explanation"]
    assert "treated as in force — verify" in hazard["explanation"]
    assert result["summary"]["category"] == "critical"
    assert [w["id"] for w in result["summary"]["warnings"]] == ["russia"]
    # The same advisory known to have ended then counts no more.
    ended = zone(**{**russia.model_dump(mode="json"), "end_basis": "stated"})
    quiet = run([ended], "2026-11-30T08:00:00")
    assert zone_ids(quiet) == set()
    assert quiet["summary"]["warnings"] == []
    # While in force it carries its status and no warning.
    during = run([russia], "2025-03-01T08:00:00")
    assert {h["status"] for s in during["segments"] for h in s["hazards"]} == {"in_force"}
    assert during["summary"]["warnings"] == []


def test_as_of_leaves_out_what_was_published_later() -> None:
    # Published on 16 Jan 2020; a flight on 20 Jan checked as of 15 Jan could not know it.
    czib = zone(
        id="czib", published_at="2020-01-16T00:00:00Z", valid_from="2020-01-16T00:00:00Z",
        valid_to="2020-07-16T00:00:00Z", end_basis="stated",
    )  # fmt: skip
    assert zone_ids(run([czib], "2020-01-20T08:00:00", utc("2020-01-15T00:00:00"))) == set()
    assert zone_ids(run([czib], "2020-01-20T08:00:00", utc("2020-01-20T08:00:00"))) == {"czib"}
    # Never in effect before it was published, whatever is known now.
    assert zone_ids(run([czib], "2020-01-08T02:40:00")) == set()


def test_engagement_areas_reported_later_count_only_as_known_now() -> None:
    site = Point(41.0, 41.0)
    properties = {
        **f.engagement_area()["properties"], "id": "buk", "system": "test-sam",
        "published_at": "2016-09-28T11:00:00Z", "valid_from": "2014-07-17T00:00:00Z",
        "valid_to": "2014-07-18T00:00:00Z", "end_basis": "stated",
    }  # fmt: skip
    area = EngagementArea.model_validate(properties)
    reach = Envelope(20.0, None, 60_000, geodesic_circle(site.x, site.y, 20.0))

    def areas(as_of: datetime | None) -> list[Hazard]:
        make = lambda known: engagement_hazards(area, site, reach, None, known)  # noqa: E731
        return known_hazards([(area, make)], as_of)

    departure = utc("2014-07-17T10:31:00")
    advised = RouteChecker(areas(departure)).check(plan(ROUTE, 33_000, departure), departure)
    known_now = RouteChecker(areas(None)).check(plan(ROUTE, 33_000, departure))
    assert {h.hazard.id for s in advised.segments for h in s.hazards} == set()
    assert {h.hazard.id for s in known_now.segments for h in s.hazards} == {"buk"}


def test_a_successor_ends_its_predecessor_when_it_takes_effect() -> None:
    first = zone(id="r1", published_at="2025-01-01T00:00:00Z", valid_from="2025-01-01T00:00:00Z")
    # R2 covers only below FL260, from 1 Mar 2025: FL350 is clear of it and of the margin above.
    second = zone(
        id="r2", published_at="2025-02-20T00:00:00Z", valid_from="2025-03-01T00:00:00Z",
        upper_ft=26_000, supersedes=["r1"],
    )  # fmt: skip
    assert zone_ids(run([first, second], "2025-02-25T08:00:00")) == {"r1"}
    assert zone_ids(run([first, second], "2025-03-02T08:00:00")) == set()
    # As known on 15 Feb, R2 did not exist: R1 still applies on 2 Mar.
    assert zone_ids(run([first, second], "2025-03-02T08:00:00", utc("2025-02-15T00:00:00"))) == {
        "r1"
    }


def test_an_incident_after_departure_is_flagged_and_never_scores() -> None:
    later = Incident.model_validate(
        {**f.incident()["properties"], "id": "later", "occurred_at": "2025-03-02T12:00:00Z",
         "published_at": "2025-03-02T00:00:00Z", "status": "verified"}
    )  # fmt: skip
    earlier = Incident.model_validate(
        {**later.model_dump(mode="json"), "id": "earlier", "occurred_at": "2025-03-01T06:00:00Z",
         "published_at": "2025-03-01T00:00:00Z"}
    )  # fmt: skip
    point = Point(41.0, 41.2)
    with_later = run([], "2025-03-02T08:00:00", incidents=[incident_hazard(later, point)])
    without = run([], "2025-03-02T08:00:00")
    assert [(n["id"], n["after_departure"]) for n in with_later["incidents_nearby"]] == [
        ("later", True)
    ]
    assert with_later["summary"]["score"] == without["summary"]["score"] == 0
    with_earlier = run([], "2025-03-02T08:00:00", incidents=[incident_hazard(earlier, point)])
    assert [(n["id"], n["after_departure"]) for n in with_earlier["incidents_nearby"]] == [
        ("earlier", False)
    ]
    assert with_earlier["summary"]["score"] > 0
    # Reported on 2 Mar (day precision) and happened at 12:00 that day: not known before noon.
    assert not incident_known(later, utc("2025-03-01T23:00:00"))
    assert not incident_known(later, utc("2025-03-02T11:59:00"))
    assert incident_known(later, utc("2025-03-02T12:00:00"))


def test_hazards_carry_issuer_instrument_and_publication() -> None:
    binding = zone(
        id="sfar", issuer="FAA", instrument="SFAR", reference="SFAR 77",
        binding_for=["US operators", "US-registered aircraft"], threat="iraq",
    )  # fmt: skip
    hazard = next(
        h for s in run([binding], "2025-03-01T08:00:00")["segments"] for h in s["hazards"]
    )
    assert {k: hazard[k] for k in ("issuer", "instrument", "reference", "threat")} == {
        "issuer": "FAA", "instrument": "SFAR", "reference": "SFAR 77", "threat": "iraq"
    }  # fmt: skip
    assert hazard["binding_for"] == ["US operators", "US-registered aircraft"]
    assert hazard["published_at"] == "2025-01-01T00:00:00Z"
    assert hazard["end_basis"] == "until_further_notice"


def test_a_record_withdrawn_before_it_took_effect_never_counts() -> None:
    # Published 10 Jan, due to take effect 20 Jan, withdrawn 15 Jan: nothing on 17 or 21 Jan.
    stillborn = zone(
        id="stillborn", published_at="2025-01-10T00:00:00Z", valid_from="2025-01-20T00:00:00Z",
        withdrawn_at="2025-01-15T00:00:00Z",
    )  # fmt: skip
    assert zone_ids(run([stillborn], "2025-01-17T08:00:00")) == set()
    assert zone_ids(run([stillborn], "2025-01-21T08:00:00")) == set()


def test_the_last_stretch_where_a_record_counts_shows_it_in_force() -> None:
    # The zone's stated end falls while the route is inside the square: the stretch flown
    # before the end scores and says in_force, the rest is clear.
    departure = utc("2025-03-01T08:00:00")
    ending = zone(id="ending", valid_to="2025-03-01T08:12:00Z", end_basis="stated")
    result = run([ending], "2025-03-01T08:00:00")
    scored = [s for s in result["segments"] if s["hazards"]]
    assert len(scored) == 1
    assert scored[0]["end"]["time"] == "2025-03-01T08:12:00Z"
    assert [h["status"] for h in scored[0]["hazards"]] == ["in_force"]
    assert departure < utc("2025-03-01T08:12:00")
