"""`newsbot channels sync|list`: the config's channel routes, installed without starting the bot.

A channel given by its numeric id needs nothing else; a `@username` is looked up with Telegram
(`getChat`), so it needs `TELEGRAM_BOT_TOKEN` — without one it is skipped and said so.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from telegram.error import TelegramError

from bot.cli.common import add_config_argument, load_settings, opened_store, telegram_bot
from bot.config import ChannelSettings, Settings
from bot.errors import ConfigError, InputError
from bot.model import RouteOptions
from bot.ops.logs import setup_logging
from bot.service.channels import install_channel, routed_sources

# Exit code when some channels could not be installed (each is listed).
SOME_SKIPPED = 3


def register(subparsers: Any) -> None:
    """Add the `channels` command with its `sync` and `list` actions."""
    parser = subparsers.add_parser("channels")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    sync = actions.add_parser("sync", help="install the routes of the config's channels: section")
    add_config_argument(sync)
    sync.set_defaults(handler=run_sync)
    listing = actions.add_parser("list", help="the channel routes in the database")
    add_config_argument(listing)
    listing.set_defaults(handler=run_list)


def run_sync(args: argparse.Namespace) -> int:
    """Install every `channels:` entry; one line each."""
    settings = load_settings(args.config)
    setup_logging(settings.logging)
    if not settings.channels:
        raise InputError("the config has no channels: section, nothing to install")
    lines, skipped = asyncio.run(sync_channels(settings))
    for line in lines:
        print(line)
    return SOME_SKIPPED if skipped else 0


async def sync_channels(settings: Settings) -> tuple[list[str], int]:
    """Install the routes; what happened to each channel, and how many were skipped."""
    lines: list[str] = []
    skipped = 0
    async with opened_store(settings) as store:
        for entry in settings.channels:
            try:
                chat_id, title = await _channel_id(settings, entry)
            except (ConfigError, InputError) as exc:
                lines.append(f"skipped {entry.chat}: {exc}")
                skipped += 1
                continue
            options = RouteOptions(entry.points, entry.hashtags, entry.link_preview)
            count = await install_channel(
                store, chat_id, title, routed_sources(settings, entry), options
            )
            lines.append(f"{entry.chat}: {count} route(s) installed")
    return lines, skipped


async def _channel_id(settings: Settings, entry: ChannelSettings) -> tuple[int, str | None]:
    """The channel's numeric id and title; a @username is asked of Telegram."""
    if isinstance(entry.chat, int) or entry.chat.lstrip("-").isdigit():
        return int(entry.chat), None
    if settings.telegram.token is None:
        raise InputError(
            "a @username needs TELEGRAM_BOT_TOKEN to look up; or write the channel's numeric id"
        )
    async with telegram_bot(settings) as bot:
        try:
            chat = await bot.get_chat(entry.chat)
        except TelegramError as exc:
            raise InputError(f"Telegram does not show me {entry.chat}: {exc}") from None
    return chat.id, chat.title


def run_list(args: argparse.Namespace) -> int:
    """Print every channel route in the database."""
    settings = load_settings(args.config)
    for line in asyncio.run(_routes(settings)):
        print(line)
    return 0


async def _routes(settings: Settings) -> list[str]:
    async with opened_store(settings) as store:
        routes = await store.list_routes()
        if not routes:
            return ["no channel routes yet (see newsbot channels sync)"]
        lines = []
        for route in routes:
            chat = await store.get_chat(route.chat_id)
            feed = await store.get_feed(route.feed_id)
            name = (chat.title if chat else None) or str(route.chat_id)
            source = (feed.source_id or feed.url) if feed else "?"
            lines.append(f"{name} ← {source}{'' if route.active else ' (off)'}")
        return lines
