"""When a watched flight departs: once, somewhere in a window, or daily until an end date."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from app.core.layers.fields import UtcDatetime

# A departure window is checked at its start, its end and every step between (a hazard that
# takes effect inside the window is then seen at the next step at the latest).
WINDOW_STEP = timedelta(hours=1)
MAX_WINDOW = timedelta(hours=48)
# Daily flights are checked this far ahead; later ones as the clock reaches them.
DAILY_HORIZON = timedelta(days=7)
MAX_DAILY_DAYS = 366

HhMm = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


class DepartureWindow(BaseModel):
    """Departs some time between two instants (at most 48 h apart)."""

    model_config = ConfigDict(extra="forbid")

    start: UtcDatetime = Field(alias="from", description="Earliest departure (UTC).")
    end: UtcDatetime = Field(alias="to", description="Latest departure (UTC).")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end < self.start:
            raise ValueError("to must not be before from")
        if self.end - self.start > MAX_WINDOW:
            raise ValueError("a departure window may span at most 48 hours")
        return self


class DailySchedule(BaseModel):
    """Departs every day at one UTC time, from one date to another (both included)."""

    model_config = ConfigDict(extra="forbid")

    at: HhMm = Field(description="Departure time of day, UTC, HH:MM.")
    start: date = Field(alias="from", description="First day (UTC date).")
    until: date = Field(description="Last day (UTC date), at most 366 days after the first.")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.until < self.start:
            raise ValueError("until must not be before from")
        if (self.until - self.start).days >= MAX_DAILY_DAYS:
            raise ValueError("a daily schedule may span at most 366 days")
        return self

    def departure_on(self, day: date) -> datetime:
        """The departure on one day."""
        hours, minutes = (int(part) for part in self.at.split(":"))
        return datetime.combine(day, time(hours, minutes), tzinfo=UTC)


class Schedule(BaseModel):
    """Exactly one of departure_time, departure_window or daily."""

    model_config = ConfigDict(extra="forbid")

    departure_time: UtcDatetime | None = None
    departure_window: DepartureWindow | None = None
    daily: DailySchedule | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        given = [n for n in ("departure_time", "departure_window", "daily") if getattr(self, n)]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of departure_time, departure_window, daily"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self

    def last_departure(self) -> datetime:
        """The latest departure the schedule holds."""
        if self.departure_time is not None:
            return self.departure_time
        if self.departure_window is not None:
            return self.departure_window.end
        assert self.daily is not None
        return self.daily.departure_on(self.daily.until)

    def departures(self, now: datetime) -> list[datetime]:
        """The departures to check now: the one, every step of a window, or the daily ones from
        yesterday's (perhaps still in the air) to the horizon (the first one if the schedule
        starts later); empty when the schedule is over."""
        if self.departure_time is not None:
            return [self.departure_time]
        if self.departure_window is not None:
            window = self.departure_window
            times = []
            moment = window.start
            while moment < window.end:
                times.append(moment)
                moment += WINDOW_STEP
            return [*times, window.end]
        assert self.daily is not None
        daily = self.daily
        first = max(daily.start, (now - timedelta(days=1)).date())
        last = min(daily.until, (now + DAILY_HORIZON).date())
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        # Whole UTC days: a new flight enters the horizon as a UTC day begins, when the daily
        # watches are checked again.
        within = list(map(daily.departure_on, days))
        if not within and daily.departure_on(daily.start) > now:
            return [daily.departure_on(daily.start)]  # starts later: its first flight
        return within
