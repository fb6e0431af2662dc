"""The edge arrays of whole checkers, shared by the worker processes of one host.

Most of a checker's memory is its edge grid (`core/risk/lateral.edge_arrays_of`). The first
process to need the grid of a set of areas has it built, by a short-lived process of its own
(`edge_builder`), in a directory in shared memory (`/dev/shm` by default); every process then
maps those files read-only, so the pages are held once however many workers use them. Files
are named by a digest of the areas themselves (their WKB), so a process can never map the grid
of other areas. A lock file makes the others wait for the one build instead of repeating it.
Old grids are removed as new ones arrive; a process that still maps one keeps its pages until
it lets go (Linux keeps unlinked files alive).
"""

import fcntl
import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from app import __version__
from app.core.arrays import GeometryArray, NamedArrays
from app.core.risk import edge_grid, lateral
from app.services import edge_builder

log = logging.getLogger(__name__)
# Grids kept in the directory besides the newest (checks as of earlier times use older ones).
KEEP = 8
# The code that lays out the arrays: a change of it must not map arrays laid out before.
_LAYOUT = hashlib.sha256(
    (__version__ + Path(edge_grid.__file__).read_text() + Path(lateral.__file__).read_text())
    .encode()
).hexdigest()[:16]  # fmt: skip


def digest(wkbs: GeometryArray) -> str:
    """A name for the grid of exactly these areas (as WKB), in this order, laid out by this
    code."""
    hasher = hashlib.sha256(_LAYOUT.encode())
    for wkb in wkbs:
        hasher.update(len(wkb).to_bytes(8, "little"))
        hasher.update(wkb)
    return hasher.hexdigest()[:40]


def _private(directory: Path) -> bool:
    """Whether only this user can write in the directory (files planted there by anyone else
    would be mapped as the grid: /dev/shm is writable by all, so this is checked, not assumed)."""
    status = directory.stat()
    return status.st_uid == os.getuid() and not status.st_mode & 0o022


class SharedEdges:
    """Builds or maps the edge arrays of a set of areas in a shared directory."""

    def __init__(self, directory: str | None) -> None:
        self.directory = Path(directory) if directory else None
        self.built = 0
        self.mapped = 0

    def arrays(self, areas: Sequence[BaseGeometry]) -> NamedArrays | None:
        """The areas' edge arrays, memory-mapped from the shared directory (built there first
        if no process has); None when there is no usable directory (the caller builds)."""
        if self.directory is None:
            return None
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not _private(self.directory):
                log.warning(
                    "shared checker directory %s is not this user's alone; building privately",
                    self.directory,
                )
                return None
            wkbs = shapely.to_wkb(np.array(areas, dtype=object))
            target = self.directory / digest(wkbs)
            with (self.directory / ".lock").open("a+") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not target.is_dir():
                    self._build(target, wkbs)
                    self.built += 1
                    self._prune(keep=target)
                else:
                    self.mapped += 1
                os.utime(target)  # recently used: pruned last
                return {p.stem: np.load(p, mmap_mode="r") for p in target.glob("*.npy")}
        except OSError:
            log.warning("shared checker directory %s unusable; building privately", self.directory)
            return None
        except subprocess.CalledProcessError as error:
            log.error("building the edge grid apart failed (%s); building privately", error)
            return None

    def _build(self, target: Path, wkbs: GeometryArray) -> None:
        """Build the arrays in a new directory, in a process of their own (`edge_builder`),
        and put it in place in one rename."""
        assert self.directory is not None
        staging = Path(tempfile.mkdtemp(dir=self.directory, prefix=".staging-"))
        try:
            edge_builder.build_apart(staging, wkbs)
            staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _prune(self, keep: Path) -> None:
        """Remove all but the KEEP most recently used grids (and never `keep`)."""
        assert self.directory is not None
        grids = [p for p in self.directory.iterdir() if p.is_dir() and p != keep]
        grids.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        for old in grids[KEEP:]:
            shutil.rmtree(old, ignore_errors=True)
