"""The data_version read cheaply: one round trip on a dedicated autocommit connection.

Every route check asks whether the layers changed. Through the pool that costs four round
trips (pre-ping, BEGIN, SELECT, ROLLBACK; about 0.5 ms here), more than checking a short route
against the bundled layers; on a connection of its own in autocommit it is one (0.1 ms).
Whenever the probe cannot answer at once (busy, or its link is down) it says so, and the
caller asks through the pool instead: a stalled probe must not hold up route checks.
"""

import threading

import psycopg
from psycopg.conninfo import make_conninfo
from sqlalchemy import Engine

QUERY = "SELECT data_version FROM dataset_state"
# Readers queue on one connection; a read takes about 0.1 ms, so a wait this long means stuck.
LOCK_WAIT_S = 0.05
CONNECT_TIMEOUT_S = 3
# A link that drops silently is noticed in seconds, not after the kernel's ~15 min retries.
LINK_OPTIONS = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "tcp_user_timeout": 5_000,
}


class VersionProbe:
    """One connection, shared under a lock, reopened once if it has gone away."""

    def __init__(
        self,
        engine: Engine,
        statement_timeout_ms: int = 5_000,
        application_name: str = "airspace-risk version probe",
    ) -> None:
        self._application_name = application_name
        url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._conninfo = make_conninfo(url, **LINK_OPTIONS)
        self._options = f"-c statement_timeout={statement_timeout_ms}"
        self._lock = threading.Lock()
        self._connection: psycopg.Connection | None = None

    def read(self) -> int | None:
        """The current data_version, or None when this connection cannot get it now (busy
        with another reader for too long, or the server unreachable)."""
        if not self._lock.acquire(timeout=LOCK_WAIT_S):
            return None
        try:
            if self._connection is not None and not self._connection.closed:
                try:
                    return self._query(self._connection)
                except psycopg.Error:
                    # The server restarted or the link broke: one fresh connection below.
                    self.close_locked()
            try:
                self._connection = psycopg.connect(
                    self._conninfo,
                    autocommit=True,
                    connect_timeout=CONNECT_TIMEOUT_S,
                    options=self._options,
                    application_name=self._application_name,
                )
                return self._query(self._connection)
            except psycopg.Error:
                self.close_locked()
                return None
        finally:
            self._lock.release()

    def close(self) -> None:
        """Close the connection (a later read opens a new one)."""
        with self._lock:
            self.close_locked()

    def close_locked(self) -> None:
        """Close the connection; the caller holds the lock."""
        if self._connection is not None:
            try:
                self._connection.close()
            finally:
                self._connection = None

    @staticmethod
    def _query(connection: psycopg.Connection) -> int | None:
        row = connection.execute(QUERY).fetchone()
        return None if row is None else int(row[0])
