"""ProgressBar: a redrawn bar on a terminal, a bounded number of plain lines everywhere else."""

import io
import os

import pytest

from bot.ops.progress import ProgressBar


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_plain_output_writes_about_one_line_per_tenth_of_the_work() -> None:
    stream = io.StringIO()
    with ProgressBar("delivering", total=1000, stream=stream, clock=Clock()) as progress:
        for _ in range(1000):
            progress.advance()
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue()
    assert lines[0] == "delivering: 1/1000 (0%)"
    assert "delivering: 500/1000 (50%)" in lines
    assert lines[-1] == "delivering: done, 1000/1000 (100%) in 0.0s"
    assert len(lines) == 12  # the first unit, each further 10 %, and the final line


def test_plain_output_with_an_unknown_total_writes_on_a_timer() -> None:
    stream = io.StringIO()
    clock = Clock()
    progress = ProgressBar("importing", stream=stream, clock=clock)
    for _ in range(5):
        progress.advance(note="feed")
        clock.now += 4
    progress.close("1 failed")
    assert stream.getvalue().splitlines() == [
        "importing: 1 feed",
        "importing: 4 feed",
        "importing: done, 5 in 20.0s, 1 failed",
    ]


def test_terminal_output_redraws_one_bar_in_place() -> None:
    stream = io.StringIO()
    clock = Clock()
    progress = ProgressBar("polling", total=4, stream=stream, tty=True, clock=clock)
    for _ in range(4):
        progress.advance(note="example.org")
        clock.now += 1
    progress.close()
    text = stream.getvalue()
    assert text.count("\n") == 2  # the bar's own line and the final summary
    frames = text.split("\r")[1:]
    assert frames[0].startswith("polling [" + "#" * 8 + "." * 22 + "] 1/4 (25%) example.org")
    assert frames[-1].startswith("polling [" + "#" * 30 + "] 4/4 (100%)")
    assert text.endswith("polling: done, 4/4 (100%) in 4.0s\n")


def test_terminal_redraws_are_throttled() -> None:
    stream = io.StringIO()
    progress = ProgressBar("polling", total=10_000, stream=stream, tty=True, clock=Clock())
    for _ in range(10_000):
        progress.advance()
    assert stream.getvalue().count("\r") == 1


def test_an_exception_inside_the_block_is_reported_and_not_swallowed() -> None:
    stream = io.StringIO()
    progress = ProgressBar("broadcast", total=3, stream=stream, clock=Clock())

    def work() -> None:
        with progress:
            progress.advance()
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError, match="stop"):
        work()
    assert stream.getvalue().splitlines()[-1] == "broadcast: done, 1/3 (33%) in 0.0s, interrupted"


def test_close_is_idempotent_and_total_can_be_set_later() -> None:
    stream = io.StringIO()
    progress = ProgressBar("broadcast", stream=stream, clock=Clock())
    progress.set_total(2)
    progress.advance(2)
    progress.close()
    progress.close()
    assert stream.getvalue().count("done") == 1
    assert "2/2 (100%)" in stream.getvalue()


def test_update_sets_running_totals_from_a_report() -> None:
    """A broadcast reports absolute counts; update() takes them as they come."""
    stream = io.StringIO()
    clock = Clock()
    progress = ProgressBar("broadcast", total=200, stream=stream, clock=clock)
    for done in (50, 120, 200):
        progress.update(done, note="sent")
        clock.now += 1
    progress.close("3 blocked")
    assert stream.getvalue().splitlines() == [
        "broadcast: 50/200 (25%) sent",
        "broadcast: 120/200 (60%) sent",
        "broadcast: 200/200 (100%) sent",
        "broadcast: done, 200/200 (100%) in 3.0s, 3 blocked",
    ]


def test_a_real_terminal_is_detected_and_gets_the_bar() -> None:
    master, slave = os.openpty()
    with os.fdopen(slave, "w") as terminal:
        progress = ProgressBar("polling", total=2, stream=terminal, clock=Clock())
        progress.advance()
        progress.close()
    written = _read_all(master).decode()
    assert written.startswith("\rpolling [")
    assert "polling: done, 2/2" not in written  # advanced once only
    assert "polling: done, 1/2 (50%)" in written


def _read_all(master: int) -> bytes:
    """Everything written to a closed terminal (one read may return only part of it)."""
    chunks = []
    try:
        while chunk := os.read(master, 4096):
            chunks.append(chunk)
    except OSError:  # EIO: the other end is closed and everything has been read
        pass
    finally:
        os.close(master)
    return b"".join(chunks)
