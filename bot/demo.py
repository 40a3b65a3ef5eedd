"""The offline demo: bundled sample feeds served on loopback, polled and summarised for real.

Nothing here is faked: `SampleServer` is an ordinary HTTP server on 127.0.0.1 serving the feeds
and article pages under `bot/samples/`, and `run_cycle` sends them through the same fetcher,
parser, extractor, summariser and renderer the bot uses. Only the network is local.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from importlib.resources.abc import Traversable
from types import TracebackType
from typing import Self

from bot import metrics
from bot.config import FetchSettings, Settings, SourceSettings
from bot.errors import NewsbotError
from bot.feeds.extract import article_from_entry, is_usable
from bot.feeds.fetch import Fetcher
from bot.model import Article, Entry, Summary
from bot.render import render_html
from bot.summarize import ExtractiveSummarizer, Summarizer

SAMPLES: Traversable = resources.files("bot").joinpath("samples")
# Placeholder in the sample files for the server's own base URL.
BASE_PLACEHOLDER = b"{base}"
_CONTENT_TYPES = {
    ".xml": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}


@dataclass(frozen=True, slots=True)
class SampleFeed:
    """One bundled feed and the catalogue entry the demo gives it."""

    id: str
    name: str
    file: str
    category: str


SAMPLE_FEEDS = (
    SampleFeed("valley-courier", "Valley Courier", "valley-courier.xml", "local"),
    SampleFeed("science-notes", "Science Notes", "science-notes.atom", "science"),
    SampleFeed("open-source-weekly", "Open Source Weekly", "open-source-weekly.xml", "technology"),
)


@dataclass(frozen=True, slots=True)
class Post:
    """What a channel would receive for one item."""

    source: str
    summary: Summary
    html: str


class _SampleHandler(BaseHTTPRequestHandler):
    server: _SampleHTTPServer

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].lstrip("/")
        folder, _, name = path.partition("/")
        suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
        resource = SAMPLES.joinpath(folder, name)
        if folder not in ("feeds", "pages") or "/" in name or not resource.is_file():
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        body = resource.read_bytes().replace(BASE_PLACEHOLDER, self.server.base_url.encode())
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", _CONTENT_TYPES.get(suffix, "application/octet-stream"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: the demo's output is the posts."""


class _SampleHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    base_url = ""


class SampleServer:
    """Serve `bot/samples/feeds` and `bot/samples/pages` on a free loopback port, in a thread."""

    def __init__(self) -> None:
        self._server = _SampleHTTPServer(("127.0.0.1", 0), _SampleHandler)
        host, port = self._server.server_address[:2]
        self.base_url = f"http://{host!s}:{port}"
        self._server.base_url = self.base_url
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def feed_url(self, feed: SampleFeed) -> str:
        """Where the server publishes `feed`."""
        return f"{self.base_url}/feeds/{feed.file}"


def demo_settings(base_url: str, base: Settings | None = None) -> Settings:
    """`base` (defaults if None) with the sample catalogue at `base_url` and loopback allowed."""
    base = base or Settings()
    sources = tuple(
        SourceSettings(
            id=feed.id,
            name=feed.name,
            url=f"{base_url}/feeds/{feed.file}",
            category=feed.category,
            language="en",
        )
        for feed in SAMPLE_FEEDS
    )
    fetch = FetchSettings.model_validate(
        base.fetch.model_dump() | {"allow_private_networks": True, "retries": 0}
    )
    return base.model_copy(update={"sources": sources, "fetch": fetch, "channels": ()})


async def _article(fetcher: Fetcher, entry: Entry, site_name: str | None) -> Article:
    """The entry's full page when it yields enough text, else the feed's own excerpt."""
    if entry.link:
        try:
            article = await fetcher.fetch_page(entry.link)
        except NewsbotError:
            article = None
        if article is not None and is_usable(article):
            return article
    return article_from_entry(entry, site_name=site_name)


async def run_cycle(settings: Settings, summarizer: Summarizer | None = None) -> list[Post]:
    """Poll every catalogue source once, summarise each item and render it as a channel post."""
    summarizer = summarizer or ExtractiveSummarizer()
    max_points = settings.summarizer.max_points
    posts: list[Post] = []
    async with Fetcher(settings.fetch) as fetcher:
        for source in settings.sources:
            response = await fetcher.fetch_feed(source.url)
            entries = response.feed.entries if response.feed else ()
            for entry in entries:
                article = await _article(fetcher, entry, source.name)
                with metrics.SUMMARIZE_SECONDS.labels(summarizer.name).time():
                    summary = await summarizer.summarize(article, max_points=max_points)
                tags = (source.category,) if source.category else ()
                posts.append(Post(source.name, summary, render_html(summary, hashtags=tags)))
    return posts


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>newsbot demo — channel preview</title>
<style>
body {{ background: #dfe8ef; font: 15px/1.45 system-ui, sans-serif; margin: 0; padding: 2em 1em; }}
main {{ max-width: 36em; margin: auto; }}
h1 {{ font-size: 1.1em; color: #3a4a58; }}
.post {{ background: #fff; border-radius: 12px; padding: .8em 1em; margin: 0 0 1em;
  white-space: pre-wrap; box-shadow: 0 1px 2px rgba(0,0,0,.15); }}
.from {{ color: #2b7bbd; font-weight: 600; font-size: .9em; white-space: normal; }}
a {{ color: #2b7bbd; }}
</style>
</head>
<body>
<main>
<h1>{title}</h1>
{posts}
</main>
</body>
</html>
"""


def preview_page(posts: Sequence[Post], title: str = "newsbot demo — what the channel gets") -> str:
    """A standalone HTML page showing each post as Telegram would (its HTML is Telegram's)."""
    bubbles = "\n".join(
        f'<article class="post"><div class="from">{html.escape(post.source)}</div>{post.html}'
        "</article>"
        for post in posts
    )
    return _PAGE.format(title=html.escape(title), posts=bubbles)
