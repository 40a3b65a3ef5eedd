"""Run the real newsbot `Application` against the fake Bot API, for the end-to-end bot tests.

Everything is real (handlers, store on SQLite, fetcher, summariser, jobs) except Telegram, which
is `tests.fakes.FakeTelegram` on 127.0.0.1; feeds and pages come from pytest-httpserver.
"""

from __future__ import annotations

import contextlib
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from bot import config
from bot.tg.app import App, build_application, running
from bot.tg.services import Services, services_of
from tests.fakes import Call, FakeTelegram

USER = 1001


def settings_for(tg: FakeTelegram, folder: Path, **overrides: Any) -> config.Settings:
    """Test settings: the fake's URLs, a fresh SQLite file, loopback fetching allowed."""
    raw: dict[str, Any] = {
        "telegram": {"base_url": tg.base_url, "base_file_url": tg.base_file_url},
        "database": {"url": f"sqlite+aiosqlite:///{folder / 'newsbot.db'}"},
        "fetch": {"allow_private_networks": True, "retries": 0},
        "data_dir": str(folder),
        **overrides,
    }
    return config.parse(raw, {config.TOKEN_ENV: tg.token})


@contextlib.asynccontextmanager
async def running_bot(tg: FakeTelegram, folder: Path, **overrides: Any) -> AsyncIterator[App]:
    """The bot, polling the fake server, for the duration of the block."""
    settings = settings_for(tg, folder, **overrides)
    application = build_application(settings)
    async with running(application, settings):
        yield application


def services_in(application: App) -> Services:
    return services_of(application)


async def ask(tg: FakeTelegram, chat_id: int, text: str, *, user_id: int | None = None) -> Call:
    """Send a message as a user and wait for the bot's next answer in that chat."""
    before = len([c for c in tg.calls_for(chat_id) if c.method in ANSWERS])
    tg.send_message(chat_id, text, user_id=user_id)
    calls = await tg.wait_for(
        lambda c: c.chat_id == chat_id and c.method in ANSWERS, count=before + 1, timeout=15
    )
    return calls[before]


ANSWERS = frozenset({"sendMessage", "sendDocument", "editMessageText"})


def rss(title: str, items: list[tuple[str, str, str]]) -> str:
    """An RSS 2.0 document; items are (guid, title, description)."""
    body = "".join(
        f"<item><guid>{guid}</guid><title>{item_title}</title>"
        f"<link>https://news.example/{guid}</link><description>{text}</description>"
        "<pubDate>Fri, 27 Nov 2026 10:00:00 GMT</pubDate></item>"
        for guid, item_title, text in items
    )
    return textwrap.dedent(
        f"""<?xml version="1.0" encoding="utf-8"?>
        <rss version="2.0"><channel><title>{title}</title>
        <link>https://news.example/</link><description>test</description>{body}
        </channel></rss>"""
    )
