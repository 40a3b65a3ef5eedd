"""The offline demo: bundled sample feeds served on loopback, polled and posted for real.

`SampleServer` is an ordinary HTTP server on 127.0.0.1 serving the feeds and article pages under
`bot/samples/`. `run_cycle` opens the bot's own runtime on them — `Poller` (fetch, parse, extract,
summarise, store, queue) and `Deliverer` (render, send) — with a temporary SQLite store; only
the channel is replaced, by `ChannelRecorder`, which keeps the posts instead of calling Telegram.
"""

from __future__ import annotations

import html
import itertools
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from importlib.resources.abc import Traversable
from types import TracebackType
from typing import Self

from bot.config import Settings, SourceSettings
from bot.model import FeedState, RouteOptions, Summary
from bot.runtime import open_runtime
from bot.service.pacing import Limits
from bot.service.ports import Keyboard
from bot.store.protocol import Store

SAMPLES: Traversable = resources.files("bot").joinpath("samples")
# Placeholder in the sample files for the server's own base URL.
BASE_PLACEHOLDER = b"{base}"
# The demo's channel (a made-up id in Telegram's channel range) and its title.
DEMO_CHANNEL_ID = -1000000000001
DEMO_CHANNEL_TITLE = "newsbot demo channel"
# How long ago the primed "earlier" visit happened.
_EARLIER = timedelta(hours=1)
# The channel is the terminal: Telegram's rate limits do not apply.
_NO_LIMITS = Limits(global_rate=None, per_chat_interval=0.0, group_per_minute=1_000_000)
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


def demo_settings(base_url: str, database_url: str, base: Settings | None = None) -> Settings:
    """`base` (defaults if None) with the sample catalogue at `base_url`, loopback fetching
    allowed, and the store at `database_url`."""
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
    fetch = base.fetch.model_copy(update={"allow_private_networks": True, "retries": 0})
    database = base.database.model_copy(update={"url": database_url})
    return base.model_copy(
        update={"sources": sources, "fetch": fetch, "database": database, "channels": ()}
    )


class ChannelRecorder:
    """The demo's channel: a `Messenger` that keeps each post instead of calling Telegram."""

    def __init__(self) -> None:
        self.posts: dict[int, str] = {}

    async def send(
        self,
        chat_id: int,
        html: str,
        *,
        thread_id: int | None = None,
        link_preview: bool = False,
        reply_markup: Keyboard | None = None,
        paid: bool = False,
    ) -> int:
        """Keep the post; its message id is its position."""
        message_id = len(self.posts) + 1
        self.posts[message_id] = html
        return message_id

    async def edit(
        self, chat_id: int, message_id: int, html: str, *, reply_markup: Keyboard | None = None
    ) -> None:
        """Replace a kept post ("Also: …" edits)."""
        self.posts[message_id] = html


async def _prime(store: Store, settings: Settings) -> list[int]:
    """Register the catalogue, the demo channel and its routes, as an operator's setup would.

    Each feed also gets one earlier, already-summarised item and is due now: the store looks as
    if the bot had polled the feeds before, so the cycle treats the samples as news to post
    rather than as a new feed's back catalogue (which `bot.service.poll` never posts).
    """
    await store.upsert_chat(DEMO_CHANNEL_ID, "channel", title=DEMO_CHANNEL_TITLE)
    now = datetime.now(UTC)
    feed_ids = []
    for source in settings.sources:
        feed = await store.get_or_create_feed(source.url, title=source.name, source_id=source.id)
        earlier = await store.add_item(feed.id, f"demo:earlier:{source.id}", now=now - _EARLIER)
        if earlier is not None:
            headline = f"An earlier story from {source.name}"
            await store.set_item_summary(earlier.id, Summary(headline, (), source.name))
        await store.save_feed_state(feed.id, FeedState(next_poll_at=now - _EARLIER))
        feed_ids.append(feed.id)
    options = RouteOptions(points=settings.summarizer.max_points, hashtags=True)
    await store.add_routes(DEMO_CHANNEL_ID, feed_ids, options)
    return feed_ids


async def run_cycle(settings: Settings, *, llm_api_key: str | None = None) -> list[Post]:
    """One poll cycle of the real services into the demo channel; the posts it received."""
    channel = ChannelRecorder()
    names = {source.id: source.name for source in settings.sources}
    async with open_runtime(
        settings, channel, llm_api_key=llm_api_key, limits=_NO_LIMITS
    ) as runtime:
        feed_ids = await _prime(runtime.store, settings)
        await runtime.poller.poll_due()
        await runtime.deliverer.deliver_pending()
        return await _received(runtime.store, channel, feed_ids, names)


async def _received(
    store: Store, channel: ChannelRecorder, feed_ids: list[int], names: dict[str, str]
) -> list[Post]:
    """The posts the channel got, with the summaries behind them: each feed's in the order the
    channel got them, the feeds taking turns in catalogue order.

    The feeds are polled at once, so which feed's post reaches the channel first is a race;
    taking turns makes the demo print the same tour every time.
    """
    by_feed: dict[int, dict[int, Post]] = {feed_id: {} for feed_id in feed_ids}
    for item in await store.latest_items(feed_ids, limit=100):
        row = await store.get_delivery(DEMO_CHANNEL_ID, item.id)
        if row is None or row.message_id is None or item.summary is None:
            continue
        feed = await store.get_feed(item.feed_id)
        source = names.get(feed.source_id or "", "") if feed else ""
        post = Post(source, item.summary, channel.posts[row.message_id])
        by_feed[item.feed_id][row.message_id] = post
    turns = [[posts[m] for m in sorted(posts)] for posts in by_feed.values()]
    return [post for turn in itertools.zip_longest(*turns) for post in turn if post is not None]


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
