"""The screening's files: the exposures as Parquet (one row each, times UTC), as a GeoPackage
(each exposure's path inside, a line per exposure), a summary per hazard and day (CSV), and the
plot a researcher would otherwise draw by hand (exposures beginning per hour per hazard, PNG)."""

from pathlib import Path

import geopandas
import matplotlib
import pandas
import shapely

from app.core.tracks.summary import daily_summary, hourly_entries, per_flight

matplotlib.use("Agg")  # files only, no screen

from matplotlib import pyplot

# The columns researchers were promised, in this order; then the issuer, the GNSS flag, the
# duration and the path inside (WKB).
TABLE_COLUMNS = (
    "flight_id", "icao24", "callsign", "layer", "hazard_id", "entry_time", "exit_time",
    "entry_lon", "entry_lat", "exit_lon", "exit_lat", "min_alt_ft", "max_alt_ft", "status",
    "published", "gap_flag", "issuer", "gnss_flag", "duration_s", "geometry",
)  # fmt: skip


def as_table(found: pandas.DataFrame) -> pandas.DataFrame:
    """The exposures with times as UTC timestamps to the millisecond (entry_time, exit_time;
    the crossings are found to a second), in the promised column order."""
    table = found.copy()
    for end in ("entry", "exit"):
        seconds = table.pop(f"{end}_t_s")
        table[f"{end}_time"] = pandas.to_datetime(seconds, unit="s", utc=True).dt.round("ms")
    return table[list(TABLE_COLUMNS)]


def write_parquet(table: pandas.DataFrame, path: Path) -> None:
    """One row per exposure; the path inside as WKB in `geometry`."""
    table.to_parquet(path, index=False)


def write_geopackage(table: pandas.DataFrame, path: Path) -> None:
    """Two layers in WGS84 lon/lat: `exposures`, a line per exposure (a point where it never
    moved), and `flights`, a row per flight with its exposures' lines as one multi-line (its
    points-only exposures left out of the geometry, counted in `exposures`)."""
    paths = shapely.from_wkb(table["geometry"].to_numpy())
    frame = geopandas.GeoDataFrame(
        table.drop(columns=["geometry"]), geometry=paths, crs="OGC:CRS84"
    )
    frame.to_file(path, layer="exposures", driver="GPKG", engine="pyogrio")
    flights = per_flight(table)
    lines = frame[frame.geometry.geom_type == "LineString"].groupby("flight_id").geometry
    joined = {flight: shapely.MultiLineString(list(group)) for flight, group in lines}
    geometry = [joined.get(flight) for flight in flights["flight_id"]]
    layer = geopandas.GeoDataFrame(flights, geometry=geometry, crs="OGC:CRS84")
    layer.to_file(path, layer="flights", driver="GPKG", engine="pyogrio")


def write_summary(table: pandas.DataFrame, path: Path) -> None:
    """Per hazard and UTC day: flights, minutes, operators (CSV)."""
    daily_summary(table).to_csv(path, index=False)


def write_plot(table: pandas.DataFrame, path: Path) -> None:
    """Exposures beginning per hour, one line per hazard (the ten busiest), as a PNG."""
    figure, axes = pyplot.subplots(figsize=(10, 5), dpi=100)
    if table.empty:
        axes.text(0.5, 0.5, "no exposures", ha="center", va="center")
    else:
        hourly = hourly_entries(table)
        busiest = hourly.sum().sort_values(ascending=False).index[:10]
        for hazard in busiest:
            axes.step(hourly.index, hourly[hazard], where="post", label=str(hazard))
        axes.legend(fontsize=8, loc="upper left")
    axes.set_xlabel("hour (UTC)")
    axes.set_ylabel("exposures beginning")
    axes.set_title("Flights entering each hazard, per hour")
    figure.autofmt_xdate()
    figure.savefig(path)
    pyplot.close(figure)
