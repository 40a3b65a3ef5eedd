"""A poison entry costs only itself: odd characters are dropped at the boundary, and an entry
the store still refuses is skipped while the feed is backed off and reported."""

from __future__ import annotations

import json
import secrets

from pytest_httpserver import HTTPServer

from bot.config import FetchSettings
from bot.feeds.fetch import Fetcher
from bot.feeds.parse import parse_feed
from bot.model import StoredFeed
from bot.service.deliver import Deliverer
from bot.service.pacing import Limits, Pacer
from bot.service.poll import Poller
from bot.store import Store, open_store
from bot.text.summarize import ExtractiveSummarizer
from tests.fakes.telegram_api import FakeTelegram
from tests.tg_harness import messenger_for

UNSAFE = "\x00\x01\x1b\u202e\u2066\ud83d"


def json_feed(*items: dict[str, object]) -> bytes:
    document = {"version": "https://jsonfeed.org/version/1.1", "title": "T", "items": list(items)}
    return json.dumps(document).encode()


def rss(*titles: str) -> bytes:
    items = "".join(
        f"<item><guid>g{i}</guid><title>{t}</title><description>Body {i}.</description></item>"
        for i, t in enumerate(titles)
    )
    head = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
    return f"{head}{items}</channel></rss>".encode()


def test_lone_surrogates_and_controls_are_dropped_from_json_feed_text() -> None:
    feed = parse_feed(
        json_feed({"id": "1", "title": "Bad\ud83d news\u202e", "content_text": "x\x00y\x07z"})
    )
    entry = feed.entries[0]
    assert entry.title == "Bad news"
    assert entry.content == "xyz"


def test_nul_surrogate_and_bidi_references_in_rss_titles_are_dropped() -> None:
    feed = parse_feed(rss("A&#0;B", "C&#xD800;D", "E&#x202E;F&#8294;G\x1b", "fine"))
    assert [e.title for e in feed.entries] == ["AB", "CD", "EFG", "fine"]


async def poll_once(store: Store, url: str, tg: FakeTelegram) -> StoredFeed:
    async with (
        messenger_for(tg) as messenger,
        Fetcher(FetchSettings(allow_private_networks=True, retries=0)) as fetcher,
    ):
        deliverer = Deliverer(store, messenger, Pacer(Limits(global_rate=None)))
        alerts: list[str] = []

        async def alert(text: str) -> None:
            alerts.append(text)

        poller = Poller(store, fetcher, ExtractiveSummarizer(), deliverer, alert=alert)
        feed = await store.get_or_create_feed(url)
        await poller.poll_feed(feed)
        polled = await store.get_feed_by_url(url)
        assert polled is not None
        return polled


GOOD = (
    {"id": "good-1", "title": "Good one", "content_text": "Fine text."},
    {"id": "good-2", "title": "Good two", "content_text": "More text."},
)


async def poll_between_good_ones(
    database_url: str, httpserver: HTTPServer, odd: dict[str, object]
) -> tuple[StoredFeed, set[str | None], list[str]]:
    """Serve a JSON Feed with `odd` between two good items, poll it once: the feed after the
    poll, the stored titles and the URLs of the failing feeds."""
    body = json_feed(GOOD[0], odd, GOOD[1])
    httpserver.expect_request("/feed.json").respond_with_data(body, content_type="application/json")
    store = await open_store(database_url)
    try:
        async with FakeTelegram() as tg:
            feed = await poll_once(store, httpserver.url_for("/feed.json"), tg)
        titles = {item.title for item in await store.latest_items([feed.id], 10)}
        failing = [f.url for f in await store.failing_feeds()]
    finally:
        await store.aclose()
    return feed, titles, failing


async def test_poison_entries_are_stored_clean_with_the_good_ones(
    store_url: str, httpserver: HTTPServer
) -> None:
    odd = {"id": "bad", "title": f"Poison{UNSAFE} title", "content_text": f"Bad{UNSAFE} body."}
    feed, titles, failing = await poll_between_good_ones(store_url, httpserver, odd)
    assert titles == {"Good one", "Poison title", "Good two"}
    assert feed.state.consecutive_failures == 0
    assert failing == []


async def test_an_entry_the_store_refuses_costs_only_itself_and_the_feed_is_reported(
    fresh_postgres_url: str, httpserver: HTTPServer
) -> None:
    """PostgreSQL cannot index a title key this long: that entry fails, the others land."""
    huge = " ".join(secrets.token_hex(8) for _ in range(1200))
    odd = {"id": "huge", "title": huge, "content_text": "Odd."}
    feed, titles, failing = await poll_between_good_ones(fresh_postgres_url, httpserver, odd)
    assert titles == {"Good one", "Good two"}
    assert feed.state.consecutive_failures == 1
    assert feed.state.next_poll_at is not None
    assert "entries not stored" in (feed.state.last_error or "")
    assert failing == [feed.url]
