"""An entry's article: its page when reachable and usable, else the feed's own excerpt.

A catalogue source is the operator's choice, so its feed is fetched "trusted" (private and
loopback addresses allowed). Its article pages on the very same origin (scheme, host, port)
are fetched under that same trust; a page anywhere else is an ordinary, untrusted URL.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from bot.errors import FetchError, NewsbotError
from bot.model import Article, Entry
from bot.ops import metrics
from bot.service.ports import PageReader

log = logging.getLogger(__name__)


def _origin(url: str) -> tuple[str, str, int | None] | None:
    try:
        parts = urlsplit(url)
        return (parts.scheme.lower(), (parts.hostname or "").lower(), parts.port)
    except ValueError:
        return None


def page_trusted(page_url: str, feed_url: str, *, trusted_feed: bool) -> bool:
    """Whether a page shares the trust of its feed: only a trusted feed's own origin does."""
    origin = _origin(page_url)
    return trusted_feed and origin is not None and origin[1] != "" and origin == _origin(feed_url)


async def article_of(
    fetcher: PageReader, entry: Entry, *, site_name: str | None, feed_url: str, trusted_feed: bool
) -> Article:
    """The page's article, or the feed's excerpt when the page is unavailable or thin."""
    if entry.link:
        trusted = page_trusted(entry.link, feed_url, trusted_feed=trusted_feed)
        try:
            article = await fetcher.fetch_page(entry.link, trusted=trusted)
        except NewsbotError as exc:
            if isinstance(exc, FetchError):
                metrics.FETCH_FAILURES.labels(exc.reason).inc()
            log.info("page %s unavailable (%s); using the feed excerpt", entry.link, exc)
        else:
            if fetcher.is_usable(article):
                return article
    return fetcher.article_from_entry(entry, site_name=site_name)
