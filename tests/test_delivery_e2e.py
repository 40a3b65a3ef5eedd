"""Delivery end to end: the real Application's jobs poll a local news site and post to Telegram."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pytest_httpserver import HTTPServer

from bot.store import Store
from tests.fakes.telegram_api import FakeTelegram
from tests.feed_server import FakeSite, Story
from tests.tg_harness import bot_config, eventually, running_bot, store_of

CHANNEL = -1001888


async def polled_again(store: Store, url: str) -> None:
    """Wait until the feed has been polled once more (its next poll time moved on)."""
    feed = await store.get_feed_by_url(url)
    assert feed is not None
    before = feed.state.next_poll_at
    await eventually(
        lambda: store.get_feed_by_url(url),
        lambda f: f is not None and f.state.next_poll_at != before,
        timeout=20,
    )


async def test_a_channel_route_from_config_receives_a_new_item_once(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    site = FakeSite(httpserver)
    site.publish("city", Story("old", "Old news nobody needs again"))
    url = site.feed_url("city")
    sources = [{"id": "city", "name": "City News", "url": url, "poll_interval": 5}]
    channels = [{"chat": "@citychan", "sources": ["city"], "points": 3}]
    async with FakeTelegram() as tg:
        tg.add_chat({"id": CHANNEL, "type": "channel", "title": "City", "username": "citychan"})
        raw = bot_config(tg, tmp_path, sources=sources, channels=channels)
        async with running_bot(raw) as app:
            store = store_of(app)
            routes = await eventually(lambda: store.list_routes(CHANNEL), bool, timeout=20)
            assert len(routes) == 1
            # The first poll records the back catalogue without posting it.
            feed = await eventually(lambda: store.get_feed_by_url(url), bool)
            assert feed is not None
            await eventually(lambda: store.latest_items([feed.id], 5), bool, timeout=20)

            site.publish("city", Story("tram", "Council approves the tram line", "tram"))
            posts = await tg.wait_for(
                lambda c: c.method == "sendMessage" and c.ok and c.chat_id == CHANNEL,
                timeout=20,
            )
            await polled_again(store, url)
            await polled_again(store, url)  # nothing new this time
            await asyncio.sleep(2.5)  # and a delivery tick passes

        channel_posts = tg.sent(CHANNEL)
        assert len(channel_posts) == 1
        assert "Council approves the tram line" in posts[0].text
        assert "Old news" not in "".join(c.text for c in tg.sent())
        assert channel_posts[0].text.count("•") <= 3
