"""Cold start of each `newsbot` subcommand against a bare import of what it needs.

Every figure is a fresh interpreter (`python -m bot ...`), run the same number of times in the
same run as its baseline (`python -c "import ..."` of the modules the command really needs), so
the ratio says what the CLI costs on top of the work itself. The target: `newsbot summarize FILE`
within 1.5x the bare import of `bot.summarize` and trafilatura.

    .venv/bin/python benchmarks/startup.py [--runs 7]   (median of N; prints seconds and ratios)
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ARTICLE = REPO / "bot" / "samples" / "articles" / "harbour-bridge.txt"
TARGET = ("summarize FILE", 1.5)

# (what is measured, its argv after `python -m bot`, the modules a bare import loads instead)
CASES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("--help", ("--help",), ("argparse",)),
    ("summarize FILE", ("summarize", str(ARTICLE)), ("bot.summarize", "trafilatura")),
    ("summarize --help", ("summarize", "--help"), ("bot.summarize", "trafilatura")),
    ("feed --help", ("feed", "--help"), ("bot.feeds.fetch", "bot.feeds.parse")),
    ("demo --help", ("demo", "--help"), ("bot.offline.demo",)),
    ("try --help", ("try", "--help"), ("bot.offline.session", "bot.offline.demo")),
    ("run --help", ("run", "--help"), ("bot.tg.app",)),
    ("poll --help", ("poll", "--help"), ("bot.service.poll", "bot.store.sql")),
    ("db --help", ("db", "--help"), ("bot.store.migrate",)),
)


def cold(argv: list[str]) -> float:
    """Seconds for one fresh interpreter to run `argv` to the end."""
    started = time.perf_counter()
    subprocess.run(argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def median_of(runs: int, argv: list[str]) -> float:
    return statistics.median(cold(argv) for _ in range(runs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per figure (median)")
    args = parser.parse_args()
    python = sys.executable
    empty = median_of(args.runs, [python, "-c", "pass"])
    print(f"python -c pass: {empty:.3f}s (median of {args.runs})")
    print(f"{'command':<18} {'newsbot':>8} {'bare import':>12} {'ratio':>6}  baseline")
    verdict = 0
    for name, argv, modules in CASES:
        command = median_of(args.runs, [python, "-m", "bot", *argv])
        bare = median_of(args.runs, [python, "-c", "import " + ", ".join(modules)])
        ratio = command / bare
        print(f"{name:<18} {command:>7.3f}s {bare:>11.3f}s {ratio:>5.2f}x  {', '.join(modules)}")
        if name == TARGET[0]:
            verdict = 0 if ratio <= TARGET[1] else 1
            print(
                f"  target {name} <= {TARGET[1]}x bare import: {'met' if not verdict else 'MISSED'}"
            )
    return verdict


if __name__ == "__main__":
    sys.exit(main())
