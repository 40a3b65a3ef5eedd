"""Run the fake Bot API in its own process, so a benchmark's bot does not share its CPU.

`python -m tests.fakes.telegram_process [--limits] [--no-record]` prints its port on the first
line and serves until terminated. `running_in_process()` does that from Python and reads the
server's `stats()` back over HTTP.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.fakes.telegram_api import DEFAULT_TOKEN, STATS_PATH, FakeTelegram, TelegramLimits
from tests.fakes.telegram_protocol import BotAPIAddress

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class RemoteFake(BotAPIAddress):
    """A fake Bot API server running in a child process."""

    port: int
    token: str = DEFAULT_TOKEN

    def stats(self) -> dict[str, Any]:
        """`FakeTelegram.stats()` of the child: calls, sent, chats, repeats, limit_hits."""
        response = httpx.get(f"http://127.0.0.1:{self.port}{STATS_PATH}", timeout=10)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result


@contextlib.contextmanager
def running_in_process(
    *, limits: bool = False, record: bool = False, paid: bool = False
) -> Iterator[RemoteFake]:
    """Start the fake in a child process for the duration of the block (`paid`: 1,000 msg/s)."""
    flags = [
        *(["--limits"] if limits else []),
        *(["--paid"] if paid else []),
        *([] if record else ["--no-record"]),
    ]
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.telegram_process", *flags],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        port = int(child.stdout.readline())
        yield RemoteFake(port)
    finally:
        child.terminate()
        child.wait(10)


def main(argv: Sequence[str] | None = None) -> None:
    """Serve until terminated; the port goes to stdout."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limits", action="store_true", help="enforce Telegram's flood limits")
    parser.add_argument(
        "--paid", action="store_true", help="with --limits: paid broadcast limits (1,000 msg/s)"
    )
    parser.add_argument("--no-record", action="store_true", help="keep counters, not every call")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)

    async def serve() -> None:
        limits = TelegramLimits(per_second=1000.0) if args.paid else TelegramLimits()
        fake = FakeTelegram(limits=limits if args.limits else None, record=not args.no_record)
        await fake.start(args.port)
        print(fake.port, flush=True)
        await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())


if __name__ == "__main__":
    main()
