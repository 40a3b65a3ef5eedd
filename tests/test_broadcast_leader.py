"""Two bot instances on one PostgreSQL database: one leads; when it stops or dies the other
takes over (at once after a clean stop, once the lease expires after a death)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.tg import jobs
from bot.tg.app import App
from bot.tg.workers import workers_of
from tests.fakes.telegram_api import FakeTelegram
from tests.store_fixtures import truncate
from tests.tg_harness import ADMIN, bot_config, eventually, running_bot, sends_per_chat, store_of

StopFirst = Callable[[], Awaitable[object]]


@contextlib.asynccontextmanager
async def leader_and_follower(raw: dict[str, Any]) -> AsyncIterator[tuple[App, App, StopFirst]]:
    """A first instance that leads, a second that follows, and how to stop the first early."""
    first_run = running_bot(raw)
    first = await first_run.__aenter__()
    try:
        await eventually(lambda: _is_leader(first), bool)
        async with running_bot(raw) as second:
            await asyncio.sleep(1)
            assert not workers_of(second).leader
            yield first, second, lambda: first_run.__aexit__(None, None, None)
    finally:
        if first.running:
            await first_run.__aexit__(None, None, None)


@pytest.mark.slow
async def test_a_new_leader_resumes_the_broadcast_of_a_dead_one(
    tmp_path: Path, postgres_url: str
) -> None:
    await truncate(postgres_url)
    chats = list(range(9001, 9101))
    async with FakeTelegram() as tg:
        raw = bot_config(tg, tmp_path, database={"url": postgres_url})
        async with leader_and_follower(raw) as (first, second, stop_first):
            store = store_of(second)
            for chat_id in chats:
                await store.upsert_chat(chat_id, "private")
            created = await store.create_broadcast("left behind", ADMIN)
            # The leader stops without giving its lease up (no `post_stop`), as if it had died.
            first.post_stop = None
            await stop_first()
            await eventually(lambda: _is_leader(second), bool, timeout=60)
            await tg.wait_for(
                lambda c: c.method == "editMessageText" and "Broadcast finished" in c.text,
                timeout=30,
            )
            final = await store.get_broadcast(created.id)
    assert final is not None
    assert (final.sent, final.remaining, final.status) == (100, 0, "done")
    per_chat = sends_per_chat(tg, "left behind")
    assert set(per_chat) == set(chats)
    assert set(per_chat.values()) == {1}


async def test_after_a_clean_stop_of_the_leader_the_other_instance_leads_at_once(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lease is given up on stop: no wait for it to expire (`LEADER_TTL`, 30 s)."""
    await truncate(postgres_url)
    async with FakeTelegram() as tg:
        raw = bot_config(tg, tmp_path, database={"url": postgres_url})
        async with leader_and_follower(raw) as (first, second, stop_first):
            await stop_first()  # a clean stop
            stopped = time.monotonic()
            await eventually(lambda: _is_leader(second), bool, timeout=jobs.LEADER_TTL)

            assert time.monotonic() - stopped < 5
            assert not workers_of(first).leader


async def _is_leader(app: App) -> bool:
    return workers_of(app).leader
