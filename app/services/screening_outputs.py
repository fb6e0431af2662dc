"""The screening's files: the exposures as Parquet (one row each, times UTC), as a GeoPackage
(each exposure's path inside, a line per exposure), a summary per hazard and day (CSV), and the
plot a researcher would otherwise draw by hand (exposures beginning per hour per hazard, PNG)."""

from pathlib import Path

import geopandas
import matplotlib
import pandas
import shapely

from app.core.tracks.summary import daily_summary, hourly_entries

matplotlib.use("Agg")  # files only, no screen

from matplotlib import pyplot


def as_table(found: pandas.DataFrame) -> pandas.DataFrame:
    """The exposures with times as UTC timestamps (entry_time, exit_time)."""
    table = found.copy()
    for end in ("entry", "exit"):
        table[f"{end}_time"] = pandas.to_datetime(table.pop(f"{end}_t_s"), unit="s", utc=True)
    return table


def write_parquet(table: pandas.DataFrame, path: Path) -> None:
    """One row per exposure; the path inside as WKB in `geometry`."""
    table.to_parquet(path, index=False)


def write_geopackage(table: pandas.DataFrame, path: Path) -> None:
    """The exposures as lines in a GeoPackage layer `exposures` (WGS84 lon/lat)."""
    geometry = shapely.from_wkb(table["geometry"].to_numpy())
    frame = geopandas.GeoDataFrame(
        table.drop(columns=["geometry"]), geometry=geometry, crs="OGC:CRS84"
    )
    frame.to_file(path, layer="exposures", driver="GPKG", engine="pyogrio")


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
