"""Builds a set of areas' edge arrays in a short-lived process of its own.

Built inside a worker, the arrays (2 GB at 100,000 zones) and their temporaries sat in the
worker's heap beside its hazards until written out (a peak of 5.3 GB there). Built apart, the
worker's memory never holds them: it maps the finished files, and the build's process returns
everything it used when it exits. The areas travel as WKB (exact) through files in the folder
the arrays are then written to.

    python -m app.services.edge_builder FOLDER
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
import shapely

from app.core.arrays import GeometryArray
from app.core.risk import lateral

AREAS_FILE = "areas.wkb"
LENGTHS_FILE = "areas.lengths"


def build_apart(folder: Path, wkbs: GeometryArray) -> None:
    """Write the areas (as WKB) to the folder and build their edge arrays there, as `.npy`
    files named by array, in a child process; raises CalledProcessError if it failed."""
    with (folder / AREAS_FILE).open("wb") as areas:
        for wkb in wkbs:
            areas.write(wkb)
    np.save(folder / LENGTHS_FILE, np.array([len(w) for w in wkbs], dtype=np.int64))
    try:
        # The child inherits stderr: its failure (e.g. killed for memory) reaches the log.
        subprocess.run([sys.executable, "-m", __name__, str(folder)], check=True)
    finally:
        (folder / AREAS_FILE).unlink(missing_ok=True)
        (folder / f"{LENGTHS_FILE}.npy").unlink(missing_ok=True)


def _build(folder: Path) -> None:
    """Read the areas from the folder and write their edge arrays beside them."""
    lengths = np.load(folder / f"{LENGTHS_FILE}.npy")
    data = (folder / AREAS_FILE).read_bytes()
    ends = np.cumsum(lengths)
    wkbs = [data[end - length : end] for end, length in zip(ends, lengths, strict=True)]
    del data
    areas = list(shapely.from_wkb(np.array(wkbs, dtype=object)))
    del wkbs
    for name, array in lateral.edge_arrays_of(areas).items():
        np.save(folder / f"{name}.npy", np.ascontiguousarray(array))


if __name__ == "__main__":
    _build(Path(sys.argv[1]))
