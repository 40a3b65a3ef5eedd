"""Poll → summarise once → ledger → Telegram, over a real feed server, store and PTB Bot."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from pytest_httpserver import HTTPServer

from bot.config import FetchSettings
from bot.feeds.fetch import Fetcher
from bot.model import Chat, ChatSettings, RouteOptions
from bot.service.deliver import Deliverer
from bot.service.digest import digest_due
from bot.service.pacing import Limits, Pacer
from bot.service.poll import ALERT_AFTER_FAILURES, FeedSource, Poller, passes_filter
from bot.store import Store
from bot.text.summarize import ExtractiveSummarizer
from tests.fakes.telegram_api import FakeTelegram
from tests.feedserver import FakeSite, Story
from tests.tg_harness import messenger_for, sends_per_chat, sqlite_store

CHANNEL = -1001234567890


@dataclass
class World:
    site: FakeSite
    tg: FakeTelegram
    store: Store
    deliverer: Deliverer
    poller: Poller
    alerts: list[str]

    async def city_feed(self, *chat_ids: int) -> tuple[str, int]:
        """The "city" feed with one old story, followed by `chat_ids`; (URL, feed id)."""
        self.site.publish("city", Story("old", "Old"))
        url = self.site.feed_url("city")
        feed = await self.store.get_or_create_feed(url)
        for chat_id in chat_ids:
            await subscribe(self.store, chat_id, url)
        return url, feed.id

    async def poll(self, feed_url: str) -> None:
        """Poll one feed now, whatever its schedule."""
        feed = await self.store.get_feed_by_url(feed_url)
        assert feed is not None
        await self.poller.poll_feed(feed)


@contextlib.asynccontextmanager
async def world(tmp_path: Path, httpserver: HTTPServer) -> AsyncIterator[World]:
    site = FakeSite(httpserver)
    alerts: list[str] = []

    async def alert(text: str) -> None:
        alerts.append(text)

    async with (
        FakeTelegram() as tg,
        sqlite_store(tmp_path) as store,
        messenger_for(tg) as messenger,
        Fetcher(FetchSettings(allow_private_networks=True, retries=0)) as fetcher,
    ):
        pacer = Pacer(Limits(global_rate=None, per_chat_interval=0.0))
        deliverer = Deliverer(store, messenger, pacer)
        poller = Poller(
            store,
            fetcher,
            ExtractiveSummarizer(),
            deliverer,
            sources={"city": FeedSource("City News", 5)},
            alert=alert,
        )
        yield World(site, tg, store, deliverer, poller, alerts)


async def subscribe(store: Store, chat_id: int, url: str, **kwargs: object) -> int:
    await store.upsert_chat(chat_id, "private" if chat_id > 0 else "supergroup")
    feed = await store.get_or_create_feed(url)
    await store.subscribe(chat_id, feed.id, **kwargs)  # type: ignore[arg-type]
    return feed.id


async def test_a_new_item_reaches_subscribers_and_a_channel_route_exactly_once(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    async with world(tmp_path, httpserver) as w:
        w.site.publish("city", Story("old-1", "Old news about the bridge"))
        url = w.site.feed_url("city")
        feed_id = await subscribe(w.store, 101, url)
        await w.store.upsert_chat(CHANNEL, "channel")
        await w.store.add_routes(CHANNEL, [feed_id], RouteOptions(points=2, hashtags=True))

        await w.poll(url)  # the back catalogue is recorded, not sent
        await w.deliverer.deliver_pending()
        assert w.tg.sent() == []

        w.site.publish("city", Story("tram", "Council approves the tram line", "tram"))
        await w.poll(url)
        await w.poll(url)  # polling again finds nothing new
        first = await w.deliverer.deliver_pending()
        again = await w.deliverer.deliver_pending()

        assert first.sent == 2
        assert again.sent == 0
        assert sends_per_chat(w.tg) == {101: 1, CHANNEL: 1}
        post = w.tg.sent(101)[0]
        assert "Council approves the tram line" in post.text
        assert "•" in post.text  # key points
        assert post.params["parse_mode"] == "HTML"
        channel_post = w.tg.sent(CHANNEL)[0].text
        assert channel_post.count("•") <= 2
        assert "#" in channel_post
        row = await w.store.get_delivery(101, (await w.store.latest_items([feed_id], 1))[0].id)
        assert row is not None
        assert row.state == "sent"
        assert row.message_id == w.tg.sent(101)[0].result["message_id"]


async def test_keyword_filters_and_forum_threads_are_honoured(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    async with world(tmp_path, httpserver) as w:
        url, feed_id = await w.city_feed(201, 202)
        await subscribe(w.store, -1009, url, thread_id=42)
        await w.store.set_filters(201, feed_id, ["tram"], [])
        await w.store.set_filters(202, feed_id, [], ["tram"])
        await w.poll(url)

        w.site.publish("city", Story("tram", "Tram line approved", "tram"))
        w.site.publish("city", Story("park", "New park opens", "park"))
        await w.poll(url)
        await w.deliverer.deliver_pending()

        assert [c.text.split("\n")[0] for c in w.tg.sent(201)] == ["<b>Tram line approved</b>"]
        assert [c.text.split("\n")[0] for c in w.tg.sent(202)] == ["<b>New park opens</b>"]
        forum = w.tg.sent(-1009)
        assert len(forum) == 2
        assert {c.params.get("message_thread_id") for c in forum} == {42}


def test_filters_match_whole_words_case_insensitively() -> None:
    assert passes_filter("Trams return to Kyiv", ["kyiv"], [])
    assert not passes_filter("Trams return to Kyiv", ["tram"], [])
    assert not passes_filter("Trams return to Kyiv", [], ["TRAMS"])
    assert passes_filter("anything", [], [])


async def test_the_same_story_from_two_feeds_is_posted_once_with_also(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    async with world(tmp_path, httpserver) as w:
        w.site.publish("city", Story("old", "Old"))
        w.site.publish("region", Story("old-r", "Old too"))
        city, region = w.site.feed_url("city"), w.site.feed_url("region")
        await subscribe(w.store, 301, city)
        await subscribe(w.store, 301, region)
        await w.poll(city)
        await w.poll(region)

        shared = w.site.page_url("dam")
        w.site.publish("city", Story("dam", "Dam repairs finished", "dam"))
        await w.poll(city)
        await w.deliverer.deliver_pending()
        w.site.publish("region", Story("dam-r", "Dam repairs finished", "dam", link=shared))
        await w.poll(region)
        await w.deliverer.deliver_pending()

        assert len(w.tg.sent(301)) == 1
        edits = w.tg.calls_to("editMessageText", 301)
        assert len(edits) == 1
        assert "Also: Region News" in edits[0].text


async def test_an_unavailable_page_falls_back_to_the_feed_excerpt(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    async with world(tmp_path, httpserver) as w:
        url, _ = await w.city_feed(401)
        await w.poll(url)
        w.site.publish("city", Story("gone", "Budget vote delayed", "budget", page=False))
        await w.poll(url)
        await w.deliverer.deliver_pending()

        text = w.tg.sent(401)[0].text
        assert "Budget vote delayed" in text
        assert "feed excerpt" in text


async def test_a_blocked_chat_is_deactivated_and_a_kicked_channel_loses_its_routes(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    async with world(tmp_path, httpserver) as w:
        url, feed_id = await w.city_feed(501)
        await w.store.upsert_chat(CHANNEL, "channel")
        await w.store.add_routes(CHANNEL, [feed_id])
        await w.poll(url)
        w.tg.block(501)
        w.tg.fail(403, "Forbidden: bot is not a member of the channel chat", chat_id=CHANNEL)
        w.site.publish("city", Story("a", "First story"))
        await w.poll(url)
        report = await w.deliverer.deliver_pending()

        assert set(report.gone_chats) == {501, CHANNEL}
        assert w.tg.sent() == []
        assert not (await w.store.get_chat(501)).active  # type: ignore[union-attr]
        assert await w.store.routes_for_feed(feed_id) == []
        w.site.publish("city", Story("b", "Second story"))
        await w.poll(url)
        await w.deliverer.deliver_pending()
        assert len(w.tg.calls_to("sendMessage")) == 2  # nobody was tried again


async def test_429_and_a_transient_error_delay_but_never_duplicate(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    async with world(tmp_path, httpserver) as w:
        url, _ = await w.city_feed(601, 602)
        await w.poll(url)
        w.tg.retry_after(1, times=1, chat_id=601)
        w.tg.fail(500, "Internal Server Error", chat_id=602, times=1)
        w.site.publish("city", Story("x", "Story X"))
        await w.poll(url)
        report = await w.deliverer.deliver_pending()

        assert report.sent == 1
        assert report.retried == 1
        assert sends_per_chat(w.tg) == {601: 1}
        item = (await w.store.latest_items([(await w.store.get_feed_by_url(url)).id], 1))[0]  # type: ignore[union-attr]
        row = await w.store.get_delivery(602, item.id)
        assert row is not None
        assert row.state == "pending"
        assert row.attempts == 1


async def test_a_failing_feed_is_reported_to_the_operator_once(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    async with world(tmp_path, httpserver) as w:
        url, _ = await w.city_feed(701)
        w.site.broken.add("city")
        for _ in range(ALERT_AFTER_FAILURES + 4):
            await w.poll(url)

        assert len(w.alerts) == 1
        assert url in w.alerts[0]
        feed = await w.store.get_feed_by_url(url)
        assert feed is not None
        assert feed.state.consecutive_failures == ALERT_AFTER_FAILURES + 4


async def test_a_digest_packs_pending_posts_into_few_messages_at_its_time(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    async with world(tmp_path, httpserver) as w:
        url, _ = await w.city_feed(801)
        chat = await w.store.get_chat(801)
        assert chat is not None
        now = datetime.now(UTC)
        settings = replace(
            chat.settings, delivery_mode="digest", digest_time=f"{now:%H:%M}", timezone="UTC"
        )
        await w.store.update_chat_settings(801, settings)
        await w.poll(url)
        for n in range(5):
            w.site.publish("city", Story(f"s{n}", f"Story number {n}", f"topic{n}"))
        await w.poll(url)
        assert (await w.deliverer.deliver_pending()).sent == 0  # digest chats wait

        sent = await w.deliverer.send_digests()

        messages = w.tg.sent(801)
        assert sent == len(messages) == 1
        assert all(f"Story number {n}" in messages[0].text for n in range(5))
        assert await w.store.pending_deliveries(801) == []
        assert await w.deliverer.send_digests() == 0


def test_digest_is_due_only_just_after_its_local_time() -> None:
    chat = Chat(801, "private", settings=ChatSettings(digest_time="08:00", timezone="Europe/Kyiv"))
    assert digest_due(chat, datetime(2026, 6, 1, 5, 3, tzinfo=UTC))  # 08:03 in Kyiv (UTC+3)
    assert not digest_due(chat, datetime(2026, 6, 1, 8, 3, tzinfo=UTC))
    assert not digest_due(chat, datetime(2026, 6, 1, 4, 59, tzinfo=UTC))
