"""`newsbot import-opml FILE --chat ID` and `newsbot export-opml --chat ID`.

Import goes through the same service as Telegram's /import (`bot.service.opml.import_opml`):
the file is parsed defensively, every URL passes the fetcher's URL safety, sites are discovered
to their feed, and the per-chat cap holds. The progress bar moves as each feed's outcome is
known (the service checks a few feeds at once, so they finish in no fixed order).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from bot.cli.common import add_config_argument, known_chat, load_settings, opened_runtime
from bot.config import Settings
from bot.errors import InputError
from bot.ops.logs import setup_logging
from bot.ops.progress import ProgressBar
from bot.service import opml

# Exit code when the import ran but some feeds could not be added (each is listed on stderr).
SOME_FAILED = 3


def register(subparsers: Any) -> None:
    """Add the `import-opml` and `export-opml` commands."""
    importer = subparsers.add_parser("import-opml")
    importer.add_argument("file", metavar="FILE", help="the OPML file")
    importer.add_argument("--chat", type=int, required=True, metavar="CHAT_ID")
    add_config_argument(importer)
    importer.set_defaults(handler=run_import)
    exporter = subparsers.add_parser("export-opml")
    exporter.add_argument("--chat", type=int, required=True, metavar="CHAT_ID")
    exporter.add_argument("--output", metavar="FILE", help="write here instead of stdout")
    add_config_argument(exporter)
    exporter.set_defaults(handler=run_export)


def run_import(args: argparse.Namespace) -> int:
    """Read the file, import it with progress, print the outcome."""
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror})") from None
    settings = load_settings(args.config)
    setup_logging(settings.logging)
    report = asyncio.run(import_file(settings, args.chat, data))
    for url, reason in report.failed:
        # Most reasons already name the URL ("https://…: HTTP 404").
        print(f"not added: {reason if url in reason else f'{url}: {reason}'}", file=sys.stderr)
    print(
        f"chat {args.chat}: {len(report.added)} added, {len(report.already)} already followed, "
        f"{len(report.failed)} failed, {report.over_limit} over the limit"
    )
    return SOME_FAILED if report.failed else 0


async def import_file(settings: Settings, chat_id: int, data: bytes) -> opml.ImportReport:
    """`import_opml` with a progress step per feed of the file."""
    feeds = opml.parse_opml(data)
    async with opened_runtime(settings) as runtime:
        await known_chat(runtime.store, chat_id)
        with ProgressBar("importing feeds", total=len(feeds)) as progress:

            def step(feed: opml.FeedImported) -> None:
                shown = feed.outcome if feed.outcome in ("added", "already") else "not added"
                progress.advance(note=f"{shown}: {feed.url}")

            return await opml.import_opml(
                runtime.store, settings, runtime.fetcher, chat_id, data, on_feed=step
            )


def run_export(args: argparse.Namespace) -> int:
    """Write the chat's subscriptions as OPML to --output or stdout."""
    settings = load_settings(args.config)
    setup_logging(settings.logging)
    document, count = asyncio.run(export_chat(settings, args.chat))
    if args.output:
        try:
            Path(args.output).write_bytes(document)
        except OSError as exc:
            raise InputError(f"{args.output}: cannot write it ({exc.strerror})") from None
    else:
        sys.stdout.buffer.write(document)
        sys.stdout.flush()
    print(f"chat {args.chat}: exported {count} feeds", file=sys.stderr)
    return 0


async def export_chat(settings: Settings, chat_id: int) -> tuple[bytes, int]:
    """The chat's subscriptions as an OPML document, and how many it lists."""
    async with opened_runtime(settings) as runtime:
        chat = await known_chat(runtime.store, chat_id)
        subscriptions = await runtime.store.list_subscriptions(chat_id)
    title = f"newsbot subscriptions of {chat.title or f'chat {chat_id}'}"
    return opml.export_opml(subscriptions, settings, title), len(subscriptions)
