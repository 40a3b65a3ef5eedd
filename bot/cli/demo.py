"""`newsbot demo [--html FILE]`: the offline tour — no token, no network, real pipeline."""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path
from typing import Any

from bot import config
from bot.cli.secrets import llm_api_key
from bot.config import Settings
from bot.errors import InputError
from bot.model import DEFAULT_POINTS, MAX_POINTS, MIN_POINTS
from bot.offline.demo import SampleServer, demo_settings, preview_page, run_cycle
from bot.text.render import render_text

_RULE = "─" * 60


def register(subparsers: Any) -> None:
    """Add the `demo` command."""
    parser = subparsers.add_parser("demo")
    parser.add_argument("--html", metavar="FILE", help="also write an HTML preview of the posts")
    parser.add_argument(
        "--points",
        type=int,
        default=DEFAULT_POINTS,
        choices=range(MIN_POINTS, MAX_POINTS + 1),
        metavar="N",
        help=f"key points ({MIN_POINTS}-{MAX_POINTS})",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="take the summarizer section from this file (default: built-in extractive)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Serve the samples on loopback, run one poll → summarise → deliver cycle, print the posts."""
    html = Path(args.html) if args.html else None
    if html is not None and not html.parent.is_dir():
        raise InputError(f"--html {html}: the folder {html.parent} does not exist")
    base = config.load(args.config, os.environ) if args.config else Settings()
    summarizer = base.summarizer.model_copy(update={"max_points": args.points})
    base = base.model_copy(update={"summarizer": summarizer})
    with SampleServer() as server, tempfile.TemporaryDirectory(prefix="newsbot-demo-") as tmp:
        database_url = f"sqlite+aiosqlite:///{Path(tmp) / 'demo.db'}"
        settings = demo_settings(server.base_url, database_url, base)
        posts = asyncio.run(run_cycle(settings, llm_api_key=llm_api_key(settings)))
    if not posts:
        raise InputError("the sample feeds produced no posts")
    print(
        f"newsbot demo: polled {len(settings.sources)} sample feeds served from {server.base_url}; "
        f"{len(posts)} posts for the channel:\n"
    )
    for number, post in enumerate(posts, start=1):
        print(f"{_RULE}\n{number}/{len(posts)} · {post.source}\n{_RULE}")
        print(render_text(post.summary))
    if html is not None:
        try:
            html.write_text(preview_page(posts), encoding="utf-8")
        except OSError as exc:
            raise InputError(f"--html {html}: cannot write it: {exc.strerror}") from None
        print(f"HTML preview written to {html}")
    return 0
