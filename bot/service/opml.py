"""OPML export and import of a chat's subscriptions (`/export`, `/import`).

Parsing is defensive without third-party help: the size is capped before parsing, and any DTD
or entity declaration is refused outright (that rules out entity expansion bombs and external
entities), then `xml.etree` reads what is left. Only http(s) `xmlUrl`s are taken.
"""

from __future__ import annotations

import asyncio
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

from bot.config import Settings
from bot.errors import FetchError, InputError, OPMLError
from bot.feeds.fetch import Fetcher
from bot.model import Subscription
from bot.service.subscriptions import display_name, follow, resolve
from bot.store.protocol import Store

# Largest OPML file we read, and most outlines we take from it.
MAX_OPML_BYTES = 1024 * 1024
MAX_OUTLINES = 500
# Feeds checked at once while importing.
IMPORT_CONCURRENCY = 4

_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class OPMLFeed:
    """One feed outline."""

    url: str
    title: str | None = None


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did, for the reply."""

    added: tuple[str, ...] = ()
    already: tuple[str, ...] = ()
    # (url, reason) for feeds that could not be added.
    failed: tuple[tuple[str, str], ...] = ()
    over_limit: int = 0


def export_opml(subscriptions: Sequence[Subscription], settings: Settings, title: str) -> bytes:
    """An OPML 2.0 document listing the subscriptions as RSS outlines."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(datetime.now(UTC))
    body = ET.SubElement(root, "body")
    for subscription in subscriptions:
        name = display_name(subscription, settings)
        ET.SubElement(
            body, "outline", type="rss", text=name, title=name, xmlUrl=subscription.feed_url
        )
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document


def parse_opml(data: bytes) -> list[OPMLFeed]:
    """The feeds of an OPML document, in order, de-duplicated; `OPMLError` if we refuse it."""
    if len(data) > MAX_OPML_BYTES:
        raise OPMLError(f"the file is larger than {MAX_OPML_BYTES // 1024} KiB")
    if b"\x00" in data:
        raise OPMLError("the file must be UTF-8 (or ASCII-compatible) text")
    if _DTD.search(data):
        raise OPMLError("the file declares a DTD or entities, which we do not read")
    try:
        root = ET.fromstring(data)  # noqa: S314 - size-capped and DTD-free, see module docstring
    except ET.ParseError as exc:
        raise OPMLError(f"the file is not well-formed XML ({exc})") from None
    if root.tag.lower() != "opml":
        raise OPMLError("the file is not OPML (its root element is not <opml>)")
    feeds: dict[str, OPMLFeed] = {}
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if url.lower().startswith(("http://", "https://")) and url not in feeds:
            feeds[url] = OPMLFeed(url, outline.get("title") or outline.get("text"))
        if len(feeds) >= MAX_OUTLINES:
            break
    if not feeds:
        raise OPMLError("the file lists no http(s) feeds")
    return list(feeds.values())


async def import_opml(
    store: Store, settings: Settings, fetcher: Fetcher, chat_id: int, data: bytes
) -> ImportReport:
    """Subscribe the chat to every feed of an OPML file that checks out, within the cap."""
    feeds = parse_opml(data)
    current = {s.feed_url for s in await store.list_subscriptions(chat_id)}
    room = settings.limits.max_subscriptions_per_chat - len(current)
    already = tuple(f.url for f in feeds if f.url in current)
    fresh = [f for f in feeds if f.url not in current]
    over_limit = max(0, len(fresh) - max(room, 0))
    fresh = fresh[: max(room, 0)]
    gate = asyncio.Semaphore(IMPORT_CONCURRENCY)

    async def check(feed: OPMLFeed) -> str | None:
        async with gate:
            try:
                choice = await resolve(settings, fetcher, feed.url)
                await follow(store, settings, chat_id, choice)
            except (FetchError, InputError) as exc:
                return str(exc)
            return None

    outcomes = await asyncio.gather(*(check(feed) for feed in fresh))
    added = tuple(f.url for f, problem in zip(fresh, outcomes, strict=True) if problem is None)
    failed = tuple(
        (f.url, problem) for f, problem in zip(fresh, outcomes, strict=True) if problem is not None
    )
    return ImportReport(added, already, failed, over_limit)
