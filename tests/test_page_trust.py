"""A trusted catalogue source's article pages on its own origin share its trust; others do not.

Before, an operator source on a private address was polled (trusted) but its pages were
refused, so every post fell back to the feed's teaser.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from bot.config import FetchSettings
from bot.feeds.fetch import Fetcher
from bot.model import Entry
from bot.service.articles import article_of, page_trusted
from tests.feedserver import FakeSite, Story


@pytest.mark.parametrize(
    ("page", "feed", "trusted_feed", "expected"),
    [
        ("http://10.0.0.5/news/1", "http://10.0.0.5/feed.xml", True, True),
        ("http://10.0.0.5/news/1", "http://10.0.0.5/feed.xml", False, False),
        ("http://10.0.0.6/news/1", "http://10.0.0.5/feed.xml", True, False),
        ("http://10.0.0.5:8080/news/1", "http://10.0.0.5/feed.xml", True, False),
        ("https://10.0.0.5/news/1", "http://10.0.0.5/feed.xml", True, False),
        ("http://evil.10.0.0.5.example/x", "http://10.0.0.5/feed.xml", True, False),
        ("http://[::1/x", "http://10.0.0.5/feed.xml", True, False),
    ],
)
def test_only_the_trusted_feeds_own_origin_is_trusted(
    page: str, feed: str, trusted_feed: bool, expected: bool
) -> None:
    assert page_trusted(page, feed, trusted_feed=trusted_feed) is expected


async def test_a_trusted_private_sources_page_is_fetched_and_an_untrusted_one_is_not(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    site = FakeSite(httpserver)
    site.publish("city", Story("tram", "New tram line opens downtown", topic="tram"))
    entry = Entry(
        "tram", "New tram line opens downtown", link=site.page_url("tram"), summary="Teaser."
    )
    async with Fetcher(FetchSettings(retries=0)) as fetcher:
        trusted = await article_of(
            fetcher, entry, site_name="City", feed_url=site.feed_url("city"), trusted_feed=True
        )
        untrusted = await article_of(
            fetcher, entry, site_name="City", feed_url=site.feed_url("city"), trusted_feed=False
        )
    assert not trusted.from_feed_excerpt
    assert len(trusted.text) > len("Teaser.")
    assert untrusted.from_feed_excerpt
    assert untrusted.text == "Teaser."
