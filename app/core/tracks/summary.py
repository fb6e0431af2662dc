"""What researchers tabulate from the exposures: per hazard and UTC day the flights inside,
their minutes and the operators (the callsign's three-letter ICAO prefix), and per hour the
number of exposures that began (the plot's data)."""

import pandas

SUMMARY_COLUMNS = ("hazard_id", "layer", "day", "flights", "minutes", "operators")


def _operator(callsign: str) -> str | None:
    """An airline callsign's operator designator (ABC123 → ABC), else None."""
    head = callsign[:3]
    return head if len(callsign) > 3 and head.isalpha() and head.isupper() else None


def daily_summary(
    exposures: pandas.DataFrame, entry_column: str = "entry_time"
) -> pandas.DataFrame:
    """Per hazard and UTC day of entry: distinct flights, minutes inside, operators."""
    if exposures.empty:
        return pandas.DataFrame(columns=list(SUMMARY_COLUMNS))
    frame = exposures.assign(
        day=exposures[entry_column].dt.strftime("%Y-%m-%d"),
        operator=exposures["callsign"].map(_operator),
    )
    grouped = frame.groupby(["hazard_id", "layer", "day"], sort=True)
    summary = grouped.agg(
        flights=("flight_id", "nunique"),
        minutes=("duration_s", lambda s: round(float(s.sum()) / 60.0, 1)),
        operators=("operator", lambda s: " ".join(sorted({o for o in s if o}))),
    ).reset_index()
    return summary[list(SUMMARY_COLUMNS)]


def hourly_entries(
    exposures: pandas.DataFrame, entry_column: str = "entry_time"
) -> pandas.DataFrame:
    """Exposures that began in each UTC hour, per hazard (hours as rows, hazards as columns)."""
    hours = exposures[entry_column].dt.floor("h")
    table = exposures.assign(hour=hours).pivot_table(
        index="hour", columns="hazard_id", values="flight_id", aggfunc="count", fill_value=0
    )
    return table.sort_index()


FLIGHT_COLUMNS = (
    "flight_id", "icao24", "callsign", "exposures", "hazards", "minutes", "first_entry",
    "last_exit", "gap_flag", "gnss_flag",
)  # fmt: skip


def per_flight(exposures: pandas.DataFrame) -> pandas.DataFrame:
    """Per flight with an exposure: how many, in which hazards, minutes inside in all, the
    first entry and last exit, and whether any was flagged."""
    if exposures.empty:
        return pandas.DataFrame(columns=list(FLIGHT_COLUMNS))
    grouped = exposures.groupby(["flight_id", "icao24", "callsign"], sort=True)
    flights = grouped.agg(
        exposures=("hazard_id", "size"),
        hazards=("hazard_id", lambda s: " ".join(sorted(set(s)))),
        minutes=("duration_s", lambda s: round(float(s.sum()) / 60.0, 1)),
        first_entry=("entry_time", "min"),
        last_exit=("exit_time", "max"),
        gap_flag=("gap_flag", "any"),
        gnss_flag=("gnss_flag", "any"),
    ).reset_index()
    return flights[list(FLIGHT_COLUMNS)]
