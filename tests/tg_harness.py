"""Shared pieces for the delivery, broadcast and admin tests: a real store, a real PTB Bot.

Everything is real except Telegram, which is the fake Bot API server on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from telegram import Bot
from telegram.request import HTTPXRequest

from bot import config
from bot.store import Store, open_store
from bot.tg.app import App, build_application, running
from bot.tg.bot_data import services_of
from bot.tg.jobs import Ticks
from bot.tg.messenger import TelegramMessenger
from bot.tg.workers import workers_of
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegram


@contextlib.asynccontextmanager
async def sqlite_store(folder: Path, name: str = "newsbot.db") -> AsyncIterator[Store]:
    """A fresh migrated SQLite store in `folder`."""
    store = await open_store(f"sqlite+aiosqlite:///{folder / name}")
    try:
        yield store
    finally:
        await store.aclose()


@contextlib.asynccontextmanager
async def bot_for(tg: FakeTelegram, pool: int = 64) -> AsyncIterator[Bot]:
    """A python-telegram-bot `Bot` talking to the fake server over HTTP."""
    request = HTTPXRequest(connection_pool_size=pool, read_timeout=10, connect_timeout=5)
    bot = Bot(DEFAULT_TOKEN, base_url=tg.base_url, request=request)
    await bot.initialize()
    try:
        yield bot
    finally:
        await bot.shutdown()


@contextlib.asynccontextmanager
async def messenger_for(tg: FakeTelegram) -> AsyncIterator[TelegramMessenger]:
    async with bot_for(tg) as bot:
        yield TelegramMessenger(bot)


async def add_private_chats(store: Store, ids: Iterable[int]) -> None:
    for chat_id in ids:
        await store.upsert_chat(chat_id, "private")


def sends_per_chat(tg: FakeTelegram, text_contains: str | None = None) -> Counter[int | str]:
    """How many messages Telegram accepted for each chat."""
    return Counter(
        call.chat_id
        for call in tg.sent()
        if call.chat_id is not None and (text_contains is None or text_contains in call.text)
    )


ADMIN = 4242
T = TypeVar("T")


def bot_config(tg: FakeTelegram, folder: Path, **extra: Any) -> dict[str, Any]:
    """A config mapping for a bot talking to `tg`, with its database in `folder`."""
    telegram = {
        # Replies to one chat are spaced like every message (`bot.tg.send_gate`); tests that
        # talk command after command to one chat would wait a second a reply. Pacing is tested
        # on its own (test_pacing, test_send_gate, test_send_budget), with its own limits.
        "per_chat_interval": 0,
        "base_url": tg.base_url,
        "base_file_url": tg.base_file_url,
        **extra.pop("telegram", {}),
    }
    return {
        "telegram": telegram,
        "admins": [ADMIN],
        "database": {"url": f"sqlite+aiosqlite:///{folder / 'bot.db'}"},
        "fetch": {"allow_private_networks": True, "retries": 0},
        **extra,
    }


# The jobs of a bot under test look for work often, so tests wait on work, not on the clock
# (feeds still fall due by their own poll interval).
FAST_TICKS = Ticks(leader_renew=0.5, poll=0.2, delivery=0.2)


@contextlib.asynccontextmanager
async def running_bot(raw: dict[str, Any], ticks: Ticks = FAST_TICKS) -> AsyncIterator[App]:
    """The real Application, long-polling the fake server, for the duration of the block."""
    settings = config.parse(raw, {config.TOKEN_ENV: DEFAULT_TOKEN}, origin="test")
    application = build_application(settings, ticks=ticks)
    async with running(application, settings):
        yield application


def store_of(application: App) -> Store:
    return services_of(application).store


async def eventually(
    probe: Callable[[], Awaitable[T]], done: Callable[[T], bool], timeout: float = 10.0
) -> T:
    """Poll `probe` until `done` holds for its result; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s; last value {value!r}")
        await asyncio.sleep(0.02)


async def poll_now(store: Store, url: str) -> None:
    """Make the feed due at once and wait until it has been polled (its next poll time moved
    past now): counted work instead of waiting out the feed's poll interval."""
    feed = await store.get_feed_by_url(url)
    assert feed is not None
    due = datetime.now(UTC) - timedelta(seconds=1)  # in the past, yet not "never polled"
    await store.save_feed_state(feed.id, replace(feed.state, next_poll_at=due))
    await eventually(
        lambda: store.get_feed_by_url(url),
        lambda f: f is not None and f.state.next_poll_at is not None and f.state.next_poll_at > due,
        timeout=20,
    )


async def delivery_passes(application: App, count: int = 2) -> None:
    """Wait until `count` more delivery passes have finished (one may have been under way)."""
    workers = workers_of(application)
    done = workers.passes["deliver"] + count

    async def passes() -> int:
        return workers.passes["deliver"]

    await eventually(passes, lambda n: n >= done)
