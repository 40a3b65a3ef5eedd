"""OPML export and import of a chat's subscriptions (`/export`, `/import`).

Parsing is defensive without third-party help: the size is capped before parsing, and any DTD
or entity declaration is refused outright (that rules out entity expansion bombs and external
entities), then `xml.etree` reads what is left. Only http(s) `xmlUrl`s are taken.
"""

from __future__ import annotations

import asyncio
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Literal

from bot.errors import FetchError, InputError, NewsbotError, OPMLError
from bot.i18n import N_
from bot.model import Subscription
from bot.service.ports import Catalogue, Store, Web
from bot.service.subscriptions import FeedChoice, display_name, follow, resolve

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
    # The same failures with their errors, for a reply that explains them to a user as
    # /subscribe does (without revealing which internal host names resolve).
    failures: tuple[FeedImported, ...] = ()


@dataclass(frozen=True, slots=True)
class FeedImported:
    """How one feed of an import went, for progress reports; `reason` says why it failed."""

    url: str
    outcome: Literal["added", "already", "failed", "over limit"]
    reason: str = ""
    error: NewsbotError | None = None


FeedDone = Callable[[FeedImported], None]


def export_opml(subscriptions: Sequence[Subscription], settings: Catalogue, title: str) -> bytes:
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
        raise OPMLError(N_("the file is larger than {size} KiB"), size=MAX_OPML_BYTES // 1024)
    if b"\x00" in data:
        raise OPMLError(N_("the file must be UTF-8 (or ASCII-compatible) text"))
    if _DTD.search(data):
        raise OPMLError(N_("the file declares a DTD or entities, which we do not read"))
    try:
        root = ET.fromstring(data)  # noqa: S314 - size-capped and DTD-free, see module docstring
    except ET.ParseError as exc:
        raise OPMLError(N_("the file is not well-formed XML ({problem})"), problem=exc) from None
    if root.tag.lower() != "opml":
        raise OPMLError(N_("the file is not OPML (its root element is not <opml>)"))
    feeds: dict[str, OPMLFeed] = {}
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if url.lower().startswith(("http://", "https://")) and url not in feeds:
            feeds[url] = OPMLFeed(url, outline.get("title") or outline.get("text"))
        if len(feeds) >= MAX_OUTLINES:
            break
    if not feeds:
        raise OPMLError(N_("the file lists no http(s) feeds"))
    return list(feeds.values())


async def import_opml(
    store: Store,
    settings: Catalogue,
    fetcher: Web,
    chat_id: int,
    data: bytes,
    *,
    on_feed: FeedDone | None = None,
) -> ImportReport:
    """Subscribe the chat to every feed of an OPML file that checks out, within the cap.

    A few feeds are checked (fetched, discovered) at once, but they are subscribed in the
    file's order, so the chat's list keeps that order. `on_feed` hears of every feed of the
    file once, as soon as its outcome is known.
    """
    feeds = parse_opml(data)
    current = {s.feed_url for s in await store.list_subscriptions(chat_id)}
    room = max(settings.limits.max_subscriptions_per_chat - len(current), 0)
    already = [f for f in feeds if f.url in current]
    fresh = [f for f in feeds if f.url not in current]
    over_limit = fresh[room:]
    fresh = fresh[:room]
    outcomes = [FeedImported(f.url, "already") for f in already]
    outcomes += [FeedImported(f.url, "over limit") for f in over_limit]
    if on_feed is not None:
        for outcome in outcomes:
            on_feed(outcome)
    gate = asyncio.Semaphore(IMPORT_CONCURRENCY)

    async def check(feed: OPMLFeed) -> FeedChoice | NewsbotError:
        async with gate:
            try:
                return await resolve(settings, fetcher, feed.url)
            except (FetchError, InputError) as exc:
                return exc

    checks = [asyncio.create_task(check(feed)) for feed in fresh]
    try:
        for feed, checked in zip(fresh, checks, strict=True):
            outcome = await _subscribe(store, settings, chat_id, feed.url, await checked)
            outcomes.append(outcome)
            if on_feed is not None:
                on_feed(outcome)
    finally:
        # A store failure ends the import as itself (not in an exception group); stop the rest.
        for task in checks:
            task.cancel()
        await asyncio.gather(*checks, return_exceptions=True)
    return ImportReport(
        added=tuple(o.url for o in outcomes if o.outcome == "added"),
        already=tuple(o.url for o in outcomes if o.outcome == "already"),
        failed=tuple((o.url, o.reason) for o in outcomes if o.outcome == "failed"),
        over_limit=len(over_limit),
        failures=tuple(o for o in outcomes if o.outcome == "failed"),
    )


async def _subscribe(
    store: Store, settings: Catalogue, chat_id: int, url: str, checked: FeedChoice | NewsbotError
) -> FeedImported:
    """Follow a checked feed; a problem found while checking or following fails it."""
    if isinstance(checked, NewsbotError):
        return FeedImported(url, "failed", str(checked), checked)
    try:
        subscribed = await follow(store, settings, chat_id, checked)
    except InputError as exc:
        return FeedImported(url, "failed", str(exc), exc)
    # A site whose discovered feed the chat already follows adds nothing.
    return FeedImported(url, "added" if subscribed.created else "already")
