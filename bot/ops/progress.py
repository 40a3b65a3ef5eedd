"""Progress bars for long CLI work: a redrawn bar on a terminal, plain lines in a log.

Command owners wrap a loop:

    with ProgressBar("polling feeds", total=len(feeds)) as progress:
        for feed in feeds:
            ...
            progress.advance(note=feed.url)

or, for work that reports running totals, `progress.update(report.sent + report.failed)`.

It writes to stderr so stdout stays clean for results, and it never writes faster than
`REDRAW_INTERVAL` (terminal) or more than one line per `LINE_STEP` of the work (logs), so a
broadcast to 100,000 chats does not flood a journal.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

# Seconds between two redraws of the terminal bar.
REDRAW_INTERVAL = 0.1
# In plain mode, one line per this fraction of the total (10 %)…
LINE_STEP = 0.1
# …or, when the total is unknown or the work is slow, at least one line per this many seconds.
LINE_INTERVAL = 10.0
_BAR_WIDTH = 30


class ProgressBar:
    """Count work done toward an optional total and show it on `stream`."""

    def __init__(
        self,
        label: str,
        total: int | None = None,
        *,
        stream: TextIO | None = None,
        tty: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self._stream = stream if stream is not None else sys.stderr
        self._tty = self._stream.isatty() if tty is None else tty
        self._clock = clock
        self._started = clock()
        self._last_write = float("-inf")
        self._last_step = -1
        self._closed = False

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close("interrupted" if exc_type is not None else None)

    def set_total(self, total: int) -> None:
        """Set or correct the total once it is known (e.g. after counting recipients)."""
        self.total = total

    def advance(self, step: int = 1, note: str | None = None) -> None:
        """Record `step` more units done; `note` names the current unit (a feed, a chat)."""
        self.update(self.done + step, note)

    def update(self, done: int, note: str | None = None) -> None:
        """Set the units done so far, for work that reports running totals (a broadcast)."""
        self.done = done
        now = self._clock()
        if self._tty:
            if now - self._last_write >= REDRAW_INTERVAL:
                self._draw(note)
                self._last_write = now
            return
        fraction_step = int(self._fraction() / LINE_STEP) if self.total else -1
        if fraction_step > self._last_step or now - self._last_write >= LINE_INTERVAL:
            self._line(note)
            self._last_step = max(self._last_step, fraction_step)
            self._last_write = now

    def close(self, outcome: str | None = None) -> None:
        """Write the final state once; `outcome` (e.g. "3 failed") is appended."""
        if self._closed:
            return
        self._closed = True
        elapsed = self._clock() - self._started
        summary = f"{self._counts()} in {elapsed:.1f}s" + (f", {outcome}" if outcome else "")
        if self._tty:
            self._draw(None)
            self._stream.write("\n")
        self._stream.write(f"{self.label}: done, {summary}\n")
        self._stream.flush()

    def _fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0

    def _counts(self) -> str:
        if self.total is None:
            return str(self.done)
        return f"{self.done}/{self.total} ({self._fraction():.0%})"

    def _line(self, note: str | None) -> None:
        self._stream.write(f"{self.label}: {self._counts()}" + (f" {note}" if note else "") + "\n")
        self._stream.flush()

    def _draw(self, note: str | None) -> None:
        if self.total:
            filled = round(self._fraction() * _BAR_WIDTH)
            bar = "[" + "#" * filled + "." * (_BAR_WIDTH - filled) + "] "
        else:
            bar = ""
        text = f"{self.label} {bar}{self._counts()}" + (f" {note}" if note else "")
        width = shutil.get_terminal_size().columns - 1
        self._stream.write("\r" + text[:width].ljust(width))
        self._stream.flush()
