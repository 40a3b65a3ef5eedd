"""Broadcast to 10,000 chats against the fake Telegram Bot API server (in its own process).

1. Limits enforced by the fake server (30 msg/s overall, 1/s per chat, 20/min per group, 429
   otherwise): our `Broadcaster` with the default pacing. Reports the sustained rate over the
   time box (after a short warm-up) and how many 429s the server had to send (target: none).
   `--limited-seconds 0` sends all 10,000 (about six minutes).
2. Limits lifted: our `Broadcaster` with the pacer's caps off — claims, sends and ledger writes
   included — against a bare python-telegram-bot `Bot.send_message` loop with 64 requests in
   flight, on the same fake server in the same run. Reports both rates and their ratio
   (target ≥ 80%).

Prints the peak RSS of this (the bot's) process. The store is SQLite in a temporary folder.

    .venv/bin/python benchmarks/broadcast.py [--chats 10000] [--limited-seconds 45]

`--instances N --postgres URL` instead measures paid broadcasts from N processes sharing one
PostgreSQL and one sending budget (`benchmarks/broadcast_instances.py`; the URL's database is
emptied first).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from telegram import Bot  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

from bot.service.broadcast import Broadcaster  # noqa: E402
from bot.service.pacing import Limits, Pacer  # noqa: E402
from bot.store import Store, open_store  # noqa: E402
from bot.tg.messenger import TelegramMessenger  # noqa: E402
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegram, TelegramLimits  # noqa: E402

T = TypeVar("T")
IN_FLIGHT = 64
WARM_UP = 3.0
FIRST_CHAT = 1_000_000


def serve(limited: bool, pipe: Connection) -> None:
    """Child process: run the fake server; answer "stats" with (port, 429s, sends)."""

    async def main() -> None:
        server = FakeTelegram(limits=TelegramLimits() if limited else None, record=False)
        await server.start()
        loop = asyncio.get_running_loop()
        pipe.send(server.port)
        while True:
            command = await loop.run_in_executor(None, pipe.recv)
            if command == "stop":
                break
            pipe.send(server.limit_hits)
        await server.stop()

    asyncio.run(main())


class Server:
    """The fake server in a child process, so it does not share this process's CPU."""

    def __init__(self, limited: bool) -> None:
        self._pipe, child = multiprocessing.Pipe()
        self._process = multiprocessing.Process(target=serve, args=(limited, child), daemon=True)
        self._process.start()
        self.port: int = self._pipe.recv()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def limit_hits(self) -> int:
        self._pipe.send("stats")
        hits: int = self._pipe.recv()
        return hits

    def stop(self) -> None:
        self._pipe.send("stop")
        self._process.join(10)


def make_bot(server: Server) -> Bot:
    request = HTTPXRequest(connection_pool_size=IN_FLIGHT * 2, read_timeout=30, pool_timeout=30)
    return Bot(DEFAULT_TOKEN, base_url=server.base_url, request=request)


async def fresh_store(folder: Path, name: str, chats: int) -> Store:
    store = await open_store(f"sqlite+aiosqlite:///{folder / name}")
    for chat_id in range(FIRST_CHAT, FIRST_CHAT + chats):
        await store.upsert_chat(chat_id, "private")
    return store


async def ours(
    server: Server, store: Store, limits: Limits, seconds: float | None
) -> tuple[float, float, int]:
    """Broadcast through our stack; (msg/s after warm-up, msg/s overall, messages sent)."""
    async with make_bot(server) as bot:
        broadcaster = Broadcaster(store, TelegramMessenger(bot), Pacer(limits))
        created = await broadcaster.create("Benchmark <b>broadcast</b>", author_id=1)
        marks: list[tuple[float, int]] = []

        async def sample() -> None:
            while True:
                current = await store.get_broadcast(created.id)
                assert current is not None
                marks.append((time.perf_counter(), current.sent))
                await asyncio.sleep(0.5)

        sampler = asyncio.create_task(sample())
        started = time.perf_counter()
        task = asyncio.create_task(broadcaster.run(created.id))
        if seconds:
            await asyncio.sleep(seconds)
            await broadcaster.cancel(created.id)
        report = await task
        sampler.cancel()
        end = time.perf_counter()
    start_time, start_sent = next(
        ((t, n) for t, n in marks if t - marks[0][0] >= WARM_UP), marks[0]
    )
    rate = (report.sent - start_sent) / (end - start_time)
    return rate, report.sent / (end - started), report.sent


async def bare_ptb(server: Server, chats: int) -> float:
    """Bot.send_message with IN_FLIGHT requests in flight; msg/s."""
    async with make_bot(server) as bot:
        queue = iter(range(FIRST_CHAT, FIRST_CHAT + chats))

        async def worker() -> None:
            for chat_id in queue:
                await bot.send_message(chat_id, "Benchmark <b>broadcast</b>", parse_mode="HTML")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
        return chats / (time.perf_counter() - started)


async def on_fresh_server(run: Callable[[Server], Awaitable[T]]) -> T:
    server = Server(limited=False)
    try:
        return await run(server)
    finally:
        server.stop()


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        limited = Server(limited=True)
        try:
            store = await fresh_store(Path(folder), "limited.db", args.chats)
            seconds = args.limited_seconds or None
            rate, _, sent = await ours(limited, store, Limits(), seconds)
            await store.aclose()
            hits = limited.limit_hits()
        finally:
            limited.stop()
        print(f"limits enforced: {sent} sent, sustained {rate:.2f} msg/s, 429s provoked: {hits}")

        # A fresh server per run (its message store grows); the bare loop runs before and after
        # ours and the better of the two counts, so machine noise cannot flatter the ratio.
        bare_rates = [await on_fresh_server(lambda srv: bare_ptb(srv, args.chats))]
        unlimited = Limits(global_rate=None, per_chat_interval=0.0, group_per_minute=10**6)
        store = await fresh_store(Path(folder), "free.db", args.chats)
        _, our_rate, sent = await on_fresh_server(lambda srv: ours(srv, store, unlimited, None))
        await store.aclose()
        bare_rates.append(await on_fresh_server(lambda srv: bare_ptb(srv, args.chats)))
        bare_rate = max(bare_rates)
        print(f"limits lifted: ours {our_rate:.0f} msg/s ({sent} sent, ledger writes included)")
        print(
            f"limits lifted: bare PTB send_message, {IN_FLIGHT} in flight: "
            f"{' / '.join(f'{r:.0f}' for r in bare_rates)} msg/s (before / after ours)"
        )
        print(f"ratio: {our_rate / bare_rate:.0%} (target ≥ 80%)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS (bot process): {peak:.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument(
        "--limited-seconds", type=float, default=45.0, help="time box for part 1; 0 = send all"
    )
    parser.add_argument("--instances", type=int, default=0, help="N processes on --postgres")
    parser.add_argument("--postgres", help="database URL for --instances (emptied first)")
    arguments = parser.parse_args()
    if arguments.instances:
        from broadcast_instances import run  # only this mode needs it

        if not arguments.postgres:
            parser.error("--instances needs --postgres postgresql+asyncpg://…")
        run(arguments.postgres, arguments.chats, arguments.instances)
    else:
        asyncio.run(main(arguments))
