"""A service's work on a thread of its own: round after round until closed, waking after an
interval or at once when nudged (the watch re-checker, the webhook deliverer and the screening
runner)."""

import threading


class BackgroundLoop:
    """Runs `_run` on a daemon thread; `_run` loops while not `stopping`, calling `pause`."""

    thread_name = "background"
    join_timeout_s = 60.0

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Work in the background from now on."""
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    def nudge(self) -> None:
        """Look for work now (this process just made some)."""
        self._wake.set()

    def close(self) -> None:
        """Stop after the round under way."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self.join_timeout_s)

    @property
    def stopping(self) -> bool:
        """Whether close was called."""
        return self._stop.is_set()

    def pause(self) -> None:
        """Wait out the interval, or until nudged or closed."""
        self._wake.wait(self.interval_s)
        self._wake.clear()

    def _run(self) -> None:
        raise NotImplementedError
