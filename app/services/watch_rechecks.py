"""Re-checking watched flights when the data change or the clock passes a validity boundary.

One pass, in one transaction that holds the re-check cursor (`watch_state`, taken with SKIP
LOCKED: one process re-checks at a time, the others skip the round):
  1. the current checker, at data version V; the changes logged since the cursor up to V, and
     the zones and engagement areas whose validity began or ended since the clock was checked;
  2. the watches they can affect (their last results hold a changed feature, or their corridor
     passes near its geometry; every watch for a change of the air-defence catalogue), those
     checked before the cursor (registered with an older checker meanwhile) and, on a new UTC
     day, the daily ones;
  3. each checked again and compared flight by flight; a difference that passes the watch's
     threshold is an alert, with one delivery per webhook subscription of the watch's key;
  4. the cursor moved to V and the clock to now, in the same transaction.
The change's own log row was written with the change: a crash anywhere loses nothing (the pass
runs again), and a change rolled back was never logged, so it never alerts.
"""

import logging
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, text

from app.core.risk.check import RouteChecker
from app.core.routes.request import MAX_INCIDENT_RADIUS_NM
from app.core.watches.changes import hazard_key, worth_alerting
from app.core.watches.flights import hazards_in
from app.core.webhooks.events import ALERT_EVENT, cloud_event
from app.metrics import WATCH_ALERTS, WATCH_PASSES
from app.services.background_loop import BackgroundLoop
from app.services.checkers import CheckerService
from app.services.watches import Checked, recheck_watch
from app.store.layer_stats import data_version
from app.store.watch_alerts import (
    advance_recheck_state,
    boundaries_between,
    changes_between,
    claim_recheck_state,
    feature_causes,
    insert_alert,
    log_starts_at,
)
from app.store.watches import (
    WatchKey,
    WatchRow,
    affected_watch_ids,
    live_watches,
    mark_checked,
    save_results,
    stale_watches,
)
from app.store.webhooks import enqueue, subscribers

log = logging.getLogger(__name__)
CATALOGUE = "air_defence_systems"
MAX_CAUSES = 20
BOUNDARY_INTERVAL_S = 5.0


class WatchRechecker(BackgroundLoop):
    """Runs re-check passes on a thread of its own, every interval or when nudged (a write in
    this process changed the data)."""

    thread_name = "watch-rechecks"

    def __init__(
        self,
        engine: Engine,
        checkers: CheckerService,
        public_url: str,
        interval_s: float,
        on_alerts: Callable[[], None] = lambda: None,
        boundary_interval_s: float = BOUNDARY_INTERVAL_S,
    ) -> None:
        super().__init__(interval_s)
        self.engine = engine
        self.checkers = checkers
        self.public_url = public_url.rstrip("/")
        self.on_alerts = on_alerts
        self.boundary_interval_s = boundary_interval_s
        self.passes = 0
        # The last pass that had work: watches checked again, alerts written.
        self.last_pass = (0, 0)

    def _run(self) -> None:
        """Pass after pass until closed; a failed pass is logged and tried again."""
        while not self.stopping:
            try:
                if self.run_once() > 0:
                    self.on_alerts()
            except Exception:
                log.exception("a watch re-check pass failed; it runs again")
            self.pause()

    def run_once(self) -> int:
        """One pass (see the module's text); the alerts it wrote."""
        alerts = 0
        with self.engine.begin() as connection:
            state = claim_recheck_state(connection)
            if state is None:
                return 0  # another process is re-checking
            rechecked, clock = state
            now = connection.execute(text("SELECT clock_timestamp()")).scalar_one()
            # Validity boundaries are looked for every few seconds, not on every pass (a scan
            # of the layers); the clock moves only when they were.
            boundaries_due = (now - clock).total_seconds() >= self.boundary_interval_s
            if (
                data_version(connection) == rechecked
                and not boundaries_due
                and not stale_watches(connection, rechecked, now)
            ):
                return 0  # nothing new: the cheap way out, every interval, in every process
            live = live_watches(connection, now)
            if not live:
                # Nothing to re-check; a watch registered meanwhile is older than the cursor
                # and is checked by the next pass.
                advance_recheck_state(connection, data_version(connection), now)
                return 0
            until = now if boundaries_due else clock  # how far the clock has been looked at
            version, checker = self.checkers.checker_for(self.engine)
            if version < rechecked:
                return 0  # this process's checker is older than the cursor: next time
            logged = changes_between(connection, rechecked, version)
            moved = boundaries_between(connection, clock, until)
            ids = self._watches_to_check(connection, logged, moved, live, rechecked, clock, until)
            if log_starts_at(connection) > rechecked:
                ids = [i for i, _, _ in live]  # the log does not reach back: check every watch
            features = sorted({(layer, f) for _, layer, f in logged} | set(moved))
            causes = {
                hazard_key(c["layer"], c["id"]): c for c in feature_causes(connection, features)
            }
            started = time.perf_counter()
            failed: set[WatchKey] = set()
            for key in ids:
                outcome = self._recheck(connection, key, checker, version, now, moved, causes)
                if outcome is None:
                    failed.add(key)  # stays behind the cursor: checked again next pass
                else:
                    alerts += outcome
            self.last_pass = (len(ids), alerts)
            if ids:
                WATCH_PASSES.observe(time.perf_counter() - started)
            mark_checked(connection, [i for i, _, _ in live if i not in failed], version, now)
            advance_recheck_state(connection, version, until)
        self.passes += 1
        WATCH_ALERTS.inc(alerts)  # counted once the transaction holding them committed
        return alerts

    def _watches_to_check(
        self,
        connection: Connection,
        logged: list[tuple[int, str, str]],
        moved: list[tuple[str, str]],
        live: list[tuple[WatchKey, int, bool]],
        rechecked: int,
        clock: datetime,
        now: datetime,
    ) -> list[WatchKey]:
        """Every watch this pass must check again."""
        changed = sorted({(layer, f) for _, layer, f in logged if layer != CATALOGUE} | set(moved))
        if any(layer == CATALOGUE for _, layer, _ in logged):
            ids = {i for i, _, _ in live}
        else:
            ids = set(affected_watch_ids(connection, changed, now, MAX_INCIDENT_RADIUS_NM))
        ids |= {i for i, v, _ in live if v < rechecked}
        if clock.astimezone(UTC).date() != now.astimezone(UTC).date():
            ids |= {i for i, _, daily in live if daily}
        return sorted(ids)

    def _recheck(
        self,
        connection: Connection,
        key: WatchKey,
        checker: RouteChecker,
        version: int,
        now: datetime,
        moved: list[tuple[str, str]],
        causes: dict[str, dict[str, Any]],
    ) -> int | None:
        """Check one watch again; write its alert and deliveries if worth it. 1 if alerted,
        None if it failed."""
        try:
            # A savepoint: a watch that fails is logged and left for the next change, and the
            # pass (every other watch's alerts, the cursor) still commits.
            with connection.begin_nested():
                done = recheck_watch(connection, key, checker, version, now)
                if done is None:
                    return 0
                return self._compare(connection, done, version, moved, causes)
        except Exception:
            log.exception("re-checking watch %s of key %s failed; the pass goes on", key[1], key[0])
            return None

    def _compare(
        self,
        connection: Connection,
        done: tuple[WatchRow, Checked, list[dict[str, Any]]],
        version: int,
        moved: list[tuple[str, str]],
        causes: dict[str, dict[str, Any]],
    ) -> int:
        """Keep a watch's new results; write its alert and deliveries if worth it."""
        row, checked, found = done
        if row.checked_version > version:
            return 0  # checked with a newer checker already (registered or patched meanwhile)
        hazards = hazards_in(checked.results)
        save_results(connection, (row.key_id, row.id), hazards, checked.results, version)
        if not worth_alerting(found, row.notify_at_least):
            return 0
        # The records behind it: changed ones the flight meets now or met before; else (an
        # incident nearby, the catalogue) every changed record.
        met = set(hazards) | set(row.hazards)
        cause = ([causes[k] for k in sorted(causes) if k in met] or list(causes.values()))[
            :MAX_CAUSES
        ]
        summary = {k: checked.results[k]["summary"] for k in checked.results}
        alert_id, at = insert_alert(connection, row.key_id, row.id, version, cause, found, summary)
        waypoints = next(iter(checked.reports.values()))["route"]["waypoints"]
        data = {
            "alert_id": alert_id,
            "watch": {"id": row.id, "href": f"{self.public_url}/v1/watches/{row.id}"},
            "alerts_href": f"{self.public_url}/v1/watches/{row.id}/alerts",
            "flight": {"from": waypoints[0]["name"], "to": waypoints[-1]["name"],
                       "departures": sorted(checked.results)},
            "data_version": version,
            "changes": found,
            "summary": summary,
            "cause": cause,
            "validity_boundaries_passed": [f"{layer}/{f}" for layer, f in moved],
        }  # fmt: skip
        event = cloud_event(
            ALERT_EVENT, f"alert-{alert_id}", f"{self.public_url}/v1/watches/{row.id}", row.id,
            at.astimezone(UTC), data,
        )  # fmt: skip
        body = orjson.dumps(event).decode()
        for subscription_id in subscribers(connection, row.key_id, ALERT_EVENT):
            delivery_id = f"msg_{uuid.uuid4().hex}"
            enqueue(connection, delivery_id, subscription_id, alert_id, ALERT_EVENT, body)
        return 1
