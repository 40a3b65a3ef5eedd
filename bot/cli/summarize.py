"""`newsbot summarize PATH|URL|-`: summarise a text or HTML file, a web page (or stdin)."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from bot import config
from bot.cli.secrets import llm_api_key
from bot.errors import InputError
from bot.model import MAX_POINTS, MIN_POINTS, Article, Summary
from bot.runtime import build_summarizer, open_tools
from bot.text.render import render_html, render_text
from bot.text.summarize import article_from_text

# Inputs larger than this are refused before decoding: no news article is 20 MB of text.
MAX_INPUT_BYTES = 20 * 1024 * 1024
_BINARY_CONTROL_SHARE = 0.05


def register(subparsers: Any) -> None:
    """Add the `summarize` command."""
    parser = subparsers.add_parser("summarize")
    parser.add_argument(
        "input", metavar="PATH|URL|-", help="a text or HTML file, an http(s) URL, or - for stdin"
    )
    parser.add_argument("--format", choices=("text", "json", "html"), default="text")
    parser.add_argument(
        "--points", type=int, default=None, help=f"number of key points ({MIN_POINTS}-{MAX_POINTS})"
    )
    parser.add_argument(
        "--config", default=None, help="config file (default: $NEWSBOT_CONFIG, else built-ins)"
    )
    parser.set_defaults(handler=run)


def read_input(name: str) -> bytes:
    """The raw bytes of a file or stdin, with friendly errors for what cannot be read."""
    if name == "-":
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
    else:
        path = Path(name)
        if not path.is_file():
            raise InputError(f"{name}: no such file")
        if path.stat().st_size > MAX_INPUT_BYTES:
            raise InputError(f"{name}: larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB")
        data = path.read_bytes()
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"input larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB")
    return data


def decode_text(data: bytes, name: str) -> str:
    """Decode as UTF-8 (or a detected charset); refuse empty and binary input."""
    if not data.strip():
        raise InputError(f"{name}: empty input, nothing to summarise")
    if b"\x00" in data[:8192]:
        raise InputError(f"{name}: binary input, expected text or HTML")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes  # noqa: PLC0415 - only for non-UTF-8 input

        best = from_bytes(data).best()
        if best is None:
            raise InputError(f"{name}: binary input, expected text or HTML") from None
        text = str(best)
    controls = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > _BINARY_CONTROL_SHARE * min(len(text), 20000):
        raise InputError(f"{name}: binary input, expected text or HTML")
    return text


def looks_like_html(text: str) -> bool:
    """True for an HTML document rather than plain text that mentions a tag."""
    head = text.lstrip()[:2048].lower()
    return head.startswith(("<!doctype html", "<html", "<?xml")) or (
        "<body" in head or "<p>" in head or "<div" in head
    )


def load_article(name: str) -> Article:
    """An Article from a text or HTML file, or stdin."""
    text = decode_text(read_input(name), name)
    if looks_like_html(text):
        from bot.feeds.extract import extract_article  # noqa: PLC0415 - HTML input only

        return extract_article(text)
    return article_from_text(text)


def fetch_article(url: str, settings: config.Settings) -> Article:
    """The article at a web address, through the fetcher's URL safety (never trusted)."""

    async def fetch() -> Article:
        async with open_tools(settings) as tools:
            return await tools.fetcher.fetch_page(url)

    return asyncio.run(fetch())


def summary_as_json(summary: Summary) -> str:
    """The summary's fields as JSON (dates in ISO 8601)."""

    def default(value: object) -> str:
        if isinstance(value, datetime):
            return value.isoformat()
        raise TypeError(type(value).__name__)

    return json.dumps(dataclasses.asdict(summary), ensure_ascii=False, indent=2, default=default)


def run(args: argparse.Namespace) -> int:
    """Summarise the input and print it in the chosen format."""
    settings = config.load(args.config or os.environ.get(config.CONFIG_PATH_ENV), os.environ)
    points = args.points if args.points is not None else settings.summarizer.max_points
    if not MIN_POINTS <= points <= MAX_POINTS:
        raise InputError(f"--points must be between {MIN_POINTS} and {MAX_POINTS}")
    article = (
        fetch_article(args.input, settings) if "://" in args.input else load_article(args.input)
    )
    summarizer = build_summarizer(settings, api_key=llm_api_key(settings))
    summary = asyncio.run(summarizer.summarize(article, max_points=points))
    if args.format == "json":
        print(summary_as_json(summary))
    elif args.format == "html":
        print(render_html(summary))
    else:
        print(render_text(summary), end="")
    return 0
