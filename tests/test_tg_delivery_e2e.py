"""The whole path over HTTP: a user subscribes with a button, the feed gains an item, the user
receives exactly one post with its headline, source and key points (and nothing its keyword
filter excludes)."""

from __future__ import annotations

from pathlib import Path

from pytest_httpserver import HTTPServer

from tests.fakes import FakeTelegram
from tests.feedserver import FakeSite, Story
from tests.tg_app import USER, ask, subscriber_bot
from tests.tg_harness import delivery_passes, eventually, poll_now, store_of


async def test_subscriber_receives_a_new_item_exactly_once(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    site = FakeSite(httpserver)
    site.publish("harbour", Story("old-ferry", "Old ferry timetable story", topic="ferry"))
    source = {"id": "harbour", "name": "Harbour News", "url": site.feed_url("harbour")}
    async with (
        FakeTelegram() as tg,
        subscriber_bot(tg, tmp_path, sources=[{**source, "poll_interval": 5}]) as app,
    ):
        store = store_of(app)
        await ask(tg, USER, "/start")
        welcome = tg.last_message(USER)
        tg.press_button(welcome, tg.button_data(welcome))
        await tg.wait_for(lambda c: c.method == "answerCallbackQuery")

        async def stored_items() -> int:
            feed = await store.get_feed_by_url(source["url"])
            return len(await store.latest_items([feed.id], 5)) if feed else 0

        await eventually(stored_items, lambda n: n > 0, timeout=20)  # first poll: the baseline
        assert "-ferry" in (await ask(tg, USER, "/filter harbour -ferry")).text
        site.publish("harbour", Story("fares", "Ferry fares rise again", topic="ferry"))
        site.publish("harbour", Story("flood-plan", "Council approves flood defence plan"))
        await poll_now(store, source["url"])
        [post] = await tg.wait_for(
            lambda c: c.method == "sendMessage" and c.chat_id == USER and "flood" in c.text,
            timeout=25,
        )
        assert post.ok
        assert post.text.startswith("<b>Council approves flood defence plan</b>")
        assert post.text.count("•") >= 2, post.text
        assert "City News" in post.text, post.text
        await poll_now(store, source["url"])  # one more poll and delivery: still one post
        await delivery_passes(app)
        assert len([c for c in tg.sent(USER) if "flood" in c.text]) == 1
        assert not [c for c in tg.sent(USER) if "Old ferry" in c.text]  # back catalogue
        assert not [c for c in tg.sent(USER) if "Ferry fares" in c.text]  # filtered out
        feed = await store.get_feed_by_url(source["url"])
        assert feed is not None
        titles = {item.title for item in await store.latest_items([feed.id], 10)}
        assert "Ferry fares rise again" in titles  # it was polled; the filter kept it away
