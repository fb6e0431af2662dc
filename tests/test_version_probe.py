"""The data_version probe: the same number the tables hold, a new connection when its own was
killed, and None (the pool then reports the outage) when the server cannot be reached."""

import socket
import threading
import time

from sqlalchemy import Engine, create_engine, text

from app.services.checkers import CheckerService
from app.store.version_probe import CONNECT_TIMEOUT_S, VersionProbe


def _version(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT data_version FROM dataset_state")).scalar_one())


def test_probe_reads_the_version_and_survives_a_killed_connection(loaded_database_url: str) -> None:
    engine = create_engine(loaded_database_url)
    # A name of its own: the live servers of other tests have probes on this database too.
    probe = VersionProbe(engine, application_name="probe under test")
    try:
        assert probe.read() == _version(engine)
        with engine.connect() as connection:
            killed = connection.execute(
                text(
                    "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE application_name = 'probe under test'"
                    " AND datname = current_database()) AS t"
                )
            ).scalar_one()
        assert killed == 1
        assert probe.read() == _version(engine)
    finally:
        probe.close()
        engine.dispose()


def test_probe_gives_none_when_the_server_is_unreachable() -> None:
    engine = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
    assert VersionProbe(engine).read() is None


def test_checker_for_follows_a_change_of_version(writable_database_url: str) -> None:
    engine = create_engine(writable_database_url)
    source = CheckerService()
    try:
        version, first = source.checker_for(engine)
        assert source.checker_for(engine) == (version, first)
        with engine.begin() as connection:
            connection.execute(text("UPDATE dataset_state SET data_version = data_version + 1"))
        newer, second = source.checker_for(engine)
        assert newer == version + 1
        assert second is not first
    finally:
        source.close()
        engine.dispose()


def test_a_stalled_probe_does_not_hold_up_other_reads() -> None:
    """A server that accepts and never answers: the stalled read gives up after the connect
    timeout, and reads meanwhile are told at once to use the pool (None), not queued."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []

    def accept_and_stay_silent() -> None:
        connection, _ = listener.accept()
        accepted.append(connection)

    threading.Thread(target=accept_and_stay_silent, daemon=True).start()
    port = listener.getsockname()[1]
    probe = VersionProbe(create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{port}/x"))
    stalled: list[int | None] = []
    started = time.monotonic()
    reader = threading.Thread(target=lambda: stalled.append(probe.read()))
    reader.start()
    time.sleep(0.3)
    waited_at = time.monotonic()
    assert probe.read() is None
    assert time.monotonic() - waited_at < 0.5
    reader.join(timeout=CONNECT_TIMEOUT_S + 5)
    assert not reader.is_alive()
    assert stalled == [None]
    assert time.monotonic() - started < CONNECT_TIMEOUT_S + 5
    for connection in accepted:
        connection.close()
    listener.close()
