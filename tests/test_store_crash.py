"""The ledger survives SIGKILL and shares work between processes without double delivery."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from bot.model import DeliveryRequest
from bot.store import open_store
from bot.store.schema import deliveries
from tests.conftest import REPO
from tests.store_delivery import Receiver
from tests.store_seed import seed_subscribers

WORKER = [sys.executable, "-m", "tests.store_delivery"]


async def _seed(url: str, chat_count: int) -> tuple[int, int]:
    """`chat_count` private chats subscribed to one feed that has one new item."""
    store = await open_store(url)
    try:
        feed_id = await seed_subscribers(store, chat_count, "https://example.org/rss")
        item = await store.add_item(feed_id, "the-item", title="The item")
        assert item is not None
        return feed_id, item.id
    finally:
        await store.aclose()


async def _ledger(url: str, item_id: int) -> list[tuple[int, str, int | None]]:
    store = await open_store(url)
    try:
        engine = store._engine  # type: ignore[attr-defined]
        query = deliveries.select().where(deliveries.c.item_id == item_id)
        async with engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [(row.chat_id, row.state, row.message_id) for row in rows]
    finally:
        await store.aclose()


def _start(url: str, receiver: Receiver, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*WORKER, url, receiver.url, *extra],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def crash_seed() -> int:
    """A fresh seed each run, or the one in $NEWSBOT_TEST_SEED to replay a failure."""
    return int(os.environ.get("NEWSBOT_TEST_SEED") or random.randrange(1 << 30))


def _crash_and_finish(url: str, chat_count: int, kills: int, seed: int) -> None:
    # Printed first, so a failure's captured output says how to replay it.
    print(f"crash test seed {seed} (replay with NEWSBOT_TEST_SEED={seed})")
    feed_id, item_id = asyncio.run(_seed(url, chat_count))
    rng = random.Random(seed)
    # Kill points spread over the run, each after at least one more message got through.
    thresholds = sorted(rng.sample(range(1, chat_count - 50), kills))
    enqueue = ["--enqueue", str(feed_id), str(item_id), "--lease", "1"]
    with Receiver() as receiver:
        for threshold in thresholds:
            worker = _start(url, receiver, *enqueue)
            deadline = time.monotonic() + 60
            while receiver.count() < threshold:
                assert worker.poll() is None, "the worker ended before it was killed"
                assert time.monotonic() < deadline, "the worker made no progress"
                time.sleep(0.002)
            time.sleep(rng.uniform(0, 0.01))  # a random moment: claim, send or mark
            worker.send_signal(signal.SIGKILL)
            assert worker.wait(10) == -signal.SIGKILL
        last = _start(url, receiver, *enqueue)
        assert last.wait(120) == 0
        per_chat = receiver.per_target()
        total = receiver.count()

    ledger = asyncio.run(_ledger(url, item_id))
    assert sorted(chat for chat, _, _ in ledger) == list(range(1, chat_count + 1))
    assert {state for _, state, _ in ledger} == {"sent"}
    assert all(message_id is not None for _, _, message_id in ledger)
    assert set(per_chat) == {(chat, item_id) for chat in range(1, chat_count + 1)}
    duplicates = total - chat_count
    print(f"crash test: {kills} kills, {duplicates} repeated messages")
    assert duplicates <= kills, f"{duplicates} repeated messages after {kills} kills"


def test_delivery_survives_repeated_sigkill_without_double_delivery(store_url: str) -> None:
    """2,000 chats, killed 5 times at random moments: each chat has the item once in the
    ledger, and the receiver saw at most one repeat per kill."""
    _crash_and_finish(store_url, chat_count=2000, kills=5, seed=crash_seed())


@pytest.mark.slow
def test_delivery_survives_many_sigkills_on_a_larger_fan_out(store_url: str) -> None:
    _crash_and_finish(store_url, chat_count=10_000, kills=20, seed=crash_seed())


async def _enqueue(url: str, feed_id: int, item_id: int) -> int:
    store = await open_store(url)
    try:
        subscribers = await store.subscribers(feed_id)
        return await store.enqueue_deliveries(
            [DeliveryRequest(s.chat_id, item_id) for s in subscribers]
        )
    finally:
        await store.aclose()


def test_three_workers_share_pending_deliveries_each_sent_once(fresh_postgres_url: str) -> None:
    """PostgreSQL: 3 processes claim from 5,000 pending rows; each arrives exactly once."""
    postgres_url = fresh_postgres_url
    feed_id, item_id = asyncio.run(_seed(postgres_url, 5000))
    assert asyncio.run(_enqueue(postgres_url, feed_id, item_id)) == 5000
    with Receiver() as receiver:
        workers = [
            _start(postgres_url, receiver, "--wait-for-go", "--lease", "30") for _ in range(3)
        ]
        for worker in workers:
            assert worker.stdout is not None
            assert worker.stdout.readline().strip() == "ready"
        for worker in workers:  # start together so the work is really shared
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        for worker in workers:
            assert worker.wait(120) == 0
        per_chat = receiver.per_target()
        per_worker = receiver.per_worker()
        total = receiver.count()
    assert total == 5000
    assert set(per_chat) == {(chat, item_id) for chat in range(1, 5001)}
    assert set(per_chat.values()) == {1}
    assert len(per_worker) == 3, f"work was not shared: {per_worker}"
    ledger = asyncio.run(_ledger(postgres_url, item_id))
    assert len(ledger) == 5000
    assert {state for _, state, _ in ledger} == {"sent"}
