"""`newsbot feed URL|PATH`: list a feed's entries, each with a short summary of its excerpt."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from pathlib import Path
from typing import Any

from bot import config
from bot.cli.secrets import llm_api_key
from bot.errors import InputError, NewsbotError, ParseError
from bot.feeds.extract import article_from_entry
from bot.feeds.parse import parse_feed
from bot.model import Entry, Feed, Summary
from bot.runtime import build_summarizer, open_tools
from bot.text.summarize import Summarizer

# Feed files larger than this are refused: no feed is 50 MB.
MAX_FEED_BYTES = 50 * 1024 * 1024
SUMMARY_POINTS = 2
EXCERPT_CHARS = 300


def register(subparsers: Any) -> None:
    """Add the `feed` command."""
    parser = subparsers.add_parser("feed")
    parser.add_argument("source", metavar="URL|PATH", help="an http(s) feed URL or a feed file")
    parser.add_argument("--limit", type=int, default=10, help="at most this many entries (1-500)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--config", default=None, help="config file (default: $NEWSBOT_CONFIG, else built-ins)"
    )
    parser.set_defaults(handler=run)


async def fetch_feed(url: str, settings: config.Settings) -> Feed:
    """The feed at a URL, through URL safety (a user's URL is never trusted)."""
    async with open_tools(settings) as tools:
        response = await tools.fetcher.fetch_feed(url)
    if response.feed is None:
        raise ParseError(f"{url}: the server answered 304 Not Modified to a plain GET")
    return response.feed


def read_feed(name: str) -> Feed:
    """The feed in a local file."""
    path = Path(name)
    if not path.is_file():
        raise InputError(f"{name}: no such file")
    if path.stat().st_size > MAX_FEED_BYTES:
        raise InputError(f"{name}: larger than {MAX_FEED_BYTES // (1024 * 1024)} MB")
    return parse_feed(path.read_bytes(), url=None)


async def summarise(summarizer: Summarizer, entry: Entry, feed: Feed) -> Summary | None:
    """A short summary of the entry's own text, or None when it carries none."""
    article = article_from_entry(entry, feed.title)
    try:
        return await summarizer.summarize(article, max_points=SUMMARY_POINTS)
    except NewsbotError:
        return None


def key_points(entry: Entry, summary: Summary | None) -> list[str]:
    """The summary's points, or the start of the excerpt when it is too short to summarise."""
    if summary and summary.key_points:
        return list(summary.key_points)
    excerpt = " ".join(max(entry.content, entry.summary, key=len).split())
    return (
        [excerpt if len(excerpt) <= EXCERPT_CHARS else excerpt[:EXCERPT_CHARS] + "…"]
        if excerpt
        else []
    )


def as_text(entry: Entry, summary: Summary | None) -> str:
    """One entry as a few indented lines for the terminal."""
    lines = [entry.title]
    details = [d for d in (entry.published and entry.published.isoformat(), entry.author) if d]
    if details:
        lines.append("  " + " · ".join(details))
    if entry.link:
        lines.append(f"  {entry.link}")
    lines.extend(f"  - {point}" for point in key_points(entry, summary))
    return "\n".join(lines)


def as_json(entry: Entry, summary: Summary | None) -> dict[str, Any]:
    """One entry as a JSON-ready mapping."""
    return {
        "identity": entry.identity,
        "title": entry.title,
        "link": entry.link,
        "published": entry.published.isoformat() if entry.published else None,
        "author": entry.author,
        "summary": key_points(entry, summary),
    }


async def summarise_all(
    feed: Feed, limit: int, settings: config.Settings
) -> list[tuple[Entry, Summary | None]]:
    """The feed's first `limit` entries, each with its summary (the configured backend)."""
    summarizer = build_summarizer(settings, api_key=llm_api_key(settings))
    return [(entry, await summarise(summarizer, entry, feed)) for entry in feed.entries[:limit]]


def run(args: argparse.Namespace) -> int:
    """Print the feed's entries in the chosen format."""
    if not 1 <= args.limit <= 500:
        raise InputError("--limit must be between 1 and 500")
    settings = config.load(args.config or os.environ.get(config.CONFIG_PATH_ENV), os.environ)
    if "://" in args.source:
        feed = asyncio.run(fetch_feed(args.source, settings))
    else:
        feed = read_feed(args.source)
    rows = asyncio.run(summarise_all(feed, args.limit, settings))
    if args.format == "json":
        document = {
            "title": feed.title,
            "site_url": feed.site_url,
            "entries": [as_json(entry, summary) for entry, summary in rows],
        }
        print(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        print(f"{feed.title or 'Untitled feed'} ({len(feed.entries)} entries)\n")
        print("\n\n".join(as_text(entry, summary) for entry, summary in rows))
    return 0
