"""`benchmarks/broadcast.py --instances N`: paid broadcasts from N processes on one PostgreSQL.

Against the fake Bot API server (its own process) enforcing paid-broadcast limits (1,000 msg/s
overall, 1/s per chat, 429 otherwise), in the same run:

1. one process broadcasting to every chat with `telegram.paid_broadcast` on (the shared budget
   in PostgreSQL, `allow_paid_broadcast` on every message);
2. N processes sharing that one broadcast and that one budget;
3. N bare python-telegram-bot `send_message` loops (64 in flight each, no pacing, no store) on a
   server without limits: what this machine can push at all.

Each run is timed from a common start signal (after imports and connections) to its last
message. Reported: the aggregate rates and their ratios, the busiest second the server saw,
429s, whether every chat got the broadcast once, and what each run cost in CPU — the bot
processes' CPU per message and the whole machine's busy share (the fake server and PostgreSQL
run on the same machine), which tells a CPU-bound run from one held back by the budget.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from dataclasses import dataclass
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.service.broadcast import Broadcaster
from bot.service.pacing import PAID_CEILING, Limits, Pacer
from bot.store import open_store
from bot.tg.messenger import TelegramMessenger
from tests.fakes.telegram_api import DEFAULT_TOKEN
from tests.fakes.telegram_process import running_in_process
from tests.store_fixtures import truncate

IN_FLIGHT = 64
FIRST_CHAT = 2_000_000
FREE_RATE = 29.0
PAID = Limits(FREE_RATE, 1.0, 20, paid_rate=PAID_CEILING - FREE_RATE)
TEXT = "Benchmark <b>paid broadcast</b>"


def _bot(port: int) -> Bot:
    request = HTTPXRequest(connection_pool_size=IN_FLIGHT * 2, read_timeout=30, pool_timeout=30)
    return Bot(DEFAULT_TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=request)


async def _seed(url: str, chats: int) -> int:
    await (await open_store(url)).aclose()  # migrated first, then emptied
    await truncate(url)
    store = await open_store(url)
    try:
        for chat_id in range(FIRST_CHAT, FIRST_CHAT + chats):
            await store.upsert_chat(chat_id, "private")
        return (await store.create_broadcast(TEXT, author_id=1)).id
    finally:
        await store.aclose()


def _instance(url: str, port: int, broadcast_id: int, ready: Any, go: Event) -> None:
    """Child: one bot instance running its share of the broadcast once `go` is set."""

    async def main() -> None:
        store = await open_store(url)
        async with _bot(port) as bot:
            pacer = Pacer(PAID, shared=store)
            broadcaster = Broadcaster(store, TelegramMessenger(bot), pacer, paid=True)
            ready.put(1)
            await asyncio.get_running_loop().run_in_executor(None, go.wait)
            started = time.process_time()
            await broadcaster.run(broadcast_id)
            ready.put(time.process_time() - started)
        await store.aclose()

    asyncio.run(main())


def _bare(port: int, chat_ids: range, ready: Any, go: Event) -> None:
    """Child: a bare PTB loop with IN_FLIGHT requests in flight."""

    async def main() -> None:
        async with _bot(port) as bot:
            queue = iter(chat_ids)

            async def worker() -> None:
                for chat_id in queue:
                    await bot.send_message(chat_id, TEXT, parse_mode="HTML")

            ready.put(1)
            await asyncio.get_running_loop().run_in_executor(None, go.wait)
            started = time.process_time()
            await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
            ready.put(time.process_time() - started)

    asyncio.run(main())


@dataclass(frozen=True)
class Usage:
    """What one run cost: wall seconds, the bot processes' CPU seconds, the machine's busy share."""

    seconds: float
    bot_cpu: float
    machine_busy: float


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine so far (Linux; zeros elsewhere)."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except OSError:
        return 0, 0
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def _timed(targets: list[tuple[Any, tuple[Any, ...]]]) -> Usage:
    """Start the children, wait until all are ready, release them together; what it cost."""
    context = multiprocessing.get_context("spawn")
    ready, go = context.Queue(), context.Event()
    children = [
        context.Process(target=target, args=(*args, ready, go), daemon=True)
        for target, args in targets
    ]
    for child in children:
        child.start()
    for _ in children:
        ready.get(timeout=120)
    busy, total = _machine_ticks()
    started = time.perf_counter()
    go.set()
    # Each child answers with the CPU seconds its work took once it is done.
    cpu = sum(ready.get(timeout=3600) for _ in children)
    seconds = time.perf_counter() - started
    busy_after, total_after = _machine_ticks()
    for child in children:
        child.join()
    share = (busy_after - busy) / (total_after - total) if total_after > total else 0.0
    return Usage(seconds, cpu, share)


def _ours(url: str, chats: int, instances: int) -> tuple[float, Usage, dict[str, Any]]:
    broadcast_id = asyncio.run(_seed(url, chats))
    with running_in_process(limits=True, paid=True) as fake:
        usage = _timed([(_instance, (url, fake.port, broadcast_id))] * instances)
        return chats / usage.seconds, usage, fake.stats()


def _bare_loops(chats: int, instances: int) -> tuple[float, Usage]:
    with running_in_process() as fake:
        shares = [range(FIRST_CHAT + i, FIRST_CHAT + chats, instances) for i in range(instances)]
        usage = _timed([(_bare, (fake.port, share)) for share in shares])
    return chats / usage.seconds, usage


def _cost(usage: Usage, chats: int) -> str:
    """Where the time went: the bots' CPU per message and in cores, the machine's busy share."""
    return (
        f"bot CPU {usage.bot_cpu / chats * 1000:.1f} ms/msg ({usage.bot_cpu / usage.seconds:.2f} "
        f"cores), machine {usage.machine_busy:.0%} busy"
    )


def _line(label: str, rate: float, usage: Usage, stats: dict[str, Any], chats: int) -> str:
    once = stats["chats"] == chats and stats["repeats"] == 0
    return (
        f"{label}: {rate:.0f} msg/s; busiest second {stats['busiest_second']}, "
        f"429s {stats['limit_hits']}, each chat once: {'yes' if once else 'NO'} "
        f"({stats['chats']} chats, {stats['repeats']} repeats); {_cost(usage, chats)}"
    )


def run(url: str, chats: int, instances: int) -> None:
    """Print the three rates and the checks (see the module docstring)."""
    one_rate, one_usage, one_stats = _ours(url, chats, 1)
    print(_line("1 process, paid broadcast", one_rate, one_usage, one_stats, chats))
    many_rate, many_usage, many_stats = _ours(url, chats, instances)
    label = f"{instances} processes, one shared budget"
    print(_line(label, many_rate, many_usage, many_stats, chats))
    bare, bare_usage = _bare_loops(chats, instances)
    print(
        f"{instances} bare PTB loops, no limits, no store: {bare:.0f} msg/s; "
        f"{_cost(bare_usage, chats)}"
    )
    busiest = max(one_stats["busiest_second"], many_stats["busiest_second"])
    print(
        f"ratio: {instances} processes / 1 process = {many_rate / one_rate:.2f}x (aim >= 1.5x); "
        f"of the bare loops: {many_rate / bare:.0%}; "
        f"never over 1,000 in a second: {'yes' if busiest <= 1000 else 'NO'}"
    )
