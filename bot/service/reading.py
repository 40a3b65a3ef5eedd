"""Read the news now: `/latest` from stored or freshly fetched items, `/summarize` for one link.

Neither touches the delivery ledger: these answers go to the asker only, right away.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.errors import InputError, NewsbotError, UsageError
from bot.i18n import N_
from bot.model import Entry, Summary
from bot.service.articles import article_of
from bot.service.ports import Catalogue, Store, Summarizer, Web
from bot.service.subscriptions import find_subscription, looks_like_url, normalise_url

log = logging.getLogger(__name__)

# `/latest` shows this many summaries unless asked, and never more than the maximum.
DEFAULT_LATEST = 3
MAX_LATEST = 10
_OLDEST = datetime.min.replace(tzinfo=UTC)


def parse_latest_args(args: Sequence[str]) -> tuple[str | None, int]:
    """`[source] [n]` in either order → (source or None, count)."""
    if len(args) > 2:
        raise UsageError(command="latest")
    target: str | None = None
    count = DEFAULT_LATEST
    for arg in args:
        if arg.isdigit():
            count = int(arg)
        elif target is None:
            target = arg
        else:
            raise UsageError(command="latest")
    if not 1 <= count <= MAX_LATEST:
        raise InputError(N_("the number must be between 1 and {most}"), most=MAX_LATEST)
    return target, count


async def summarize_link(
    fetcher: Web, summarizer: Summarizer, url: str, max_points: int
) -> Summary:
    """Fetch a page a user sent (URL safety applies) and summarise it."""
    if not looks_like_url(url):
        raise InputError(N_("“{url}” is not a link"), url=url)
    article = await fetcher.fetch_page(normalise_url(url))
    return await summarizer.summarize(article, max_points=max_points)


async def latest(
    store: Store,
    settings: Catalogue,
    fetcher: Web,
    summarizer: Summarizer,
    chat_id: int,
    *,
    target: str | None,
    count: int,
    max_points: int,
) -> list[Summary]:
    """The newest summaries of one source (or of all the chat's subscriptions), newest first.

    Stored items come first; a single feed with nothing stored yet is fetched now and its newest
    entries are summarised from their pages (the feed text when a page is unavailable). A chat
    that follows nothing gets the catalogue's newest, source by source, so a newcomer's first
    `/latest` shows what it offers.
    """
    if target is None:
        subscriptions = await store.list_subscriptions(chat_id)
        if not subscriptions:
            return await _from_catalogue(
                store, settings, fetcher, summarizer, count=count, max_points=max_points
            )
        feed_ids = [s.feed_id for s in subscriptions]
        items = await store.latest_items(feed_ids, count)
        return [item.summary for item in items if item.summary is not None]
    name: str | None
    source = settings.source(target.lower())
    if source is not None:
        url, name, trusted = source.url, source.name, True
    else:
        subscription = await find_subscription(store, settings, chat_id, target)
        url, name, trusted = subscription.feed_url, subscription.feed_title, False
    feed = await store.get_feed_by_url(url)
    if feed is not None:
        items = await store.latest_items([feed.id], count)
        stored = [item.summary for item in items if item.summary is not None]
        if stored:
            return stored
    response = await fetcher.fetch_feed(url, trusted=trusted)
    entries = response.feed.entries if response.feed is not None else ()
    articles = await asyncio.gather(
        *(
            article_of(fetcher, entry, site_name=name, feed_url=url, trusted_feed=trusted)
            for entry in _newest(entries, count)
        )
    )
    return [await summarizer.summarize(article, max_points=max_points) for article in articles]


async def _from_catalogue(
    store: Store,
    settings: Catalogue,
    fetcher: Web,
    summarizer: Summarizer,
    *,
    count: int,
    max_points: int,
) -> list[Summary]:
    if not settings.sources:
        raise InputError(N_("this chat follows nothing yet"))
    found: list[Summary] = []
    for source in settings.sources:
        if len(found) >= count:
            break
        try:
            found += await latest(
                store,
                settings,
                fetcher,
                summarizer,
                0,
                target=source.id,
                count=count - len(found),
                max_points=max_points,
            )
        except NewsbotError as exc:  # one unreachable source must not hide the others
            log.warning("latest from catalogue source %s failed: %s", source.id, exc)
    return found


def _newest(entries: Sequence[Entry], count: int) -> list[Entry]:
    usable = [e for e in entries if (e.content or e.summary).strip()]
    return sorted(usable, key=lambda e: e.published or _OLDEST, reverse=True)[:count]
