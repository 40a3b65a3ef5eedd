"""The `newsbot` command line: the only place that touches argv, the environment and exit codes.

Each subcommand lives in its own module under `bot.cli` and exposes
`register(subparsers) -> None`, which adds its parser and sets `handler=` to a function
`(args: argparse.Namespace) -> int`. Add a module to `_COMMAND_MODULES` to add a command.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from bot import __version__
from bot.errors import NewsbotError

_COMMAND_MODULES = (
    "bot.cli.summarize",
    "bot.cli.feed",
    "bot.cli.db",
    "bot.cli.config",
    "bot.cli.demo",
    "bot.cli.run",
    *("bot.cli.poll", "bot.cli.broadcast", "bot.cli.opml"),
)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="newsbot", description="Turn the news into short, trustworthy Telegram posts."
    )
    parser.add_argument("--version", action="version", version=f"newsbot {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one CLI command; errors we expect become one line on stderr and exit code 1."""
    parser = build_parser()
    args = parser.parse_args(argv)
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
