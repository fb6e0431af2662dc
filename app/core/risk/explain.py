"""One-line explanations a dispatcher can read, for each hazard applying to a segment."""

from app.core.layers.vocabulary import Status
from app.core.risk.check import AppliedHazard
from app.core.risk.hazards import Hazard, HazardLayer
from app.core.risk.model import DEFAULT_MODEL
from app.core.risk.warnings import lapse_words

LEVEL_WORDS = {1: "do not fly", 2: "high risk", 3: "exercise caution"}


def altitude_words(feet: float) -> str:
    """FL330 at and above 10,000 ft, '8,100 ft' below."""
    if feet >= 10_000:
        return f"FL{round(feet / 100):03d}"
    return f"{max(feet, 0.0):,.0f} ft"


def band_words(lower_ft: float | None, upper_ft: float | None) -> str:
    """'at all levels', 'below FL320', 'from FL250 to FL450', 'above 5,000 ft'."""
    if lower_ft is None and upper_ft is None:
        return "at all levels"
    if lower_ft is None:
        return f"below {altitude_words(upper_ft or 0.0)}"
    if upper_ft is None:
        return f"at and above {altitude_words(lower_ft)}"
    return f"from {altitude_words(lower_ft)} to {altitude_words(upper_ft)}"


def planned_words(start_ft: float, end_ft: float) -> str:
    """The planned altitude over a segment: level, climbing or descending."""
    if abs(end_ft - start_ft) < 50:
        return f"planned {altitude_words(start_ft)}"
    direction = "climbing" if end_ft > start_ft else "descending"
    return f"planned {altitude_words(start_ft)}–{altitude_words(end_ft)} {direction}"


def explain(
    applied: AppliedHazard,
    start_ft: float,
    end_ft: float,
    distance_nm: float | None,
    status: str | None = None,
) -> str:
    """A sentence saying what the hazard is and why it applies here (and, for an advisory
    whose last known end has passed unconfirmed, that it is still counted)."""
    reason = _reason(applied, start_ft, end_ft, distance_nm) + _threat_words(applied)
    lifecycle = applied.hazard.lifecycle
    if status == Status.LAPSED_UNCONFIRMED.value and lifecycle and lifecycle.valid_to:
        return f"{reason}; {lapse_words(lifecycle.valid_to)}"
    return reason


def issuer_words(hazard: Hazard) -> str:
    """'FAA SFAR 117', 'EASA CZIB-2022-01': who issued a record, and its reference."""
    parts = (hazard.issuer, hazard.reference or hazard.instrument)
    return " ".join(part for part in parts if part) or hazard.id


def _fade_top(hazard: Hazard) -> str:
    """Where a hazard's score has faded to 0 above its ceiling."""
    fade = DEFAULT_MODEL.fade(hazard)
    return altitude_words(fade[1]) if fade else "its ceiling"


def _reach_words(hazard: Hazard) -> str:
    """'17.3 NM', or '16.2 NM or more, to 17.3 NM' where the published ranges differ."""
    reach = f"{hazard.ring_nm:.1f} NM" if hazard.ring_nm else "its range"
    fade = hazard.range_fade_nm
    if fade is None or hazard.ring_nm is None or fade[0] >= hazard.ring_nm:
        return reach
    return f"{fade[0]:.1f} NM or more, to {reach}"


def _ring_words(hazard: Hazard) -> str:
    """Where in the outward fade this hazard's ring lies ('' inside the disc)."""
    band, fade = hazard.range_band_nm, hazard.range_fade_nm
    if band is None or fade is None or band[0] <= 0.0:
        return ""
    return (
        f", {band[0]:.1f}–{band[1]:.1f} NM from the site (the score fades outwards to 0 at "
        f"{fade[1]:.1f} NM; {hazard.range_factor:.0%} of it here),"
    )


def _threat_words(applied: AppliedHazard) -> str:
    """Whether this record is the one its threat counts here, and who else advises it."""
    if not applied.same_threat:
        return ""
    threat = applied.hazard.threat or "the same threat"
    if not applied.counted:
        return f"; counts for nothing more: {threat} is counted once, by its strongest record here"
    others = sorted({issuer_words(h) for h in applied.same_threat} - {issuer_words(applied.hazard)})
    if not others:
        return f"; {threat} is counted once here"
    return f"; {threat} is also advised here by {', '.join(others)} — counted once"


def _reason(
    applied: AppliedHazard, start_ft: float, end_ft: float, distance_nm: float | None
) -> str:
    """What the hazard is and why it applies here."""
    hazard = applied.hazard
    planned = planned_words(start_ft, end_ft)
    if hazard.layer is HazardLayer.CONFLICT_ZONE:
        issuer = issuer_words(hazard)
        level = LEVEL_WORDS.get(hazard.level or 3, "advisory")
        rule = f"{level} {band_words(hazard.lower_ft, hazard.upper_ft)}"
        if applied.above_ceiling:
            return (
                f"{issuer}: {rule}; {planned}, within the margin above its ceiling, where the "
                f"score fades to 0 at {_fade_top(hazard)} — the threat does not stop at an "
                "advisory's limit"
            )
        return f"{issuer}: {rule}; {planned}"
    if hazard.layer is HazardLayer.ENGAGEMENT_AREA:
        ceiling = altitude_words(hazard.upper_ft) if hazard.upper_ft else "unlimited"
        system = hazard.system_name or hazard.system
        lead = f"{system} (site {hazard.site_basis}): reach {_reach_words(hazard)} up to {ceiling}"
        ring = _ring_words(hazard)
        if applied.above_ceiling:
            return (
                f"{lead} or more; {planned}{ring} is above that ceiling but below "
                f"{_fade_top(hazard)}: the published figures are indicative, and the score fades "
                "across them"
            )
        if ring:
            return (
                f"{lead}; {planned}{ring} is beyond that range: the published figures are "
                "indicative, and the score fades across them"
            )
        return f"{lead}; {planned} is within its envelope"
    when = hazard.occurred_at.strftime("%d %b %Y") if hazard.occurred_at else "date unknown"
    near = f" {distance_nm:.0f} NM from the route" if distance_nm is not None else ""
    return f"Verified incident {hazard.name}, {when}{near}: {hazard.summary or 'see sources'}"
