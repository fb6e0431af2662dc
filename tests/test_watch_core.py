"""The pure parts of watches and webhooks: schedules, what changed, thresholds, retry timing,
safe targets and signatures (no database, no HTTP)."""

import itertools
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from standardwebhooks import Webhook

from app.core.watches.changes import Fingerprint, SegmentPrint, changes, worth_alerting
from app.core.watches.schedule import DAILY_HORIZON, Schedule
from app.core.webhooks.retries import (
    FIRST_RETRY_S,
    GIVE_UP_AFTER,
    MAX_RETRY_S,
    backoff_s,
    next_attempt,
    retry_after_s,
)
from app.core.webhooks.signing import new_secret, signed_headers
from app.core.webhooks.targets import UnsafeTarget, check_addresses, check_url

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_a_window_is_checked_every_hour_and_at_its_end() -> None:
    schedule = Schedule.model_validate(
        {"departure_window": {"from": "2026-12-01T06:00:00Z", "to": "2026-12-01T08:30:00Z"}}
    )
    hours = [6, 7, 8]
    expected = [datetime(2026, 12, 1, h, tzinfo=UTC) for h in hours]
    assert schedule.departures(NOW) == [*expected, datetime(2026, 12, 1, 8, 30, tzinfo=UTC)]
    assert schedule.last_departure() == datetime(2026, 12, 1, 8, 30, tzinfo=UTC)


def test_daily_flights_within_the_horizon_from_yesterday_on() -> None:
    schedule = Schedule.model_validate(
        {"daily": {"at": "23:30", "from": "2026-11-01", "until": "2027-01-31"}}
    )
    got = schedule.departures(NOW)
    # Yesterday's flight may still be in the air; the last is the last one within 7 days.
    assert got[0] == datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert all(b - a == timedelta(days=1) for a, b in itertools.pairwise(got))
    # Whole UTC days: the last is the flight on the day seven days from now.
    assert got[-1] == datetime.combine((NOW + DAILY_HORIZON).date(), got[0].timetz())
    assert schedule.last_departure() == datetime(2027, 1, 31, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"departure_time": "2026-12-01T06:00:00Z", "daily": {"at": "06:00", "from": "2026-12-01",
                                                            "until": "2026-12-02"}},
        {"departure_window": {"from": "2026-12-01T06:00:00Z", "to": "2026-12-03T07:00:00Z"}},
        {"departure_window": {"from": "2026-12-01T06:00:00Z", "to": "2026-12-01T05:00:00Z"}},
        {"daily": {"at": "24:00", "from": "2026-12-01", "until": "2026-12-02"}},
        {"daily": {"at": "06:00", "from": "2026-12-01", "until": "2028-12-02"}},
        {"departure_time": "2026-12-01T06:00:00"},  # no time zone
    ],
)  # fmt: skip
def test_schedules_that_make_no_sense_are_refused(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Schedule.model_validate(body)


def _segment(
    index: int, start_nm: float, end_nm: float, category: str, *hazards: str
) -> SegmentPrint:
    """A segment between two positions whose longitude is the distance (easy to check)."""
    return SegmentPrint(
        index=index, start_nm=start_nm, end_nm=end_nm, start={"lon": start_nm},
        end={"lon": end_nm}, score=0.0, category=category, hazards=list(hazards),
    )  # fmt: skip


def _print(category: str, score: float, *segments: SegmentPrint) -> Fingerprint:
    return Fingerprint(
        score=score, category=category, segments=list(segments),
        hazard_names={h: h.upper() for s in segments for h in s["hazards"]}, incidents_nearby=[],
    )  # fmt: skip


def test_a_hazard_added_mid_route_is_one_change_with_its_stretch() -> None:
    before = _print("none", 0.0, _segment(0, 0.0, 300.0, "none"))
    after = _print(
        "high", 70.0,
        _segment(0, 0.0, 100.0, "none"),
        _segment(1, 100.0, 160.0, "high", "conflict_zones/z1"),
        _segment(2, 160.0, 300.0, "none"),
    )  # fmt: skip
    found = changes(before, after)
    kinds = [c["kind"] for c in found]
    assert kinds == ["hazard_added", "category_changed", "route_category_changed",
                     "route_score_changed"]  # fmt: skip
    added = found[0]
    assert added["hazard"] == {"layer": "conflict_zones", "id": "z1", "name": "CONFLICT_ZONES/Z1"}
    assert [(s["start_nm"], s["end_nm"]) for s in added["segments"]] == [(100.0, 160.0)]
    category = found[1]
    # The stretch whose category differs: exactly 100–160 NM, none → high.
    assert (category["start_nm"], category["end_nm"]) == (100.0, 160.0)
    assert (category["before"], category["after"]) == ("none", "high")
    assert (category["start"]["lon"], category["end"]["lon"]) == (100.0, 160.0)


def test_the_same_result_is_no_change_and_a_removal_is_reported_from_before() -> None:
    same = _print("low", 10.0, _segment(0, 0.0, 50.0, "low", "incidents/i1"))
    assert changes(same, same) == []
    gone = changes(same, _print("none", 0.0, _segment(0, 0.0, 50.0, "none")))
    assert gone[0]["kind"] == "hazard_removed"
    assert gone[0]["hazard"]["id"] == "i1"
    assert gone[0]["categories"] == ["low"]


def test_category_stretches_merge_across_segment_boundaries() -> None:
    # Before: two segments of 'low'; after: three of 'high' with other bounds. One stretch.
    before = _print("low", 10.0, _segment(0, 0.0, 40.0, "low"), _segment(1, 40.0, 90.0, "low"))
    after = _print(
        "high", 70.0, _segment(0, 0.0, 20.0, "high"), _segment(1, 20.0, 70.0, "high"),
        _segment(2, 70.0, 90.0, "high"),
    )  # fmt: skip
    stretches = [c for c in changes(before, after) if c["kind"] == "category_changed"]
    assert [(c["start_nm"], c["end_nm"]) for c in stretches] == [(0.0, 90.0)]


@pytest.mark.parametrize(
    ("at_least", "before_category", "after_category", "expected"),
    [
        (None, "low", "moderate", True),
        ("high", "low", "moderate", False),
        ("high", "moderate", "high", True),
        ("high", "critical", "moderate", True),  # a critical stretch gone is news too
        ("critical", "moderate", "high", False),
    ],
)
def test_thresholds(
    at_least: str | None, before_category: str, after_category: str, expected: bool
) -> None:
    found = changes(
        _print(before_category, 1.0, _segment(0, 0.0, 10.0, before_category)),
        _print(after_category, 1.0, _segment(0, 0.0, 10.0, after_category)),
    )
    assert worth_alerting(found, at_least) is expected


def test_no_change_is_never_worth_an_alert() -> None:
    assert worth_alerting([], None) is False


def test_backoff_doubles_within_its_bounds() -> None:
    rng = random.Random(1)
    for attempt in range(1, 15):
        cap = min(MAX_RETRY_S, FIRST_RETRY_S * 2 ** (attempt - 1))
        waits = [backoff_s(attempt, rng) for _ in range(50)]
        assert all(cap / 2 <= w <= cap for w in waits)
        assert len(set(waits)) > 1  # jittered


def test_retry_after_is_honoured_and_the_delivery_given_up_after_two_days() -> None:
    rng = random.Random(2)
    assert retry_after_s("120", NOW) == 120.0
    assert retry_after_s("Mon, 30 Nov 2026 12:10:00 GMT", NOW) == 600.0
    assert retry_after_s("soon", NOW) is None
    moment = next_attempt(1, NOW, NOW, 3_000.0, rng)
    assert moment == NOW + timedelta(seconds=3_000)
    assert next_attempt(20, NOW - GIVE_UP_AFTER, NOW, None, rng) is None


@pytest.mark.parametrize(
    "url",
    ["ftp://example.org/", "http:///nohost", "https://user:pw@example.org/", "file:///etc",
     "http://[::1"],
)  # fmt: skip
def test_urls_other_than_plain_http_are_refused(url: str) -> None:
    with pytest.raises(UnsafeTarget):
        check_url(url)


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.169.254", "::1", "fe80::1",
     "::ffff:127.0.0.1", "100.64.0.1", "0.0.0.0", "64:ff9b::a9fe:a9fe", "2002:0a00:0001::1"],
)  # fmt: skip
def test_internal_addresses_are_refused_unless_allowed(address: str) -> None:
    with pytest.raises(UnsafeTarget):
        check_addresses([address], allow_private=False)
    check_addresses([address], allow_private=True)


def test_one_internal_address_among_public_ones_is_enough_to_refuse() -> None:
    check_addresses(["93.184.215.14"], allow_private=False)
    with pytest.raises(UnsafeTarget):
        check_addresses(["93.184.215.14", "10.0.0.1"], allow_private=False)


def test_signatures_verify_with_the_library_and_both_secrets_during_a_rotation() -> None:
    old, new = new_secret(), new_secret()
    body = '{"specversion":"1.0"}'
    headers = signed_headers("msg_1", datetime.now(UTC), body, [new, old])
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        assert Webhook(secret).verify(body, headers) == {"specversion": "1.0"}
    with pytest.raises(Exception, match="signature"):
        Webhook(new_secret()).verify(body, headers)


def test_a_daily_schedule_starting_later_is_checked_at_its_first_flight() -> None:
    later = Schedule.model_validate(
        {"daily": {"at": "06:00", "from": "2027-01-10", "until": "2027-02-01"}}
    )
    assert later.departures(NOW) == [datetime(2027, 1, 10, 6, tzinfo=UTC)]
    over = Schedule.model_validate(
        {"daily": {"at": "06:00", "from": "2026-10-01", "until": "2026-11-01"}}
    )
    assert over.departures(NOW) == []
