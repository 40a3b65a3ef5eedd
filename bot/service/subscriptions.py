"""Subscribe, unsubscribe and filter: what `/subscribe`, `/unsubscribe`, `/filter` and the
catalogue buttons do, without Telegram.

A target is a catalogue source id, a feed URL or a site URL. Catalogue sources are trusted (the
operator chose them); any other URL goes through the Fetcher's URL safety and feed discovery.
Keyword filters are single plain words (letters and digits) matched whole and case-insensitively
by `bot.service.poll.passes_filter`, never user regexes.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.config import SourceSettings
from bot.errors import (
    InputError,
    NotAFeedError,
    NotSubscribedError,
    SubscriptionLimitError,
    UnknownSourceError,
)
from bot.i18n import N_
from bot.model import Subscription
from bot.service.ports import Catalogue, Store, Web

# A filter keeps at most this many keywords of at most this many characters each.
MAX_KEYWORDS = 20
MAX_KEYWORD_CHARS = 50
# Catalogue entries per page of `/sources`.
SOURCES_PER_PAGE = 8

_WORD = re.compile(r"\w+")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_BARE_HOST = re.compile(r"^[\w-]+(\.[\w-]+)+(:\d+)?(/\S*)?$")


@dataclass(frozen=True, slots=True)
class FeedChoice:
    """A feed a target resolved to; `source` is set for catalogue feeds."""

    url: str
    title: str | None
    source: SourceSettings | None = None


@dataclass(frozen=True, slots=True)
class Subscribed:
    """Outcome of a subscribe: the feed and whether the subscription is new."""

    feed_id: int
    title: str
    url: str
    created: bool


def looks_like_url(text: str) -> bool:
    """A URL with a scheme, or a bare host name such as `example.org/news` (`<…>` allowed)."""
    text = text.strip().strip("<>")
    return bool(_SCHEME.match(text)) or bool(_BARE_HOST.match(text))


def normalise_url(text: str) -> str:
    """Add `https://` to a bare host; other schemes are left for URL safety to refuse."""
    text = text.strip().strip("<>")
    return text if _SCHEME.match(text) else f"https://{text}"


def display_name(subscription: Subscription, settings: Catalogue) -> str:
    """How a subscription is named to users: its catalogue name, feed title or URL."""
    source = settings.source(subscription.source_id) if subscription.source_id else None
    if source is not None:
        return source.name
    return subscription.feed_title or subscription.feed_url


def catalogue_page(
    settings: Catalogue, page: int, per_page: int = SOURCES_PER_PAGE
) -> tuple[tuple[SourceSettings, ...], int, int]:
    """One page of the catalogue: (sources, page clamped to range, number of pages)."""
    sources = settings.sources
    pages = max(1, -(-len(sources) // per_page))
    page = min(max(page, 0), pages - 1)
    return sources[page * per_page : (page + 1) * per_page], page, pages


async def resolve(settings: Catalogue, fetcher: Web, target: str) -> FeedChoice:
    """The feed a target names; catalogue ids need no network, URLs are checked and discovered."""
    target = target.strip()
    source = settings.source(target.lower())
    if source is not None:
        return FeedChoice(source.url, source.name, source)
    if not looks_like_url(target):
        raise UnknownSourceError(N_("“{target}” is not a source id or a link"), target=target)
    url = normalise_url(target)
    known = next((s for s in settings.sources if s.url == url), None)
    if known is not None:
        return FeedChoice(known.url, known.name, known)
    feeds = await fetcher.discover_feeds(url)
    if not feeds:
        raise NotAFeedError(N_("no feed found at {url}"), url=url)
    catalogued = next((s for s in settings.sources if s.url == feeds[0]), None)
    if catalogued is not None:
        return FeedChoice(catalogued.url, catalogued.name, catalogued)
    response = await fetcher.fetch_feed(feeds[0])
    title = response.feed.title if response.feed is not None else None
    return FeedChoice(response.url, title)


async def subscribe(
    store: Store,
    settings: Catalogue,
    fetcher: Web,
    chat_id: int,
    target: str,
    *,
    thread_id: int | None = None,
) -> Subscribed:
    """Follow a source or URL, within the per-chat cap; following it again is not an error."""
    choice = await resolve(settings, fetcher, target)
    return await follow(store, settings, chat_id, choice, thread_id=thread_id)


async def follow(
    store: Store,
    settings: Catalogue,
    chat_id: int,
    choice: FeedChoice,
    *,
    thread_id: int | None = None,
) -> Subscribed:
    """Subscribe to an already resolved feed, enforcing the per-chat cap."""
    source_id = choice.source.id if choice.source else None
    existing = await store.get_feed_by_url(choice.url)
    current = await store.list_subscriptions(chat_id)
    already = existing is not None and any(s.feed_id == existing.id for s in current)
    cap = settings.limits.max_subscriptions_per_chat
    if not already and len(current) >= cap:
        raise SubscriptionLimitError(
            N_("this chat already follows {cap} feeds, the most allowed"), cap=cap
        )
    feed = existing or await store.get_or_create_feed(choice.url, choice.title, source_id)
    created = await store.subscribe(chat_id, feed.id, thread_id)
    title = choice.title or feed.title or feed.url
    return Subscribed(feed.id, title, feed.url, created)


async def find_subscription(
    store: Store, settings: Catalogue, chat_id: int, target: str
) -> Subscription:
    """The chat's subscription named by a source id, feed URL, site URL or `/list` number."""
    target = target.strip()
    subscriptions = await store.list_subscriptions(chat_id)
    if target.isdigit() and 1 <= int(target) <= len(subscriptions):
        return subscriptions[int(target) - 1]
    wanted = target.lower()
    url = normalise_url(target) if looks_like_url(target) else None
    source = settings.source(wanted)
    for subscription in subscriptions:
        if subscription.source_id == wanted or subscription.feed_url in (target, url):
            return subscription
        if source is not None and subscription.feed_url == source.url:
            return subscription
    raise NotSubscribedError(N_("this chat does not follow “{target}”"), target=target)


async def unsubscribe(store: Store, settings: Catalogue, chat_id: int, target: str) -> str:
    """Stop following a subscription; returns its display name."""
    subscription = await find_subscription(store, settings, chat_id, target)
    await store.unsubscribe(chat_id, subscription.feed_id)
    return display_name(subscription, settings)


async def toggle_source(store: Store, settings: Catalogue, chat_id: int, source_id: str) -> bool:
    """Subscribe to a catalogue source or unsubscribe from it; True if now subscribed."""
    source = settings.source(source_id)
    if source is None:
        raise UnknownSourceError(N_("“{source}” is not in the catalogue"), source=source_id)
    feed = await store.get_feed_by_url(source.url)
    if feed is not None and await store.unsubscribe(chat_id, feed.id):
        return False
    await follow(store, settings, chat_id, FeedChoice(source.url, source.name, source))
    return True


async def subscribed_source_ids(store: Store, settings: Catalogue, chat_id: int) -> set[str]:
    """Catalogue ids this chat follows (for the ✓ marks on `/sources`)."""
    urls = {s.feed_url for s in await store.list_subscriptions(chat_id)}
    return {source.id for source in settings.sources if source.url in urls}


def parse_keywords(words: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`+word` (or a bare word) includes, `-word` excludes; returns (include, exclude)."""
    include: list[str] = []
    exclude: list[str] = []
    for raw in words:
        bucket = exclude if raw.startswith("-") else include
        word = raw.lstrip("+-").casefold()
        if not _WORD.fullmatch(word):
            raise InputError(
                N_("“{word}” is not one plain word (letters and digits only)"), word=raw
            )
        if len(word) > MAX_KEYWORD_CHARS:
            raise InputError(
                N_("keywords are at most {most} characters long"), most=MAX_KEYWORD_CHARS
            )
        if word not in bucket:
            bucket.append(word)
    if len(include) + len(exclude) > MAX_KEYWORDS:
        raise InputError(N_("a filter holds at most {most} keywords"), most=MAX_KEYWORDS)
    return tuple(include), tuple(exclude)


async def set_filter(
    store: Store, settings: Catalogue, chat_id: int, target: str, words: Sequence[str]
) -> Subscription:
    """Replace a subscription's keyword filter (no words clears it); returns the new state."""
    subscription = await find_subscription(store, settings, chat_id, target)
    include, exclude = parse_keywords(words)
    await store.set_filters(chat_id, subscription.feed_id, include, exclude)
    return dataclasses.replace(subscription, include=include, exclude=exclude)
