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


class SiteBasis(StrEnum):
    """How an air-defence site became known: established by an investigation, reported by the
    press, or assumed (derived, e.g. from where an aircraft was hit)."""

    CONFIRMED = "confirmed"
    REPORTED = "reported"
    ASSUMED = "assumed"


class EndBasis(StrEnum):
    """What a record's end rests on."""

    # The instrument gives the end (and no renewal followed).
    STATED = "stated"
    # PERM, or open-ended: it runs until withdrawn or replaced.
    UNTIL_FURTHER_NOTICE = "until_further_notice"
    # valid_to is the last known end; neither a renewal nor a withdrawal is on record.
    UNCONFIRMED = "unconfirmed"


class Status(StrEnum):
    """A record's state at a given time, derived (core/layers/lifecycle.py), never stored."""

    SCHEDULED = "scheduled"
    IN_FORCE = "in_force"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    SUPERSEDED = "superseded"
    LAPSED_UNCONFIRMED = "lapsed_unconfirmed"


# The states in which a record still counts in a route check: fail-safe, an advisory whose end
# has passed unconfirmed keeps counting.
class ReviewOutcome(StrEnum):
    """What an editor found when reviewing a record."""

    RENEWED = "renewed"
    WITHDRAWN = "withdrawn"
    SUPERSEDED = "superseded"
    CONFIRMED_UNCHANGED = "confirmed_unchanged"


class IncidentKind(StrEnum):
    """Which point of an event an incident row marks."""

    HIT = "hit"
    CRASH = "crash"
    LANDING = "landing"


class WeaponClass(StrEnum):
    """What kind of weapon hit an aircraft: it bounds the altitudes an incident is evidence for."""

    MANPADS = "manpads"
    AAA = "aaa"
    SAM = "sam"
    AIR_TO_AIR = "air_to_air"
    UNKNOWN = "unknown"


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
