"""Where route checks run: on threads of their own, a few at a time, with a bounded queue.

Waiting for a turn holds no thread (an asyncio semaphore), so queued checks never starve the
shared thread pool that other endpoints and the readiness probe use. Beyond the queue's bound a
check is refused at once (the caller answers 503 with Retry-After). A check whose client has
gone while it waited is not started.
"""

import asyncio
import contextvars
import os
import sys
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


# Check threads run this much nicer than the event loop (Linux schedules threads one by one):
# when the cores are busy, probes and short requests get the CPU first.
CHECK_THREAD_NICENESS = 5


def _yield_to_probes() -> None:
    """Make the calling check thread nicer (where the platform allows it per thread)."""
    if sys.platform.startswith("linux"):
        thread = threading.get_native_id()
        os.setpriority(
            os.PRIO_PROCESS, thread, os.getpriority(os.PRIO_PROCESS, thread) + CHECK_THREAD_NICENESS
        )


class GateFull(Exception):
    """Too many checks are waiting already."""


class ClientGone(Exception):
    """The client disconnected before its check's turn came."""


class RouteCheckGate:
    """At most `concurrency` checks run at once; at most `max_waiting` wait for a turn."""

    def __init__(self, concurrency: int, max_waiting: int) -> None:
        self._executor = ThreadPoolExecutor(
            concurrency, thread_name_prefix="route-check", initializer=_yield_to_probes
        )
        self._slots = asyncio.Semaphore(concurrency)
        self._max_waiting = max_waiting
        self.waiting = 0
        self.running = 0

    async def run(
        self,
        work: Callable[[], T],
        client_gone: Callable[[], Awaitable[bool]],
        admitted: bool = False,
    ) -> T:
        """Run `work` on a check thread when a turn is free; `client_gone` is asked first.

        `admitted` work (the next route of a batch already running) waits even when the queue
        is full: a batch is refused, if at all, before its first line.
        """
        if self.waiting >= self._max_waiting and not admitted:
            raise GateFull
        self.waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self.waiting -= 1
        self.running += 1
        try:
            if await client_gone():
                raise ClientGone
            # In the request's context, so that log lines from the check carry its id.
            context = contextvars.copy_context()
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, context.run, work)
        finally:
            self.running -= 1
            self._slots.release()

    def close(self) -> None:
        """Stop the check threads (after the running checks end)."""
        self._executor.shutdown(wait=False, cancel_futures=True)
