"""Conversation helpers for the subscriber end-to-end tests (the bot itself comes from
`tests.tg_harness`, feeds and pages from `tests.feedserver`)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer

from bot.tg.app import App
from tests.fakes import Call, FakeTelegram
from tests.feedserver import FakeSite, Story
from tests.tg_harness import bot_config, running_bot

USER = 1001
# Methods by which the bot answers in a chat.
ANSWERS = frozenset({"sendMessage", "sendDocument", "editMessageText"})


def city_news(httpserver: HTTPServer, *stories: Story) -> tuple[FakeSite, list[dict[str, str]]]:
    """A site with one feed, "city", and the catalogue entry `city` ("City News") for it."""
    site = FakeSite(httpserver)
    for story in stories or (Story("park", "Park reopens"),):
        site.publish("city", story)
    return site, [{"id": "city", "name": "City News", "url": site.feed_url("city")}]


@contextlib.asynccontextmanager
async def subscriber_bot(tg: FakeTelegram, folder: Path, **extra: Any) -> AsyncIterator[App]:
    """The real bot with the given config keys (sources, limits, ...), polling `tg`."""
    async with running_bot(bot_config(tg, folder, **extra)) as application:
        yield application


def answers(tg: FakeTelegram, chat_id: int) -> list[Call]:
    """The bot's answers in a chat so far."""
    return [c for c in tg.calls_for(chat_id) if c.method in ANSWERS]


async def answer_to(
    tg: FakeTelegram, chat_id: int, send: Callable[[], object], timeout: float = 15
) -> Call:
    """Do `send` (inject an update) and return the bot's next answer in that chat."""
    before = len(answers(tg, chat_id))
    send()
    calls = await tg.wait_for(
        lambda c: c.chat_id == chat_id and c.method in ANSWERS, count=before + 1, timeout=timeout
    )
    return calls[before]


async def ask(tg: FakeTelegram, chat_id: int, text: str, *, user_id: int | None = None) -> Call:
    """Send a message as a user and return the bot's next answer in that chat."""
    return await answer_to(tg, chat_id, lambda: tg.send_message(chat_id, text, user_id=user_id))
