"""The one loopback web for tests: a tiny news site (feeds and pages) and a server that
misbehaves on cue.

`FakeSite` serves RSS feeds and article pages through pytest-httpserver, for the delivery and
bot tests. `RawServer` is a raw HTTP/1.1 server for the fetcher tests: it can stall after the
headers, drip a byte at a time, stream 50 MB without holding it, send a gzip bomb, and tells the
URL-safety tests how many TCP connections it ever accepted (the refused URLs must cause none).
"""

from __future__ import annotations

import gzip
import io
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape

from pytest_httpserver import HTTPServer
from werkzeug import Response

Handler = Callable[["Request", socket.socket], None]


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]


def head(status: int = 200, headers: dict[str, str] | None = None) -> bytes:
    """A status line and headers, ready to send."""
    lines = [f"HTTP/1.1 {status} X"] + [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def respond(body: bytes = b"", status: int = 200, headers: dict[str, str] | None = None) -> Handler:
    """A plain, complete answer."""

    def handler(request: Request, conn: socket.socket) -> None:
        all_headers = {"Content-Length": str(len(body)), "Connection": "close", **(headers or {})}
        conn.sendall(head(status, all_headers) + body)

    return handler


def stall(seconds: float = 30.0, content_type: str = "text/html") -> Handler:
    """Headers, then silence."""

    def handler(request: Request, conn: socket.socket) -> None:
        conn.sendall(head(200, {"Content-Type": content_type, "Content-Length": "100000"}))
        time.sleep(seconds)

    return handler


def drip(interval: float = 0.2, seconds: float = 30.0) -> Handler:
    """A byte at a time, each well within the read timeout, for far too long in total."""

    def handler(request: Request, conn: socket.socket) -> None:
        conn.sendall(head(200, {"Content-Type": "application/rss+xml", "Content-Length": "999999"}))
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            conn.sendall(b" ")
            time.sleep(interval)

    return handler


def stream(total: int, content_type: str = "text/html", chunked: bool = True) -> Handler:
    """`total` bytes of filler, generated as they are sent; records how much went out."""

    def handler(request: Request, conn: socket.socket) -> None:
        headers = {"Content-Type": content_type}
        headers |= {"Transfer-Encoding": "chunked"} if chunked else {"Content-Length": str(total)}
        conn.sendall(head(200, headers))
        block = b"<p>" + b"x" * 65530 + b"</p>"
        sent = 0
        while sent < total:
            piece = block[: min(len(block), total - sent)]
            conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            sent += len(piece)
            handler.sent = sent  # type: ignore[attr-defined]
        if chunked:
            conn.sendall(b"0\r\n\r\n")

    handler.sent = 0  # type: ignore[attr-defined]
    return handler


def gzip_bomb(decoded_size: int = 200 * 1024 * 1024, content_type: str = "text/html") -> Handler:
    """A small gzip body that inflates to `decoded_size` bytes of zeros."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9) as zipped:
        chunk = b"\0" * (1024 * 1024)
        for _ in range(decoded_size // len(chunk)):
            zipped.write(chunk)
    body = buffer.getvalue()
    return respond(body, headers={"Content-Type": content_type, "Content-Encoding": "gzip"})


@dataclass
class RawServer:
    """Threaded loopback server; `routes` maps a path to a handler."""

    host: str = "127.0.0.1"
    # Serve HTTPS with this context; `server_names` records the SNI each client sent.
    tls: ssl.SSLContext | None = None
    server_names: list[str | None] = field(default_factory=list)
    routes: dict[str, Handler] = field(default_factory=dict)
    connections: int = 0
    requests: list[Request] = field(default_factory=list)
    active: int = 0
    max_active: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.tls is not None:
            self.tls.sni_callback = lambda _sock, name, _ctx: self.server_names.append(name)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((self.host, 0))
        self._socket.listen(128)
        self.port = self._socket.getsockname()[1]
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = self._socket.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn, self._track():
            try:
                if self.tls is not None:
                    conn = self.tls.wrap_socket(conn, server_side=True)
                request = self._read_request(conn)
                if request is None:
                    return
                self.requests.append(request)
                handler = self.routes.get(request.path, respond(b"not found", status=404))
                handler(request, conn)
            except (OSError, ssl.SSLError):
                return  # the client hung up (or refused our certificate), as it should

    @staticmethod
    def _read_request(conn: socket.socket) -> Request | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            data += chunk
        lines = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        return Request(method, path, headers)

    def _track(self) -> _Tracker:
        return _Tracker(self)

    def stop(self) -> None:
        self._stopped.set()
        self._socket.close()


class _Tracker:
    def __init__(self, server: RawServer) -> None:
        self.server = server

    def __enter__(self) -> None:
        with self.server._lock:
            self.server.active += 1
            self.server.max_active = max(self.server.max_active, self.server.active)

    def __exit__(self, *exc: object) -> None:
        with self.server._lock:
            self.server.active -= 1


def raw_server(host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> Iterator[RawServer]:
    """Generator body for fixtures: a started server, stopped afterwards."""
    server = RawServer(host=host, tls=tls)
    try:
        yield server
    finally:
        server.stop()


# -- a tiny news site -------------------------------------------------------------------------

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
