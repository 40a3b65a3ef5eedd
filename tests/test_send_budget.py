"""The sending budget several instances share on PostgreSQL: together they keep Telegram's limits.

Each instance is a store of its own on one database (its own pool and instance id), as separate
processes would be; the fake Bot API server records when every message arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.ops import metrics
from bot.ops.observability import HealthServer
from bot.service.broadcast import Broadcaster
from bot.service.pacing import Limits, Pacer
from bot.service.ports import Messenger
from bot.store import Store, open_store
from bot.tg.app import App
from bot.tg.workers import workers_of
from tests.fakes.telegram_api import FakeTelegram
from tests.store_fixtures import truncate
from tests.tg_harness import (
    ADMIN,
    add_private_chats,
    bot_config,
    eventually,
    messenger_for,
    running_bot,
    sends_per_chat,
)

RATE = 15.0


@pytest.fixture
async def instances(postgres_url: str) -> AsyncIterator[tuple[Store, Store]]:
    """Two instances' stores on one emptied PostgreSQL database."""
    await truncate(postgres_url)
    first, second = await open_store(postgres_url), await open_store(postgres_url)
    try:
        yield first, second
    finally:
        await first.aclose()
        await second.aclose()


def busiest_second(times: Sequence[float]) -> int:
    """The most messages that arrived within any one second."""
    ordered = sorted(times)
    return max(sum(1 for t in ordered[i:] if t < start + 1.0) for i, start in enumerate(ordered))


async def test_slots_taken_by_two_instances_follow_one_schedule(
    instances: tuple[Store, Store],
) -> None:
    first, second = instances
    takes = (store.reserve_send_slot("free", 0.05, 0.0) for store in (first, second) * 10)
    dues = sorted(await asyncio.gather(*takes))
    assert abs(dues[0] - time.time()) < 1.0  # Unix time on the database's clock
    # One schedule: 20 slots span 19 intervals (each instance alone would span 9).
    assert dues[-1] - dues[0] == pytest.approx(0.95)
    assert min(b - a for a, b in itertools.pairwise(dues)) == pytest.approx(0.05)


async def test_a_chat_and_a_429_pause_hold_for_every_instance(
    instances: tuple[Store, Store],
) -> None:
    first, second = instances
    assert await first.reserve_chat_slot(7, 1.0) == 0.0
    assert 0.9 < await second.reserve_chat_slot(7, 1.0) <= 1.0
    assert await second.reserve_chat_slot(8, 1.0) == 0.0

    await first.reserve_send_slot("free", 0.05, 0.0)
    await first.pause_sending(3.0)
    assert 2.5 < await second.sending_paused_for() <= 3.0
    assert await second.reserve_send_slot("free", 0.05, 0.0) > time.time() + 2.5


class Departures:
    """A messenger that notes when each message leaves, then sends it through `inner`."""

    def __init__(self, inner: Messenger) -> None:
        self.inner = inner
        self.times: list[float] = []

    async def send(self, chat_id: int, html: str, **options: Any) -> int:
        self.times.append(time.monotonic())
        return await self.inner.send(chat_id, html, **options)

    async def edit(self, chat_id: int, message_id: int, html: str, **options: Any) -> None:
        await self.inner.edit(chat_id, message_id, html, **options)


async def test_two_instances_broadcasting_together_keep_one_global_rate(
    instances: tuple[Store, Store],
) -> None:
    """Each instance paced alone would send RATE a second, together twice as many.

    Counted as the messages leave: what arrives is what left plus the transport's jitter, which
    on this loaded machine sometimes holds a few messages back and lets them land together.
    """
    first, second = instances
    chats = list(range(1, 91))
    await add_private_chats(first, chats)
    limits = Limits(global_rate=RATE, per_chat_interval=1.0)
    with FakeTelegram().in_thread() as tg:
        async with messenger_for(tg) as messenger:
            sent = Departures(messenger)
            pacers = Pacer(limits, shared=first), Pacer(limits, shared=second)
            one = Broadcaster(first, sent, pacers[0], batch=10, concurrency=8)
            two = Broadcaster(second, sent, pacers[1], batch=10, concurrency=8)
            created = await one.create("one budget", author_id=1)
            await asyncio.gather(one.run(created.id), two.run(created.id))

    assert sends_per_chat(tg, "one budget") == dict.fromkeys(chats, 1)
    assert len(sent.times) == len(chats)
    assert busiest_second(sent.times) <= RATE + 1


async def test_a_paid_broadcast_says_so_to_telegram(instances: tuple[Store, Store]) -> None:
    store, _ = instances
    await add_private_chats(store, [1, 2, 3])
    limits = Limits(global_rate=1.0, per_chat_interval=0.0, paid_rate=971.0)
    async with FakeTelegram() as tg, messenger_for(tg) as messenger:
        broadcaster = Broadcaster(store, messenger, Pacer(limits, shared=store), paid=True)
        created = await broadcaster.create("paid", author_id=1)
        report = await broadcaster.run(created.id)
    assert report.sent == 3
    # At the free rate of 1 a second this would take 2 s; the paid schedule is not held back.
    calls = [c for c in tg.sent() if c.text == "paid"]
    assert max(c.at for c in calls) - min(c.at for c in calls) < 0.5
    assert all(c.params.get("allow_paid_broadcast") in (True, "true") for c in calls)


async def test_healthz_says_whether_this_instance_leads_and_what_the_budget_did() -> None:
    metrics.LEADER.set(1)
    pacer = Pacer(Limits(global_rate=None, per_chat_interval=0.5))
    await pacer.acquire(5)
    await pacer.acquire(5)  # waits half a second for the chat
    await pacer.pause(0.0)
    response = await HealthServer("127.0.0.1", 0).respond("GET", "/healthz")
    instance = json.loads(response.body)["instance"]
    assert instance["leader"] is True
    assert instance["send_budget"]["waits"] >= 1
    assert instance["send_budget"]["wait_seconds"] >= 0.4
    assert instance["send_budget"]["throttled_429"] >= 1


async def test_a_pause_reported_before_any_slot_holds_for_every_bucket(
    instances: tuple[Store, Store],
) -> None:
    """A 429 on the very first message still pauses everyone, paid broadcasts included."""
    first, second = instances
    await first.pause_sending(3.0)
    assert 2.5 < await second.sending_paused_for() <= 3.0
    assert await second.reserve_send_slot("paid", 0.001, 0.0) > time.time() + 2.5
    # A chat's next message, too, waits for the pause to end before its interval counts.
    assert 2.5 < await second.reserve_chat_slot(7, 1.0) <= 3.0


@contextlib.asynccontextmanager
async def bot_on_postgres(folder: Path, url: str) -> AsyncIterator[tuple[FakeTelegram, App]]:
    """The real bot on an emptied PostgreSQL database, talking to a fake Bot API server."""
    await truncate(url)
    async with FakeTelegram() as tg:
        raw = bot_config(tg, folder, database={"url": url})
        async with running_bot(raw) as app:
            yield tg, app


async def test_admin_health_shows_a_pause_another_instance_reported(
    tmp_path: Path, postgres_url: str
) -> None:
    """The answer itself keeps the pause too: it says so, and arrives once the pause is over."""
    async with bot_on_postgres(tmp_path, postgres_url) as (tg, _app):
        other_instance = await open_store(postgres_url)
        try:
            await Pacer(Limits(), shared=other_instance).pause(4.0)
        finally:
            await other_instance.aclose()
        asked = time.monotonic()  # the fake's clock
        tg.send_message(ADMIN, "/health", user_id=ADMIN)
        (reply,) = await tg.wait_sent(ADMIN, timeout=20)
    assert "Sending paused by Telegram for" in reply.text, reply.text
    assert reply.at - asked >= 3.0


async def test_admin_health_says_which_instance_leads_and_what_its_budget_did(
    tmp_path: Path, postgres_url: str
) -> None:
    async with bot_on_postgres(tmp_path, postgres_url) as (tg, app):
        await eventually(lambda: _leads(app), bool)
        before = metrics.budget_totals().throttled_429  # counters are per process
        tg.retry_after(1, times=1, method="sendMessage", chat_id=7001)
        tg.send_message(7001, "/help", user_id=7001)
        await tg.wait_sent(7001, timeout=20)
        tg.send_message(ADMIN, "/health", user_id=ADMIN)
        (reply,) = await tg.wait_sent(ADMIN, timeout=20)
    assert "This instance leads: it polls the feeds" in reply.text, reply.text
    assert f"429 answers: {before + 1}." in reply.text, reply.text


async def _leads(app: App) -> bool:
    return workers_of(app).leader


@contextlib.asynccontextmanager
async def scratch_database(url: str) -> AsyncIterator[str]:
    """A database of its own on the test server (the test takes it away), dropped afterwards."""
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    name = f"newsbot_outage_{os.getpid()}"
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def take_away(url: str) -> None:
    """The database stops accepting connections and drops the ones it has (an outage)."""
    name = make_url(url).database
    admin = create_async_engine(
        make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            await connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
    finally:
        await admin.dispose()


async def test_with_the_database_away_a_command_still_gets_its_apology(
    tmp_path: Path, postgres_url: str
) -> None:
    """Replies take their slot from the database; when it is away they are paced in process."""
    async with scratch_database(postgres_url) as url, FakeTelegram() as tg:
        raw = bot_config(tg, tmp_path, database={"url": url})
        async with running_bot(raw):
            tg.send_message(7001, "/help", user_id=7001)
            await tg.wait_sent(7001, timeout=20)
            await take_away(url)
            tg.send_message(7001, "/list", user_id=7001)
            apology = (await tg.wait_sent(7001, count=2, timeout=20))[1]
    assert "something went wrong" in apology.text, apology.text
