"""The route checkers: one for the layers as on record now, and some for checks as of earlier
times, each built once, off the lock that every check takes.

- **Current.** The data_version is read on the probe's own connection. When it has moved, one
  build starts (single flight: concurrent callers wait for that build, not for a lock, and
  never build twice). A build takes in only what changed since the checker it has (the
  version log of migration 0006: the base's index is kept, the changed hazards indexed apart),
  so a write is visible in a fraction of a second; when those pile up, or the log cannot say,
  the whole checker is built again (in the background once there are too many). By default
  a check waits for the new checker, so a closure written a moment ago counts at once; with
  `serve_stale` it is answered from the previous checker meanwhile, saying which data_version
  it used.
- **As of.** What is known changes only at certain instants (a publication, a withdrawal, a
  version written: `store.hazard_loading.knowledge_times`), so every `as_of` between two such
  instants shares one checker. They are kept, most recently used first, within a memory budget.
"""

import bisect
import contextlib
import ctypes
import functools
import gc
import logging
import threading
from collections import OrderedDict
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine

from app.core.risk.check import RouteChecker
from app.core.risk.hazards import Hazard
from app.metrics import CHECKER_BUILDS
from app.services.shared_edges import SharedEdges
from app.store.hazard_changes import changes_since
from app.store.hazard_loading import knowledge_times, load_hazards
from app.store.layer_stats import data_version
from app.store.version_probe import VersionProbe

log = logging.getLogger(__name__)


@functools.cache
def _libc() -> ctypes.CDLL | None:
    """The C library, where it is glibc."""
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


def release_freed_memory() -> None:
    """Return freed heap memory to the system (glibc's malloc_trim; elsewhere nothing)."""
    libc = _libc()
    with contextlib.suppress(AttributeError):
        if libc is not None:
            libc.malloc_trim(0)


DEFAULT_AS_OF_BUDGET_BYTES = 512 * 1024 * 1024
MAX_BUILD_ROUNDS = 3
# Changed hazards kept beside the base before the whole checker is rebuilt in the background.
RECENT_LIMIT = 500


def approximate_bytes(value: Any, seen: set[int] | None = None, depth: int = 0) -> int:
    """Rough memory of a checker: the numpy arrays it holds, plus a little per object."""
    seen = set() if seen is None else seen
    if id(value) in seen or depth > 6:
        return 0
    seen.add(id(value))
    if isinstance(value, np.memmap):
        return 0  # mapped from the shared directory: not this checker's own memory
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, list | tuple | set):
        return 64 + sum(approximate_bytes(v, seen, depth + 1) for v in value)
    if isinstance(value, dict):
        return 64 + sum(approximate_bytes(v, seen, depth + 1) for v in value.values())
    if hasattr(value, "__dict__"):
        return 64 + sum(approximate_bytes(v, seen, depth + 1) for v in vars(value).values())
    slots = getattr(type(value), "__slots__", ())
    return 64 + sum(approximate_bytes(getattr(value, s, None), seen, depth + 1) for s in slots)


class _Build:
    """One build of the current checker that callers may wait for."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: tuple[int, RouteChecker] | None = None
        self.error: BaseException | None = None


class CheckerService:
    """Keeps the current checker and a memory-bounded set of `as_of` checkers."""

    def __init__(
        self,
        serve_stale: bool = False,
        as_of_budget_bytes: int = DEFAULT_AS_OF_BUDGET_BYTES,
        shared: SharedEdges | None = None,
    ) -> None:
        # Where whole checkers' edge arrays are shared with the other processes of this host.
        self.shared = shared or SharedEdges(None)
        self._lock = threading.Lock()
        self._current: tuple[int, RouteChecker] | None = None
        self._build: _Build | None = None
        self._serve_stale = serve_stale
        self._as_of: OrderedDict[tuple[int, int], tuple[RouteChecker, int]] = OrderedDict()
        self._as_of_bytes = 0
        self._as_of_budget = as_of_budget_bytes
        self._times: tuple[int, list[float]] | None = None
        self._probe: tuple[Engine, VersionProbe] | None = None
        self._compacting = False
        # Whole builds, and changes taken into an existing checker.
        self.builds = 0
        self.updates = 0

    # --- the current checker -------------------------------------------------------------

    def checker_for(
        self, engine: Engine, as_of: datetime | None = None
    ) -> tuple[int, RouteChecker]:
        """The checker to use now (or as of a time) and the data_version it was built from."""
        version = self._probe_for(engine).read()
        if version is None:
            # The probe could not answer at once: ask through the pool (an outage is a 503).
            with engine.connect() as connection:
                version = data_version(connection)
        if as_of is not None:
            kept = self._kept_as_of(version, as_of)
            if kept is not None:
                return kept
            with engine.connect() as connection:
                return self._as_of_checker(connection, as_of)
        with self._lock:
            current = self._current
        if current is not None and version is not None and current[0] == version:
            return current
        if current is not None and self._serve_stale:
            self._start_build(engine)
            return current
        return self._wait_for_build(engine, version)

    def checker(
        self, connection: Connection, as_of: datetime | None = None
    ) -> tuple[int, RouteChecker]:
        """The same, on a connection the caller holds (the command line)."""
        if as_of is not None:
            return self._as_of_checker(connection, as_of)
        version = data_version(connection)
        with self._lock:
            if self._current is not None and self._current[0] == version:
                return self._current
        built = self._built(connection)
        with self._lock:
            self._keep(built)
        return built

    def _start_build(self, engine: Engine) -> _Build:
        """The build under way, or a new one started on a thread of its own."""
        with self._lock:
            if self._build is not None:
                return self._build
            build = self._build = _Build()
        threading.Thread(target=self._run_build, args=(engine, build), daemon=True).start()
        return build

    def _wait_for_build(self, engine: Engine, seen: int) -> tuple[int, RouteChecker]:
        """Wait for a build of the data at least as new as the version the caller saw (a build
        already under way may have started before it); a build's error is the caller's."""
        result: tuple[int, RouteChecker] | None = None
        for _ in range(MAX_BUILD_ROUNDS):
            build = self._start_build(engine)
            build.done.wait()
            if build.error is not None:
                raise build.error
            result = build.result
            assert result is not None
            if result[0] >= seen:
                break
        # After MAX_BUILD_ROUNDS the data are changing faster than a build: the newest is used.
        assert result is not None
        return result

    def _run_build(self, engine: Engine, build: _Build) -> None:
        """Build the current checker outside the lock and swap it in."""
        try:
            with engine.connect() as connection:
                build.result = self._built(connection)
            with self._lock:
                self._keep(build.result)
            if build.result[1].hazard_set.recent_count > RECENT_LIMIT:
                self._start_compaction(engine)
        except BaseException as error:  # handed to every waiting caller
            if self._serve_stale:
                log.exception("building the route checker failed")
            build.error = error
        finally:
            with self._lock:
                self._build = None
            build.done.set()

    def _built(self, connection: Connection) -> tuple[int, RouteChecker]:
        """A checker of the data as they are, and their version: the current one with what
        changed since taken in, where the version log allows; else built whole."""
        with self._lock:
            current = self._current
        if current is not None:
            with CHECKER_BUILDS.labels("changes").time():
                changes = changes_since(connection, current[0])
                if changes is not None:
                    checker = current[1].with_changes(
                        changes.removed, changes.hazards, changes.incidents
                    )
            if changes is not None:
                self.updates += 1
                return changes.version, checker
        return self._built_whole(connection)

    def _built_whole(self, connection: Connection) -> tuple[int, RouteChecker]:
        """A checker of every hazard, and the data version (read first: the checker holds at
        least what that version holds, and a change read twice is taken in twice, harmlessly)."""
        with CHECKER_BUILDS.labels("current").time():
            version = data_version(connection)
            checker = self._whole(*load_hazards(connection))
        self.builds += 1
        return version, checker

    def _whole(self, hazards: list[Hazard], incidents: list[Hazard]) -> RouteChecker:
        """A checker of these hazards, its edge arrays shared where a directory is set."""
        # A build's temporaries are gigabytes at 100,000 zones; glibc keeps freed memory in its
        # arenas unless asked to hand it back: once after reading (about 1 GB of rows and
        # records there), once after indexing.
        release_freed_memory()
        checker = RouteChecker(
            hazards, incidents, edges=self.shared.arrays([h.area for h in hazards])
        )
        release_freed_memory()
        # A checker lives until the data change: hundreds of thousands of objects at 100,000
        # zones, which every full collection of the garbage collector walked, holding the GIL
        # (and so every probe) for 160–600 ms each time a large answer was being built. Frozen
        # (with everything else alive now: modules, the app), they are no longer walked; they
        # are still freed when no longer referenced, and a checker holds no reference cycles.
        gc.freeze()
        return checker

    def _start_compaction(self, engine: Engine) -> None:
        """Build the whole checker again in the background, so that changes taken in one by
        one stop piling up beside the base; swapped in if still the newest when done."""
        with self._lock:
            if self._compacting:
                return
            self._compacting = True

        def compact() -> None:
            try:
                with engine.connect() as connection:
                    built = self._built_whole(connection)
                with self._lock:
                    self._keep(built)
            except Exception:  # the next build tries again; checks are unaffected
                log.exception("rebuilding the route checker whole failed")
            finally:
                with self._lock:
                    self._compacting = False

        threading.Thread(target=compact, daemon=True).start()

    def _keep(self, built: tuple[int, RouteChecker]) -> None:
        """Swap in a newer checker (the lock held)."""
        if self._current is None or built[0] >= self._current[0]:
            self._current = built

    # --- checkers as of earlier times ----------------------------------------------------

    def _kept_as_of(self, version: int, as_of: datetime) -> tuple[int, RouteChecker] | None:
        """The kept checker for as_of at this data version, without asking the database."""
        with self._lock:
            times = self._times
            if times is None or times[0] != version:
                return None
            key = (version, bisect.bisect_right(times[1], as_of.timestamp()))
            kept = self._as_of.get(key)
            if kept is None:
                return None
            self._as_of.move_to_end(key)
            return version, kept[0]

    def _as_of_checker(self, connection: Connection, as_of: datetime) -> tuple[int, RouteChecker]:
        """The checker shared by every as_of between the same two knowledge changes."""
        version = data_version(connection)
        with self._lock:
            times = self._times
        if times is None or times[0] != version:
            times = (version, knowledge_times(connection))
            with self._lock:
                self._times = times
        key = (version, bisect.bisect_right(times[1], as_of.timestamp()))
        with self._lock:
            kept = self._as_of.get(key)
            if kept is not None:
                self._as_of.move_to_end(key)
                return version, kept[0]
        with CHECKER_BUILDS.labels("as_of").time():
            checker = self._whole(*load_hazards(connection, as_of))
        self.builds += 1
        size = approximate_bytes(checker)
        with self._lock:
            if key not in self._as_of:
                self._as_of[key] = (checker, size)
                self._as_of_bytes += size
                while self._as_of_bytes > self._as_of_budget and len(self._as_of) > 1:
                    _, (_, dropped) = self._as_of.popitem(last=False)
                    self._as_of_bytes -= dropped
        return version, checker

    def kept_as_of(self) -> int:
        """How many as_of checkers are kept."""
        with self._lock:
            return len(self._as_of)

    # --- the version probe ---------------------------------------------------------------

    def _probe_for(self, engine: Engine) -> VersionProbe:
        """The probe on this engine (a new one when the engine changes)."""
        with self._lock:
            if self._probe is None or self._probe[0] is not engine:
                if self._probe is not None:
                    self._probe[1].close()
                self._probe = (engine, VersionProbe(engine))
            return self._probe[1]

    def close(self) -> None:
        """Close the probe's connection."""
        with self._lock:
            probe, self._probe = self._probe, None
        if probe is not None:
            probe[1].close()
