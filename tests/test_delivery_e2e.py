"""Delivery end to end: the real Application's jobs poll a local news site and post to Telegram."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from bot.service.poll import ALERT_AFTER_FAILURES
from tests.fakes.telegram_api import FakeTelegram
from tests.feedserver import FakeSite, Story
from tests.tg_harness import (
    ADMIN,
    bot_config,
    delivery_passes,
    eventually,
    poll_now,
    running_bot,
    store_of,
)

CHANNEL = -1001888


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
            await poll_now(store, url)
            posts = await tg.wait_for(
                lambda c: c.method == "sendMessage" and c.ok and c.chat_id == CHANNEL,
                timeout=20,
            )
            await poll_now(store, url)  # nothing new this time
            await delivery_passes(app)

        channel_posts = tg.sent(CHANNEL)
        assert len(channel_posts) == 1
        assert "Council approves the tram line" in posts[0].text
        assert "Old news" not in "".join(c.text for c in tg.sent())
        assert channel_posts[0].text.count("•") <= 3


@pytest.mark.slow
async def test_a_failing_feed_is_reported_to_the_admin_chat_once(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/gone.xml").respond_with_data("nope", status=500)
    url = httpserver.url_for("/gone.xml")
    sources = [{"id": "gone", "name": "Gone News", "url": url, "poll_interval": 5}]
    async with FakeTelegram() as tg:
        raw = bot_config(tg, tmp_path, sources=sources)
        async with running_bot(raw) as app:
            store = store_of(app)
            await store.upsert_chat(31, "private")
            feed = await store.get_or_create_feed(url, "Gone News", "gone")
            await store.subscribe(31, feed.id)
            alert = await tg.wait_for(lambda c: "is failing" in c.text, timeout=60)
            assert alert[0].chat_id == ADMIN
            assert "Gone News" in alert[0].text
            failures = ALERT_AFTER_FAILURES + 1
            await eventually(
                lambda: store.get_feed_by_url(url),
                lambda f: f is not None and f.state.consecutive_failures >= failures,
                timeout=60,
            )
        assert len([c for c in tg.sent(ADMIN) if "is failing" in c.text]) == 1
