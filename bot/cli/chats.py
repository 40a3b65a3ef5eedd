"""`newsbot subscribe|unsubscribe|subscriptions --chat ID`: a chat's feeds from the shell.

The operator's way to set a chat up without Telegram: `subscribe` creates the chat in the
database when the bot has never seen it (so `import-opml`, `export-opml` and `poll` work for it
at once) and follows catalogue sources, feed URLs or sites, exactly as `/subscribe` does.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any, get_args

from bot.cli.common import (
    add_config_argument,
    known_chat,
    load_settings,
    opened_runtime,
    opened_store,
)
from bot.config import Settings
from bot.model import ChatKind
from bot.ops.logs import setup_logging
from bot.service import subscriptions

# Supergroup and channel ids are -100 followed by at least ten digits.
_SUPERGROUP_IDS = -1_000_000_000_000


def register(subparsers: Any) -> None:
    """Add the `subscribe`, `unsubscribe` and `subscriptions` commands."""
    follow = subparsers.add_parser("subscribe")
    _chat_argument(follow)
    follow.add_argument(
        "--kind",
        choices=get_args(ChatKind),
        default=None,
        help="the chat's kind when it is new (default: private for a positive id, else group)",
    )
    follow.add_argument(
        "targets", nargs="+", metavar="SOURCE", help="catalogue source ids, feed or site URLs"
    )
    follow.set_defaults(handler=run_subscribe)
    leave = subparsers.add_parser("unsubscribe")
    _chat_argument(leave)
    leave.add_argument("targets", nargs="+", metavar="SOURCE", help="source ids, URLs or numbers")
    leave.set_defaults(handler=run_unsubscribe)
    listing = subparsers.add_parser("subscriptions")
    _chat_argument(listing)
    listing.set_defaults(handler=run_list)


def _chat_argument(parser: Any) -> None:
    parser.add_argument("--chat", type=int, required=True, metavar="CHAT_ID")
    add_config_argument(parser)


def default_kind(chat_id: int) -> ChatKind:
    """Telegram's id ranges: users are positive, -100 and 10+ digits are supergroups (and
    channels), other negative ids basic groups."""
    if chat_id > 0:
        return "private"
    return "supergroup" if chat_id <= _SUPERGROUP_IDS else "group"


def run_subscribe(args: argparse.Namespace) -> int:
    """Create the chat if needed and follow each target; one line per target."""
    settings = _settings(args)
    for line in asyncio.run(follow_all(settings, args.chat, args.targets, kind=args.kind)):
        print(line)
    return 0


async def follow_all(
    settings: Settings, chat_id: int, targets: list[str], *, kind: ChatKind | None = None
) -> list[str]:
    """Subscribe `chat_id` to every target (creating the chat); what happened to each."""
    lines = []
    async with opened_runtime(settings) as runtime:
        store = runtime.store
        chat = await store.get_chat(chat_id)
        if chat is None:
            chat = await store.upsert_chat(chat_id, kind or default_kind(chat_id))
            lines.append(f"chat {chat_id} created ({chat.kind})")
        for target in targets:
            done = await subscriptions.subscribe(store, settings, runtime.fetcher, chat_id, target)
            verb = "now follows" if done.created else "already follows"
            lines.append(f"chat {chat_id} {verb} {done.title} ({done.url})")
    return lines


def run_unsubscribe(args: argparse.Namespace) -> int:
    """Stop following each target; one line per target."""
    settings = _settings(args)
    for line in asyncio.run(_unfollow_all(settings, args.chat, args.targets)):
        print(line)
    return 0


async def _unfollow_all(settings: Settings, chat_id: int, targets: list[str]) -> list[str]:
    async with opened_store(settings) as store:
        await known_chat(store, chat_id)
        return [
            f"chat {chat_id} no longer follows "
            + await subscriptions.unsubscribe(store, settings, chat_id, target)
            for target in targets
        ]


def run_list(args: argparse.Namespace) -> int:
    """Print the chat's subscriptions, numbered as /list numbers them."""
    settings = _settings(args)
    for line in asyncio.run(_listing(settings, args.chat)):
        print(line)
    return 0


async def _listing(settings: Settings, chat_id: int) -> list[str]:
    async with opened_store(settings) as store:
        chat = await known_chat(store, chat_id)
        found = await store.list_subscriptions(chat_id)
    if not found:
        return [f"chat {chat_id} ({chat.kind}) follows nothing yet"]
    return [
        f"{number}. {subscriptions.display_name(s, settings)} — {s.feed_url}"
        for number, s in enumerate(found, start=1)
    ]


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.config)
    setup_logging(settings.logging)
    return settings
