"""Feed discovery from a site's homepage: announced links first, then the usual paths."""

from __future__ import annotations

from pathlib import Path

from pytest_httpserver import HTTPServer

from bot.config import FetchSettings
from bot.feeds.discover import feed_links
from bot.feeds.fetch import Fetcher

FEED = (
    Path(__file__).resolve().parent.parent.parent
    / "shared"
    / "data"
    / "feeds"
    / "real"
    / "rss-parser"
    / "guardian.rss"
).read_bytes()


def local() -> FetchSettings:
    return FetchSettings(allow_private_networks=True, retries=0)


def test_feed_links_are_absolute_deduplicated_and_typed() -> None:
    html = """<html><head>
      <link rel="alternate" type="application/rss+xml" href="/rss.xml">
      <link rel="alternate" type="application/atom+xml" href="https://cdn.example.com/atom">
      <link rel="Alternate" type="application/rss+xml; charset=utf-8" href="/rss.xml">
      <link rel="alternate" type="text/html" href="/fr/">
      <link rel="stylesheet" type="text/css" href="/s.css">
      <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
    </head><body></body></html>"""
    assert feed_links(html, "https://example.com/news/") == [
        "https://example.com/rss.xml",
        "https://cdn.example.com/atom",
    ]


async def test_homepage_with_link_tags_gives_its_feeds(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/").respond_with_data(
        '<html><head><link rel="alternate" type="application/rss+xml" href="/news.rss">'
        "</head><body>Home</body></html>",
        content_type="text/html",
    )
    async with Fetcher(local()) as fetcher:
        assert await fetcher.discover_feeds(httpserver.url_for("/")) == [
            httpserver.url_for("/news.rss")
        ]


async def test_homepage_without_links_is_probed_on_common_paths(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/").respond_with_data(
        "<html><body>Home</body></html>", content_type="text/html"
    )
    httpserver.expect_request("/feed.xml").respond_with_data(
        FEED, content_type="application/rss+xml"
    )
    httpserver.expect_request("/rss").respond_with_data(
        "<html>not a feed</html>", content_type="text/html"
    )
    async with Fetcher(local()) as fetcher:
        found = await fetcher.discover_feeds(httpserver.url_for("/"))
    assert found == [httpserver.url_for("/feed.xml")]


async def test_a_feed_url_discovers_itself(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(FEED, content_type="application/rss+xml")
    async with Fetcher(local()) as fetcher:
        assert await fetcher.discover_feeds(httpserver.url_for("/feed")) == [
            httpserver.url_for("/feed")
        ]


async def test_site_without_feeds_gives_an_empty_list(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/").respond_with_data(
        "<html><body>Home</body></html>", content_type="text/html"
    )
    async with Fetcher(local()) as fetcher:
        assert await fetcher.discover_feeds(httpserver.url_for("/")) == []
