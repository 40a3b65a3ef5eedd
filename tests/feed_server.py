"""A tiny news site for delivery tests: RSS feeds and article pages served by pytest-httpserver."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape

from pytest_httpserver import HTTPServer
from werkzeug import Response

BODY = (
    "The council approved the new {topic} plan on Tuesday after a long debate. "
    "Officials said the {topic} programme will start next spring and run for three years. "
    "Residents welcomed the decision, although some asked for more detail on costs. "
    "The plan includes new funding, a public consultation and yearly progress reports. "
    "Critics argued that the {topic} budget should have been larger given rising prices. "
    "The mayor promised that the first results would be published before the summer."
)


@dataclass
class Story:
    slug: str
    title: str
    topic: str = "transport"
    page: bool = True
    link: str | None = None


@dataclass
class FakeSite:
    """Feeds at /feeds/<name>.xml whose entries link to /news/<slug>.html pages."""

    server: HTTPServer
    feeds: dict[str, list[Story]] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)
    _base: datetime = field(default_factory=lambda: datetime(2026, 1, 1, tzinfo=UTC))

    def feed_url(self, name: str) -> str:
        return self.server.url_for(f"/feeds/{name}.xml")

    def page_url(self, slug: str) -> str:
        return self.server.url_for(f"/news/{slug}.html")

    def publish(self, feed: str, story: Story) -> None:
        """Add a story to a feed (newest first) and serve its page unless `page` is False."""
        if feed not in self.feeds:
            self.feeds[feed] = []
            self.server.expect_request(f"/feeds/{feed}.xml").respond_with_handler(
                lambda _request: self._feed_response(feed)
            )
        self.feeds[feed].insert(0, story)
        if story.page:
            html = (
                f"<html><head><title>{escape(story.title)}</title>"
                '<meta property="og:site_name" content="City News"></head><body><article>'
                f"<h1>{escape(story.title)}</h1><p>{BODY.format(topic=story.topic)}</p>"
                "</article></body></html>"
            )
            self.server.expect_request(f"/news/{story.slug}.html").respond_with_data(
                html, content_type="text/html; charset=utf-8"
            )

    def _feed_response(self, name: str) -> Response:
        if name in self.broken:
            return Response("server trouble", status=500)
        stories = self.feeds[name]
        items = []
        for index, story in enumerate(stories):
            published = self._base + timedelta(hours=len(stories) - index)
            link = story.link or self.page_url(story.slug)
            items.append(
                f"<item><title>{escape(story.title)}</title><link>{escape(link)}</link>"
                f"<guid>{name}-{story.slug}</guid>"
                f"<pubDate>{format_datetime(published)}</pubDate>"
                f"<description>{escape(BODY.format(topic=story.topic))}</description></item>"
            )
        xml = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{name.title()} News</title><link>{self.server.url_for('/')}</link>"
            f"<description>{name}</description>{''.join(items)}</channel></rss>"
        )
        return Response(xml, content_type="application/rss+xml")
