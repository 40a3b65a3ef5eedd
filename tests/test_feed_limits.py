"""Limits that keep one feed or one database file from costing too much or showing too much:
entries per document, a poll that stops at known items, a private SQLite file."""

from __future__ import annotations

import contextlib
import json
import stat
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Response

from bot.feeds.parse import parse_feed
from bot.feeds.policy import KNOWN_RUN, MAX_ENTRIES
from bot.store import Store, open_store
from tests.fakes.telegram_api import FakeTelegram
from tests.test_poison_entries import poll_once

START = datetime(2026, 1, 1, tzinfo=UTC)


def rss(numbers: list[int], *, dated: bool = True) -> bytes:
    items = "".join(
        f'<item><guid isPermaLink="false">n{n}</guid>'
        f"<title>Story {n}</title><description>Body {n}.</description>"
        + (
            f"<pubDate>{(START + timedelta(minutes=n)).strftime('%a, %d %b %Y %H:%M:%S +0000')}"
            "</pubDate>"
            if dated
            else ""
        )
        + "</item>"
        for n in numbers
    )
    return f'<rss version="2.0"><channel><title>T</title>{items}</channel></rss>'.encode()


def test_a_huge_newest_first_feed_gives_its_newest_entries_only() -> None:
    feed = parse_feed(rss(list(range(5000, 0, -1))))
    assert len(feed.entries) == MAX_ENTRIES
    assert {e.identity for e in feed.entries} == {f"n{n}" for n in range(5000, 5000 - 200, -1)}


def test_a_huge_oldest_first_feed_gives_its_newest_entries_only() -> None:
    feed = parse_feed(rss(list(range(1, 5001))))
    assert {e.identity for e in feed.entries} == {f"n{n}" for n in range(4801, 5001)}


def test_a_huge_json_feed_gives_its_first_entries_only() -> None:
    items = [{"id": str(n), "title": f"Story {n}", "content_text": "x"} for n in range(3000)]
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": items}).encode()
    assert len(parse_feed(body).entries) == MAX_ENTRIES


@contextlib.asynccontextmanager
async def polled_twice(
    folder: Path, httpserver: HTTPServer, first: bytes, then: bytes
) -> AsyncIterator[tuple[Store, int]]:
    """A feed polled as `first` (the baseline: every entry recorded), then as `then`; the open
    store and the feed's id."""
    body = {"now": first}
    httpserver.expect_request("/feed.xml").respond_with_handler(
        lambda _request: Response(body["now"], content_type="text/xml")
    )
    url = httpserver.url_for("/feed.xml")
    store = await open_store(f"sqlite+aiosqlite:///{folder / 'bot.db'}")
    try:
        async with FakeTelegram() as tg:
            await poll_once(store, url, tg)
            body["now"] = then
            feed = await poll_once(store, url, tg)
        yield store, feed.id
    finally:
        await store.aclose()


async def test_a_poll_stops_looking_after_a_run_of_known_items(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    """An entry hidden behind more than KNOWN_RUN known ones is never looked at."""
    known = list(range(100, 100 - 3 * KNOWN_RUN, -1))
    # New at the top, and an old one never seen, after more than KNOWN_RUN known ones.
    then = rss([101, *known[: KNOWN_RUN + 2], 5, *known[KNOWN_RUN + 2 :]])
    async with polled_twice(tmp_path, httpserver, rss(known), then) as (store, feed_id):
        # add_item stores only what is not there yet: a probe for "was it stored?"
        new_was_stored = await store.add_item(feed_id, "n101") is None
        hidden_was_stored = await store.add_item(feed_id, "n5") is None
    assert new_was_stored
    assert not hidden_was_stored


async def test_a_new_sqlite_database_is_private_to_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "newsbot.db"
    store = await open_store(f"sqlite+aiosqlite:///{path}")
    try:
        await store.upsert_chat(1, "private")
        files = [p for p in path.parent.iterdir() if p.name.startswith("newsbot.db")]
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in files}
        folder = stat.S_IMODE(path.parent.stat().st_mode)
    finally:
        await store.aclose()
    assert folder == 0o700
    assert modes["newsbot.db"] == 0o600
    assert set(modes.values()) == {0o600}


async def test_an_undated_feed_gets_its_new_entries_however_many_known_ones_it_lists(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    """Without dates the newest end is unknown: a new entry at the top of a long undated
    newest-first document is still found (the soak test's feeds lost every story past the 10th)."""
    known = list(range(100, 100 - 3 * KNOWN_RUN, -1))
    first, then = rss(known, dated=False), rss([101, *known], dated=False)
    async with polled_twice(tmp_path, httpserver, first, then) as (store, feed_id):
        new_was_stored = await store.add_item(feed_id, "n101") is None
    assert new_was_stored
