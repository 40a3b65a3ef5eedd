"""`Poller.poll_due(on_feed=…)`: every feed of a cycle is reported once, failures included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from bot.cli.common import OfflineMessenger
from bot.config import FetchSettings
from bot.feeds.fetch import Fetcher
from bot.model import Article, FeedState, Summary
from bot.service import poll
from bot.service.deliver import Deliverer
from bot.service.pacing import Limits, Pacer
from bot.service.poll import FeedOutcome, Poller
from bot.text.summarize import ExtractiveSummarizer
from tests.feedserver import FakeSite, Story
from tests.tg_harness import sqlite_store

CHAT = 301


class ExplodingSummarizer(ExtractiveSummarizer):
    """Raises an unexpected (non-newsbot) error for stories titled "Boom…"."""

    async def summarize(self, article: Article, *, max_points: int) -> Summary:
        if (article.title or "").startswith("Boom"):
            raise RuntimeError("summariser bug")
        return await super().summarize(article, max_points=max_points)


async def test_on_feed_hears_each_feed_once_with_its_outcome_and_the_running_total(
    tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(poll, "CLAIM_BATCH", 1)  # one lease batch per feed: the total grows
    site = FakeSite(httpserver)
    site.publish("city", Story("old", "Old news about the bridge"))
    site.publish("down", Story("gone", "Never served"))
    site.broken.add("down")
    site.publish("boom", Story("boom", "Boom goes the summariser"))
    async with (
        sqlite_store(tmp_path) as store,
        Fetcher(FetchSettings(allow_private_networks=True, retries=0)) as fetcher,
    ):
        await store.upsert_chat(CHAT, "private")
        for name in ("city", "down", "boom"):
            feed = await store.get_or_create_feed(site.feed_url(name))
            await store.subscribe(CHAT, feed.id)
        deliverer = Deliverer(store, OfflineMessenger(), Pacer(Limits(None, 0.0)))
        poller = Poller(store, fetcher, ExplodingSummarizer(), deliverer)
        heard: list[FeedOutcome] = []

        report = await poller.poll_due(on_feed=heard.append)

        assert [(o.feed.url, o.failed, o.new_items, o.claimed) for o in heard] == [
            (site.feed_url("city"), False, 0, 1),  # the back catalogue is not news
            (site.feed_url("down"), True, 0, 2),  # HTTP 500
            (site.feed_url("boom"), True, 0, 3),  # an unexpected error, caught by the guard
        ]
        assert (report.feeds, report.failed, report.new_items) == (3, 2, 0)

        site.publish("city", Story("tram", "Council approves the tram line", "tram"))
        city = await store.get_feed_by_url(site.feed_url("city"))
        assert city is not None
        earlier = datetime.now(UTC) - timedelta(minutes=1)
        await store.save_feed_state(city.id, FeedState(next_poll_at=earlier))
        heard.clear()

        report = await poller.poll_due(on_feed=heard.append)

        # The failed feeds back off (or keep their lease); only the city feed is due again.
        assert [(o.feed.url, o.failed, o.new_items, o.claimed) for o in heard] == [
            (site.feed_url("city"), False, 1, 1)
        ]
        assert (report.feeds, report.failed, report.new_items, report.queued) == (1, 0, 1, 1)


async def test_poll_due_without_on_feed_still_polls_and_reports(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    site = FakeSite(httpserver)
    site.publish("city", Story("old", "Old news about the bridge"))
    async with (
        sqlite_store(tmp_path) as store,
        Fetcher(FetchSettings(allow_private_networks=True, retries=0)) as fetcher,
    ):
        await store.upsert_chat(CHAT, "private")
        feed = await store.get_or_create_feed(site.feed_url("city"))
        await store.subscribe(CHAT, feed.id)
        deliverer = Deliverer(store, OfflineMessenger(), Pacer(Limits(None, 0.0)))

        report = await Poller(store, fetcher, ExtractiveSummarizer(), deliverer).poll_due()

        assert (report.feeds, report.failed) == (1, 0)
