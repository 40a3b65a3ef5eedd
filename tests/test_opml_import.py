"""`import_opml(on_feed=…)`: every feed of the file is reported once, with its outcome."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from bot.config import Settings
from bot.feeds.fetch import Fetcher
from bot.service.opml import FeedImported, import_opml
from tests.feedserver import FakeSite, Story
from tests.tg_harness import sqlite_store

CHAT = 4242


def opml_of(urls: list[str]) -> bytes:
    outlines = "".join(f'<outline text="x" xmlUrl="{url}"/>' for url in urls)
    return f"<opml version='2.0'><body>{outlines}</body></opml>".encode()


async def test_on_feed_hears_every_feed_once_and_subscriptions_keep_the_files_order(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    site = FakeSite(httpserver)
    for name in ("old", "east", "west", "north", "south"):
        site.publish(name, Story(f"{name}-1", f"{name} story"))
    httpserver.expect_request("/gone.xml").respond_with_data("gone", status=404)
    gone = httpserver.url_for("/gone.xml")
    old, east, west, north, south = (
        site.feed_url(n) for n in ("old", "east", "west", "north", "south")
    )
    settings = Settings.model_validate(
        {
            "fetch": {"allow_private_networks": True, "retries": 0},
            "limits": {"max_subscriptions_per_chat": 5},
        }
    )
    async with sqlite_store(tmp_path) as store, Fetcher(settings.fetch) as fetcher:
        await store.upsert_chat(CHAT, "private")
        await store.subscribe(CHAT, (await store.get_or_create_feed(old)).id)
        heard: list[FeedImported] = []

        report = await import_opml(
            store,
            settings,
            fetcher,
            CHAT,
            opml_of([west, old, gone, east, north, south]),
            on_feed=heard.append,
        )

        assert sorted((f.url, f.outcome) for f in heard) == sorted(
            [
                (old, "already"),
                (west, "added"),
                (gone, "failed"),
                (east, "added"),
                (north, "added"),
                (south, "over limit"),  # room for 4: west, gone, east, north
            ]
        )
        # Checked a few at once, but reported and subscribed in the file's order.
        assert [f.url for f in heard if f.outcome in ("added", "failed")] == [
            west,
            gone,
            east,
            north,
        ]
        assert [r for f in heard if (r := f.reason)] == [f"{gone}: HTTP 404"]
        assert report.added == (west, east, north)
        assert report.already == (old,)
        assert report.failed == ((gone, f"{gone}: HTTP 404"),)
        assert report.over_limit == 1
        followed = [s.feed_url for s in await store.list_subscriptions(CHAT)]
        assert followed == [old, west, east, north]


async def test_an_error_midway_ends_the_import_as_itself_and_stops_the_other_checks(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    site = FakeSite(httpserver)
    for name in ("east", "west", "north"):
        site.publish(name, Story(f"{name}-1", f"{name} story"))
    urls = [site.feed_url(n) for n in ("east", "west", "north")]
    settings = Settings.model_validate({"fetch": {"allow_private_networks": True, "retries": 0}})

    def interrupt(feed: FeedImported) -> None:
        raise RuntimeError(f"stopped at {feed.url}")

    async with sqlite_store(tmp_path) as store, Fetcher(settings.fetch) as fetcher:
        await store.upsert_chat(CHAT, "private")
        with pytest.raises(RuntimeError, match=re.escape(f"stopped at {urls[0]}")):
            await import_opml(store, settings, fetcher, CHAT, opml_of(urls), on_feed=interrupt)

        followed = [s.feed_url for s in await store.list_subscriptions(CHAT)]
        assert followed == [urls[0]]
        leftover = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert not [t for t in leftover if "check" in repr(t.get_coro())]
