"""The properties of a feature in each layer, with the rules a record must obey."""

from datetime import UTC, datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.core.layers.fields import (
    AltitudeFt,
    FirCodes,
    Slug,
    Sources,
    Text,
    UtcDatetime,
)
from app.core.layers.vocabulary import (
    Certainty,
    EngagementStatus,
    IncidentKind,
    IncidentStatus,
    TimePrecision,
    ZoneLevel,
)

MAX_RADIUS_NM = 2_700.0  # 5,000 km: beyond any surface-to-air system


class _Record(BaseModel):
    """Common configuration: unknown fields are refused, values are checked on assignment."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_band(lower_ft: int | None, upper_ft: int | None) -> None:
    """An altitude band's floor lies below its ceiling (None = surface / unlimited)."""
    if lower_ft is not None and upper_ft is not None and lower_ft >= upper_ft:
        raise ValueError(f"lower_ft ({lower_ft}) must be below upper_ft ({upper_ft})")


def _check_validity(valid_from: datetime | None, valid_to: datetime | None) -> None:
    """A validity window starts before it ends (None = open)."""
    if valid_from is not None and valid_to is not None and valid_from >= valid_to:
        raise ValueError(f"valid_from ({valid_from}) must be before valid_to ({valid_to})")


class ConflictZone(_Record):
    """An advisory area: who says what about flying where, at which levels, and when."""

    id: Slug
    name: Text
    level: ZoneLevel
    lower_ft: AltitudeFt | None = None
    upper_ft: AltitudeFt | None = None
    valid_from: UtcDatetime | None = None
    valid_to: UtcDatetime | None = None
    authority: Text
    reference: Text | None = None
    firs: FirCodes = Field(default_factory=list)
    summary: Text | None = None
    sources: Sources
    certainty: Certainty
    geometry_note: Text | None = None
    notes: Text | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _check_band(self.lower_ft, self.upper_ft)
        _check_validity(self.valid_from, self.valid_to)
        return self


class EngagementArea(_Record):
    """An air-defence envelope: a site and a system; radius and ceiling default to the system's."""

    id: Slug
    name: Text
    system: Slug
    radius_nm: float | None = Field(default=None, gt=0, le=MAX_RADIUS_NM)
    lower_ft: AltitudeFt | None = None
    upper_ft: AltitudeFt | None = None
    operator: Text | None = None
    status: EngagementStatus
    valid_from: UtcDatetime | None = None
    valid_to: UtcDatetime | None = None
    summary: Text | None = None
    sources: Sources
    certainty: Certainty
    geometry_note: Text | None = None
    notes: Text | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _check_band(self.lower_ft, self.upper_ft)
        _check_validity(self.valid_from, self.valid_to)
        return self


class Incident(_Record):
    """One point of an event in which a civil aircraft was fired on: where hit, or where it fell."""

    id: Slug
    event: Slug
    kind: IncidentKind
    flight: Text | None = None
    occurred_at: UtcDatetime
    time_precision: TimePrecision = TimePrecision.MINUTE
    operator: Text | None = None
    aircraft: Text | None = None
    fatalities: int | None = Field(default=None, ge=0, le=10_000)
    weapon: Text | None = None
    altitude_ft: AltitudeFt | None = None
    status: IncidentStatus = IncidentStatus.PENDING
    summary: Text | None = None
    sources: Sources
    certainty: Certainty
    geometry_note: Text | None = None

    @model_validator(mode="after")
    def _not_in_future(self) -> Self:
        if self.occurred_at > datetime.now(UTC):
            raise ValueError(f"occurred_at ({self.occurred_at}) is in the future")
        return self


class AirDefenceSystem(_Record):
    """A catalogue entry: a surface-to-air system's reach (indicative public figures)."""

    id: Slug
    name: Text
    nato_name: Text | None = None
    range_nm: float = Field(gt=0, le=MAX_RADIUS_NM)
    ceiling_ft: AltitudeFt
    sources: Sources
    certainty: Certainty
    notes: Text | None = None


LayerRecord = ConflictZone | EngagementArea | Incident
