"""Who is bound: an `operator` marks each advisory binding on it or not, and `issuers` limits
which authorities' advisories count. The expected answers follow the instruments' nature as
docs/scoring.md states it: an FAA SFAR binds US operators, an EASA CZIB binds no one (a
recommendation), an EASA Safety Directive binds operators of EASA member states, a state's
closure "to all civil aircraft" binds everyone."""

from dataclasses import replace

import pytest

from app.core.risk.applicability import Operator, binding
from app.core.risk.check import RouteChecker
from app.core.risk.hazards import Hazard
from app.core.risk.report import report
from tests.routing import plan, rectangle, zone

ROUTE = [(30.0, 40.0), (50.0, 40.0)]
BOX = rectangle(40.0, 38.0, 42.0, 42.0)


def _zone(record_id: str, issuer: str, instrument: str, *binding_for: str) -> Hazard:
    return replace(
        zone(BOX, level=1, zone_id=record_id),
        issuer=issuer,
        instrument=instrument,
        reference=None,
        binding_for=binding_for,
        threat="war",
    )


FAA = _zone("faa", "FAA", "SFAR", "US air carriers and commercial operators")
EASA_CZIB = _zone("easa", "EASA", "CZIB")
EASA_SD = _zone("easa-sd", "EASA", "Safety Directive", "EASA Member States' NCAs")
STATE = _zone("state", "UkSATSE", "NOTAM", "all civil aircraft")
INDIA_ONLY = _zone("pk", "Pakistan CAA", "NOTAM", "Indian-registered aircraft")
UNREADABLE = _zone("odd", "Somewhere CAA", "NOTAM", "operators of certain aircraft")


@pytest.mark.parametrize(
    ("hazard", "state", "expected"),
    [
        (FAA, "US", True),
        (FAA, "DE", False),
        (EASA_CZIB, "DE", False),
        (EASA_CZIB, "US", False),
        (EASA_SD, "DE", True),
        (EASA_SD, "US", False),
        (STATE, "US", True),
        (INDIA_ONLY, "IN", True),
        (INDIA_ONLY, "US", False),
        (UNREADABLE, "US", None),  # unknown stays unknown, never "not binding"
    ],
)
def test_who_is_bound(hazard: Hazard, state: str, expected: bool | None) -> None:
    assert binding(hazard, Operator(state=state)) is expected


def _body(**kwargs: object) -> dict[str, object]:
    check = RouteChecker([FAA, EASA_CZIB]).check(plan(ROUTE), **kwargs)  # type: ignore[arg-type]
    return report(check, data_version=1)


def test_a_us_operator_is_bound_by_the_faa_and_advised_by_easa() -> None:
    body = _body(operator=Operator(state="US"))
    summary = body["summary"]
    worst = body["segments"][summary["worst_segment"]]  # type: ignore[index]
    by_id = {h["id"]: h for h in worst["hazards"]}
    assert by_id["faa"]["binding"] is True
    assert by_id["easa"]["binding"] is False
    assert "binding on this operator (US)" in by_id["faa"]["explanation"]
    assert "a recommendation, binding on no operator" in by_id["easa"]["explanation"]
    assert summary["binding_prohibitions"] == ["faa"]  # type: ignore[index]
    assert summary["operator"] == {"state": "US", "designator": None}  # type: ignore[index]


def test_without_an_operator_nothing_is_said_about_binding() -> None:
    body = _body()
    worst = body["segments"][body["summary"]["worst_segment"]]  # type: ignore[index]
    assert {h["binding"] for h in worst["hazards"]} == {None}
    assert body["summary"]["binding_prohibitions"] == []  # type: ignore[index]


def test_issuers_limits_the_advisories_that_count() -> None:
    # Only EASA followed: the FAA record is left out, EASA's counts (90).
    body = _body(issuers=["easa"])
    worst = body["segments"][body["summary"]["worst_segment"]]  # type: ignore[index]
    assert [h["id"] for h in worst["hazards"]] == ["easa"]
    assert worst["score"] == 90.0
    assert body["summary"]["issuers"] == ["EASA"]  # type: ignore[index]
    # Neither followed: nothing counts there.
    assert _body(issuers=["UkSATSE"])["summary"]["score"] == 0.0  # type: ignore[index]
