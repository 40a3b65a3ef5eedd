"""The `newsbot` command line: the only place that touches argv, the environment and exit codes.

Each subcommand lives in its own module under `bot.cli` and exposes
`register(subparsers) -> None`, which adds its parser and sets `handler=` to a function
`(args: argparse.Namespace) -> int`. Add a row to `COMMANDS` to add a command.

Only the module of the command being run is imported: `newsbot --help` and `newsbot summarize`
never load python-telegram-bot, SQLAlchemy or Alembic (`benchmarks/startup.py` measures it).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

from bot import __version__
from bot.errors import NewsbotError

# python-telegram-bot 22 gives time periods (`RetryAfter.retry_after`) as timedelta when this
# variable is "true", as v23 always will; otherwise it warns each time one is built (every 429).
PTB_TIMEDELTA = "PTB_TIMEDELTA"
# Each command: the module that registers and runs it, and its line in `newsbot --help`.
COMMANDS: dict[str, tuple[str, str]] = {
    "try": ("bot.cli.trychat", "chat with the real bot in this terminal: no token, no network"),
    "summarize": ("bot.cli.summarize", "summarise an article file (text or HTML) or stdin"),
    "feed": ("bot.cli.feed", "list a feed's entries with short summaries"),
    "db": ("bot.cli.db", "database schema: upgrade or show status"),
    "config": ("bot.cli.config", "work with configuration files"),
    "demo": (
        "bot.cli.demo",
        "poll bundled sample feeds offline and print the posts a channel would get",
    ),
    "run": ("bot.cli.run", "run the Telegram bot (long polling or webhook)"),
    "poll": ("bot.cli.poll", "poll every due feed once, then send the new posts through Telegram"),
    "broadcast": (
        "bot.cli.broadcast",
        "send a message to every active chat (resumable with --resume ID)",
    ),
    "subscribe": ("bot.cli.chats", "follow sources in a chat (created if new), without Telegram"),
    "unsubscribe": ("bot.cli.chats", "stop a chat following sources"),
    "subscriptions": ("bot.cli.chats", "list what a chat follows"),
    "channels": ("bot.cli.channels", "install the config's channel routes without the bot"),
    "import-opml": ("bot.cli.opml", "subscribe a chat to every feed of an OPML file"),
    "export-opml": ("bot.cli.opml", "write a chat's subscriptions as OPML"),
}


class _Subcommands:
    """The subparsers action as a command module sees it: each parser gets its `COMMANDS` help."""

    def __init__(self, action: Any) -> None:
        self._action = action

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = self._action.add_parser(
            name, help=COMMANDS[name][1], **kwargs
        )
        return parser


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser: `command`'s module registers its real parser (every module when
    `command` is None); the other commands are listed by name and help line only."""
    parser = argparse.ArgumentParser(
        prog="newsbot", description="Turn the news into short, trustworthy Telegram posts."
    )
    parser.add_argument("--version", action="version", version=f"newsbot {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = None if command is None else {COMMANDS[command][0]} if command in COMMANDS else set()
    registered: set[str] = set()
    for name, (module, help_line) in COMMANDS.items():
        if wanted is not None and module not in wanted:
            subparsers.add_parser(name, help=help_line, add_help=False)
        elif module not in registered:
            importlib.import_module(module).register(_Subcommands(subparsers))
            registered.add(module)
    return parser


def _command_of(argv: Sequence[str]) -> str:
    """The subcommand named in `argv` (its first word that is not an option), or ''."""
    return next((word for word in argv if not word.startswith("-")), "")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one CLI command; errors we expect become one line on stderr and exit code 1."""
    words = sys.argv[1:] if argv is None else argv
    # Opt in before any Telegram command can meet a 429, unless the operator chose already.
    os.environ.setdefault(PTB_TIMEDELTA, "true")
    parser = build_parser(_command_of(words))
    args = parser.parse_args(words)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        code: int = args.handler(args)
    except NewsbotError as exc:
        print(f"newsbot: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`newsbot demo | head`): stop quietly, as Unix tools do, and
        # point stdout at /dev/null so the interpreter's final flush cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return code
