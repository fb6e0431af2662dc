"""Progress of long commands on stderr, drawn only on a terminal: a script's pipe or log gets
none (its stdout holds only results)."""

import sys
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any, Self

import typer

Told = Callable[[int, int], None]


def on_terminal() -> bool:
    """Whether progress is drawn (stderr is a terminal)."""
    return sys.stderr.isatty()


class ProgressBars:
    """Bars on stderr, one at a time: a new bar ends the one before (use with `with`)."""

    def __init__(self) -> None:
        self._open: ExitStack | None = None

    def bar(self, label: str) -> Told | None:
        """A callback told (done, total) that draws a bar; None off a terminal."""
        self.close()
        if not on_terminal():
            return None
        stack = ExitStack()
        self._open = stack
        drawn: dict[str, Any] = {}

        def told(done: int, total: int) -> None:
            """Advance the bar to `done` of `total` (made on the first call)."""
            if "bar" not in drawn:
                drawn["bar"] = stack.enter_context(
                    typer.progressbar(length=total, label=label, file=sys.stderr)
                )
            bar = drawn["bar"]
            bar.update(done + 1 - bar.pos)

        return told

    def close(self) -> None:
        """End the bar being drawn, if any."""
        if self._open is not None:
            self._open.close()
            self._open = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def stage(message: str) -> None:
    """One line saying what a long command is doing now (on a terminal only)."""
    if on_terminal():
        typer.echo(message, err=True)
