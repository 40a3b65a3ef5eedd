"""`newsbot try`: chat with the real bot in the terminal — no token, no network beyond 127.0.0.1."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from bot.cli.common import add_config_argument, load_settings
from bot.config import Settings
from bot.offline.demo import SampleServer, demo_settings
from bot.offline.session import CHANNEL, ChatType, chat

_HINTS: dict[str, str] = {
    "private": "Try /sources, /subscribe SOURCE, /latest, /settings.",
    "group": "You are the group's owner: /subscribe SOURCE, /list, /settings work here.",
    "channel": f"You own @{CHANNEL['username']}; route sources to it with "
    f"/channel add @{CHANNEL['username']} SOURCE; what it receives is shown as → channel.",
}


def register(subparsers: Any) -> None:
    """Add the `try` command."""
    parser = subparsers.add_parser("try")
    parser.add_argument(
        "--chat-type",
        choices=("private", "group", "channel"),
        default="private",
        help="try the bot in a private chat (default), a group, or with a channel",
    )
    add_config_argument(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Serve the samples (unless the config has sources), start the bot locally, chat."""
    base = load_settings(args.config) if args.config else Settings()
    # The scheduler warns when a job starts late; on a busy terminal that is noise, not news.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    interactive = sys.stdin.isatty()
    with SampleServer() as server, tempfile.TemporaryDirectory(prefix="newsbot-try-") as tmp:
        database_url = f"sqlite+aiosqlite:///{Path(tmp) / 'try.db'}"
        if base.sources:
            database = base.database.model_copy(update={"url": database_url})
            settings = base.model_copy(update={"database": database})
        else:
            settings = demo_settings(server.base_url, database_url, base)
        print(
            f"newsbot try: you are chatting with the real bot on this machine ({args.chat_type} "
            f"mode, {len(settings.sources)} catalogue sources). {_HINTS[args.chat_type]} "
            "A number presses that button; end with Ctrl-D.\n",
            flush=True,
        )
        chat_type: ChatType = args.chat_type
        asyncio.run(
            chat(
                settings,
                _typed_lines() if interactive else _piped_lines(),
                _print,
                chat_type=chat_type,
                styled=sys.stdout.isatty(),
                echo=not interactive,
            )
        )
    return 0


def _print(text: str) -> None:
    print(text, flush=True)


async def _typed_lines() -> AsyncIterator[str]:
    """Lines typed at the prompt, until end of input."""
    while True:
        try:
            yield await asyncio.to_thread(input, "you> ")
        except EOFError:
            print()
            return


async def _piped_lines() -> AsyncIterator[str]:
    """Lines of a piped standard input, until its end."""
    while line := await asyncio.to_thread(sys.stdin.readline):
        yield line
