"""Closed vocabularies of the layers: levels, certainties, statuses, kinds."""

from enum import IntEnum, StrEnum


class Layer(StrEnum):
    """The layers the service keeps, named as their tables and collections."""

    CONFLICT_ZONES = "conflict_zones"
    ENGAGEMENT_AREAS = "engagement_areas"
    INCIDENTS = "incidents"


class ZoneLevel(IntEnum):
    """Advisory level, after OPSGROUP Safe Airspace: lower is worse."""

    DO_NOT_FLY = 1
    HIGH_RISK = 2
    CAUTION = 3


class Certainty(StrEnum):
    """How sure the sources make us of a record."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class EngagementStatus(StrEnum):
    """How an air-defence site became known."""

    CONFIRMED = "confirmed"
    REPORTED = "reported"
    ASSUMED = "assumed"


class IncidentKind(StrEnum):
    """Which point of an event an incident row marks."""

    HIT = "hit"
    CRASH = "crash"
    LANDING = "landing"


class IncidentStatus(StrEnum):
    """Review state of an incident: only verified ones are published."""

    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class TimePrecision(StrEnum):
    """How precisely a source gives the time of an incident."""

    SECOND = "second"
    MINUTE = "minute"
    DAY = "day"
