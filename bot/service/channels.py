"""Channel routes from the `channels:` config section, installed into the store.

The running bot installs them at start (`bot.tg.jobs`); `newsbot channels sync` does the same
without starting it. Only the lookup of a channel's id differs (a `@username` needs Telegram).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.config import ChannelSettings
from bot.model import RouteOptions
from bot.service.ports import Catalogue, Store


@dataclass(frozen=True, slots=True)
class RoutedSource:
    """A catalogue source a channel receives."""

    id: str
    name: str
    url: str


def routed_sources(settings: Catalogue, entry: ChannelSettings) -> list[RoutedSource]:
    """The catalogue sources a `channels:` entry names (unknown ids are left out)."""
    found = (settings.source(source_id) for source_id in entry.sources)
    return [RoutedSource(s.id, s.name, s.url) for s in found if s is not None]


async def install_channel(
    store: Store,
    chat_id: int,
    title: str | None,
    sources: Iterable[RoutedSource],
    options: RouteOptions,
) -> int:
    """Register the channel and route every source to it; how many routes it has from these."""
    feed_ids = [
        (await store.get_or_create_feed(source.url, source.name, source.id)).id
        for source in sources
    ]
    await store.upsert_chat(chat_id, "channel", title)
    await store.add_routes(chat_id, feed_ids, options)
    return len(feed_ids)
