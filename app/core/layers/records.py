"""The properties of a feature in each layer, with the rules a record must obey.

These models are the one declaration of each layer's fields: the published collections
(`collections.py`) derive from them, and tests check the tables and the migrations against them.
"""

from datetime import UTC, datetime, timedelta
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.core.layers.fields import (
    AltitudeFt,
    FirCodes,
    Slug,
    Slugs,
    Sources,
    Text,
    Texts,
    UtcDatetime,
)
from app.core.layers.vocabulary import (
    Certainty,
    EndBasis,
    IncidentKind,
    IncidentStatus,
    SiteBasis,
    TimePrecision,
    WeaponClass,
    ZoneLevel,
)

MAX_RADIUS_NM = 2_700.0  # 5,000 km: beyond any surface-to-air system
# Clocks differ: a publication time a little ahead of ours is not "in the future".
CLOCK_SKEW = timedelta(minutes=5)


class _Record(BaseModel):
    """Common configuration: unknown fields are refused, values are checked on assignment."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_band(lower_ft: int | None, upper_ft: int | None) -> None:
    """An altitude band's floor lies below its ceiling (None = surface / unlimited)."""
    if lower_ft is not None and upper_ft is not None and lower_ft >= upper_ft:
        raise ValueError(f"lower_ft ({lower_ft}) must be below upper_ft ({upper_ft})")


def _check_published(published_at: datetime) -> None:
    """Information cannot have become public in the future."""
    if published_at > datetime.now(UTC) + CLOCK_SKEW:
        raise ValueError(f"published_at ({published_at}) is in the future")


class _Lifecycle(_Record):
    """When a record was published, when it has effect, what ends it, and who issued it."""

    published_at: UtcDatetime = Field(
        description="When the information became public (UTC): an advisory's issue time."
    )
    published_precision: TimePrecision = Field(
        default=TimePrecision.DAY,
        description="second, minute or day; a day-precise time is 00:00Z of that day.",
    )
    valid_from: UtcDatetime = Field(description="Start of effect (UTC).")
    valid_to: UtcDatetime | None = Field(
        default=None, description="End of effect (UTC), or the last known end; null = open."
    )
    end_basis: EndBasis = Field(
        description="stated, until_further_notice or unconfirmed (the last known end passed "
        "with no renewal or withdrawal on record: treated as in force)."
    )
    withdrawn_at: UtcDatetime | None = Field(
        default=None, description="When it was withdrawn or cancelled early (UTC)."
    )
    supersedes: Slugs = Field(
        default_factory=list,
        description="Ids of the records it replaces, separated by spaces.",
    )
    threat: Slug = Field(description="Key shared by every issuer's records of the same threat.")
    issuer: Text = Field(description="Who issued it (EASA, FAA, a national authority, the JIT).")
    instrument: Text = Field(
        description="CZIB, Safety Directive, SFAR, KICZ NOTAM, NOTAM, AIC, AIP ENR 1.1, "
        "Information Note, investigation report, …"
    )
    reference: Text | None = Field(default=None, description="Bulletin, rule or NOTAM number.")
    binding_for: Texts = Field(
        default_factory=list,
        description="Whom it binds, separated by ';' (empty for a recommendation).",
    )

    def _check_lifecycle(self, record_id: str) -> None:
        """The cross-field rules of a lifecycle."""
        _check_published(self.published_at)
        if self.valid_to is not None and self.valid_from >= self.valid_to:
            raise ValueError(f"valid_from ({self.valid_from}) must be before valid_to")
        if self.end_basis is EndBasis.UNTIL_FURTHER_NOTICE and self.valid_to is not None:
            raise ValueError("end_basis until_further_notice takes no valid_to")
        if self.end_basis is not EndBasis.UNTIL_FURTHER_NOTICE and self.valid_to is None:
            raise ValueError(f"end_basis {self.end_basis.value} needs valid_to (the known end)")
        if self.withdrawn_at is not None and self.withdrawn_at < self.published_at:
            raise ValueError("withdrawn_at must not be before published_at")
        if record_id in self.supersedes:
            raise ValueError("a record cannot supersede itself")


class ConflictZone(_Lifecycle):
    """An advisory area: who says what about flying where, at which levels, and when."""

    id: Slug
    name: Text = Field(description="Name of the advisory.")
    level: ZoneLevel = Field(description="1 do not fly, 2 high risk, 3 caution.")
    lower_ft: AltitudeFt | None = Field(default=None, description="Floor in feet; null = surface.")
    upper_ft: AltitudeFt | None = Field(
        default=None, description="Ceiling in feet; null = unlimited."
    )
    permits_above: bool = Field(
        default=False,
        description="The instrument itself permits flight at and above upper_ft (e.g. SFAR "
        "119: overflights at and above FL320 may resume): a sharp limit, no fading margin "
        "above it.",
    )
    firs: FirCodes = Field(default_factory=list, description="ICAO FIR codes, separated by spaces.")
    summary: Text | None = Field(default=None, description="What it says, in a sentence or two.")
    sources: Sources
    certainty: Certainty
    geometry_note: Text | None = None
    notes: Text | None = Field(default=None, description="Curation notes: what is not confirmed.")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _check_band(self.lower_ft, self.upper_ft)
        if self.permits_above and self.upper_ft is None:
            raise ValueError("permits_above needs an upper_ft: flight above which limit?")
        self._check_lifecycle(self.id)
        if self.valid_from < self.published_at:
            raise ValueError(
                "valid_from is before published_at: an advisory is never in effect before it "
                "was published"
            )
        return self


class EngagementArea(_Lifecycle):
    """An air-defence envelope: a site and a system; radius and ceiling default to the system's.

    published_at is when the site and system were first reported, which may be long after the
    threat was there (valid_from): checks "as of" an earlier time leave it out.
    """

    id: Slug
    name: Text = Field(description="Name of the area.")
    system: Slug = Field(description="Catalogue id of the system.")
    radius_nm: float | None = Field(
        default=None, gt=0, le=MAX_RADIUS_NM, description="Radius of the circle, NM (geodesic)."
    )
    lower_ft: AltitudeFt | None = Field(default=None, description="Floor in feet; null = surface.")
    upper_ft: AltitudeFt | None = Field(
        default=None, description="Ceiling in feet; null = the system's."
    )
    operator: Text | None = Field(default=None, description="Who operates it, as reported.")
    site_basis: SiteBasis = Field(
        description="How the site is known: confirmed, reported, assumed."
    )
    summary: Text | None = Field(default=None, description="What is known, in a sentence or two.")
    sources: Sources
    certainty: Certainty
    geometry_note: Text | None = None
    notes: Text | None = Field(default=None, description="Curation notes: what is not confirmed.")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _check_band(self.lower_ft, self.upper_ft)
        self._check_lifecycle(self.id)
        return self


class Incident(_Record):
    """One point of an event in which a civil aircraft was fired on: where hit, or where it fell."""

    id: Slug
    event: Slug = Field(description="Groups the hit point and crash site of one event.")
    kind: IncidentKind = Field(description="hit, crash or landing.")
    flight: Text | None = Field(default=None, description="Flight number and route.")
    occurred_at: UtcDatetime = Field(description="When (UTC).")
    time_precision: TimePrecision = Field(
        default=TimePrecision.MINUTE, description="second, minute or day."
    )
    published_at: UtcDatetime = Field(description="When it was first reported (UTC).")
    published_precision: TimePrecision = Field(
        default=TimePrecision.DAY,
        description="second, minute or day; a day-precise time is 00:00Z of that day.",
    )
    threat: Slug | None = Field(default=None, description="Key of the threat it belongs to.")
    operator: Text | None = Field(default=None, description="Airline.")
    aircraft: Text | None = Field(default=None, description="Type and registration.")
    fatalities: int | None = Field(default=None, ge=0, le=10_000, description="People killed.")
    weapon: Text | None = Field(default=None, description="What hit it, as the sources say.")
    weapon_class: WeaponClass = Field(
        default=WeaponClass.UNKNOWN,
        description="manpads, aaa, sam, air_to_air or unknown: the altitudes the incident is "
        "evidence for (MANPADS and guns low, a SAM by its system, others all).",
    )
    weapon_system: Slug | None = Field(
        default=None, description="The SAM system, as its catalogue id (air_defence_systems)."
    )
    altitude_ft: AltitudeFt | None = Field(default=None, description="Altitude at the time, feet.")
    status: IncidentStatus = Field(
        default=IncidentStatus.PENDING,
        description="Review state; only verified incidents are published.",
    )
    summary: Text | None = None
    sources: Sources
    certainty: Certainty
    geometry_note: Text | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.occurred_at > datetime.now(UTC):
            raise ValueError(f"occurred_at ({self.occurred_at}) is in the future")
        _check_published(self.published_at)
        day_of_event = self.occurred_at.replace(hour=0, minute=0, second=0, microsecond=0)
        if self.published_at < day_of_event:
            raise ValueError("published_at is before the day the incident occurred")
        return self


class AirDefenceSystem(_Record):
    """A catalogue entry: a surface-to-air system's reach (indicative public figures)."""

    id: Slug
    name: Text
    nato_name: Text | None = None
    range_nm: float = Field(gt=0, le=MAX_RADIUS_NM)
    range_nm_low: float | None = Field(
        default=None,
        gt=0,
        le=MAX_RADIUS_NM,
        description="The shortest published range where the public figures differ (range_nm "
        "the longest): the score fades across them.",
    )
    ceiling_ft: AltitudeFt
    ceiling_ft_low: AltitudeFt | None = Field(
        default=None,
        description="The lowest published ceiling where the public figures differ (ceiling_ft "
        "the highest): the score fades across them.",
    )
    published_at: UtcDatetime = Field(description="When the figures used were published (UTC).")
    sources: Sources
    certainty: Certainty
    notes: Text | None = None

    @model_validator(mode="after")
    def _spread(self) -> Self:
        if self.ceiling_ft_low is not None and self.ceiling_ft_low > self.ceiling_ft:
            raise ValueError("ceiling_ft_low is above ceiling_ft")
        if self.range_nm_low is not None and self.range_nm_low > self.range_nm:
            raise ValueError("range_nm_low is above range_nm")
        return self


LayerRecord = ConflictZone | EngagementArea | Incident
