"""The readiness monitor: a probe is answered from a recent background result, never a stale one."""

import threading

from app.services.readiness_monitor import ReadinessMonitor
from app.store.readiness import Readiness


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _counting_check(outcomes: list[bool]) -> tuple[list[int], ReadinessMonitor, Clock]:
    """A monitor whose check returns the next outcome each time and counts its calls."""
    calls = [0]
    clock = Clock()

    def check() -> Readiness:
        ready = outcomes[min(calls[0], len(outcomes) - 1)]
        calls[0] += 1
        return Readiness({"database": "ok" if ready else "unreachable (x)"}, ready)

    return calls, ReadinessMonitor(check, interval_s=1.0, max_age_s=2.5, clock=clock), clock


def test_no_result_before_the_first_check() -> None:
    calls, monitor, _ = _counting_check([True])
    assert monitor.fresh() is None
    assert calls == [0]


def test_a_recent_result_is_answered_without_checking_again() -> None:
    calls, monitor, clock = _counting_check([True, False])
    assert monitor.check_now().ready
    clock.now += 2.5  # exactly at the age limit: still used
    answer = monitor.fresh()
    assert answer is not None
    assert answer.ready
    assert calls == [1]


def test_a_stale_result_is_not_answered() -> None:
    # A monitor thread that stalled must not keep reporting "ready" from long ago.
    _, monitor, clock = _counting_check([True])
    monitor.check_now()
    clock.now += 2.51
    assert monitor.fresh() is None


def test_an_earlier_slower_check_does_not_replace_a_newer_result() -> None:
    clock = Clock()
    release = threading.Event()
    entered = threading.Event()
    outcomes = iter([False, True])

    def check() -> Readiness:
        ready = next(outcomes)
        if not ready:  # the first check: started first, finishes last
            entered.set()
            release.wait(5)
        return Readiness({}, ready)

    monitor = ReadinessMonitor(check, clock=clock)
    slow = threading.Thread(target=monitor.check_now)
    slow.start()
    assert entered.wait(5)
    clock.now += 1.0
    assert monitor.check_now().ready
    release.set()
    slow.join(5)
    answer = monitor.fresh()
    assert answer is not None
    assert answer.ready


def test_the_thread_refreshes_the_result() -> None:
    # Real time: the first result arrives from the thread, and a change of outcome follows.
    done = threading.Event()
    outcomes = [False, True]
    seen: list[bool] = []

    def check() -> Readiness:
        ready = outcomes[min(len(seen), 1)]
        seen.append(ready)
        if len(seen) >= 2:
            done.set()
        return Readiness({}, ready)

    monitor = ReadinessMonitor(check, interval_s=0.01)
    monitor.start()
    try:
        assert done.wait(10)
    finally:
        monitor.close()
    answer = monitor.fresh()
    assert answer is not None
    assert answer.ready
    assert seen[:2] == [False, True]


def test_while_a_check_is_under_way_the_previous_result_stands_until_it_is_late() -> None:
    clock = Clock()
    release = threading.Event()
    entered = threading.Event()
    calls = [0]

    def check() -> Readiness:
        calls[0] += 1
        if calls[0] == 2:  # the second check hangs (a database that does not answer)
            entered.set()
            release.wait(5)
        return Readiness({}, True)

    monitor = ReadinessMonitor(check, interval_s=1.0, max_age_s=2.5, clock=clock)
    monitor.check_now()
    clock.now += 2.0
    hanging = threading.Thread(target=monitor.check_now)
    hanging.start()
    assert entered.wait(5)
    clock.now += 2.0  # the first result is 4 s old, the check under way 2 s
    assert monitor.fresh() is not None
    clock.now += 1.0  # the check under way is 3 s old: late
    assert monitor.fresh() is None
    assert monitor.age_s() == 5.0
    release.set()
    hanging.join(5)
    assert monitor.age_s() == 3.0  # its result counts from when it started: late as well
    assert monitor.fresh() is None
    monitor.check_now()
    assert monitor.fresh() is not None
