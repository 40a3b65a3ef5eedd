"""The Fetcher against real loopback servers: redirects, statuses, limits, timeouts, charsets.

Tests fetch from 127.0.0.1, so they allow private networks explicitly; URL safety itself is
tested in test_url_safety.py.
"""

from __future__ import annotations

import asyncio
import gzip
import re
import socket
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot.config import FetchSettings
from bot.errors import (
    BodyTooLargeError,
    ContentTypeError,
    ExtractionError,
    FetchError,
    FetchTimeoutError,
    HTTPStatusError,
    ParseError,
    RateLimitedError,
    TooManyRedirectsError,
)
from bot.feeds.fetch import Fetcher
from bot.feeds.responses import parse_retry_after
from tests import feedserver
from tests.feedserver import RawServer

FEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "feeds"
GUARDIAN = (FEEDS / "real" / "rss-parser" / "guardian.rss").read_bytes()
RSS = "application/rss+xml"


def local(**overrides: object) -> FetchSettings:
    """Settings for loopback tests: private networks allowed, short timeouts."""
    values: dict[str, object] = {
        "allow_private_networks": True,
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
        "total_timeout": 5.0,
        "retries": 0,
    }
    values.update(overrides)
    return FetchSettings.model_validate(values)


@pytest.fixture
def raw():
    yield from feedserver.raw_server()


class Sleeps:
    """Records the back-off delays instead of waiting them out."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


async def test_feed_is_fetched_and_parsed_with_its_validators(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        GUARDIAN,
        content_type=RSS,
        headers={"ETag": '"v1"', "Last-Modified": "Wed, 31 Jan 2018 08:00:00 GMT"},
    )
    async with Fetcher(local()) as fetcher:
        response = await fetcher.fetch_feed(httpserver.url_for("/feed"))
    assert not response.not_modified
    assert response.feed is not None
    assert len(response.feed.entries) == 55
    assert response.etag == '"v1"'
    assert response.last_modified == "Wed, 31 Jan 2018 08:00:00 GMT"
    assert "newsbot" in httpserver.log[0][0].headers["User-Agent"]


async def test_conditional_get_sends_validators_and_304_costs_no_parsing(
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request(
        "/feed",
        headers={"If-None-Match": '"v1"', "If-Modified-Since": "Wed, 31 Jan 2018 08:00:00 GMT"},
    ).respond_with_data("", status=304)
    async with Fetcher(local()) as fetcher:
        response = await fetcher.fetch_feed(
            httpserver.url_for("/feed"), etag='"v1"', last_modified="Wed, 31 Jan 2018 08:00:00 GMT"
        )
    assert response.not_modified
    assert response.feed is None
    assert response.etag == '"v1"'


async def test_redirect_chain_is_followed_to_the_final_url(httpserver: HTTPServer) -> None:
    for hop in range(4):
        httpserver.expect_request(f"/r{hop}").respond_with_data(
            "", status=301 if hop % 2 else 302, headers={"Location": f"/r{hop + 1}"}
        )
    httpserver.expect_request("/r4").respond_with_data(GUARDIAN, content_type=RSS)
    async with Fetcher(local()) as fetcher:
        response = await fetcher.fetch_feed(httpserver.url_for("/r0"))
    assert response.url == httpserver.url_for("/r4")
    assert response.feed is not None
    assert response.feed.entries


async def test_more_than_five_redirects_is_refused(httpserver: HTTPServer) -> None:
    for hop in range(7):
        httpserver.expect_request(f"/r{hop}").respond_with_data(
            "", status=307, headers={"Location": httpserver.url_for(f"/r{hop + 1}")}
        )
    async with Fetcher(local()) as fetcher:
        with pytest.raises(TooManyRedirectsError, match="more than 5 redirects"):
            await fetcher.fetch_feed(httpserver.url_for("/r0"))
    assert len(httpserver.log) == 6


async def test_redirect_loop_is_detected(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})
    async with Fetcher(local()) as fetcher:
        with pytest.raises(TooManyRedirectsError, match="loop"):
            await fetcher.fetch_feed(httpserver.url_for("/a"))
    assert len(httpserver.log) == 2


@pytest.mark.parametrize("status", [404, 410, 403])
async def test_client_errors_are_typed_and_not_retried(httpserver: HTTPServer, status: int) -> None:
    httpserver.expect_request("/feed").respond_with_data("gone", status=status)
    async with Fetcher(local(retries=3)) as fetcher:
        with pytest.raises(HTTPStatusError) as caught:
            await fetcher.fetch_feed(httpserver.url_for("/feed"))
    assert caught.value.status == status
    assert len(httpserver.log) == 1


async def test_server_error_then_success_is_retried_with_jittered_backoff(
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_ordered_request("/feed").respond_with_data("boom", status=500)
    httpserver.expect_ordered_request("/feed").respond_with_data("boom", status=502)
    httpserver.expect_ordered_request("/feed").respond_with_data(GUARDIAN, content_type=RSS)
    sleeps = Sleeps()
    async with Fetcher(local(retries=2), sleep=sleeps) as fetcher:
        response = await fetcher.fetch_feed(httpserver.url_for("/feed"))
    assert response.feed is not None
    assert len(response.feed.entries) == 55
    assert len(sleeps.delays) == 2
    assert 0.25 <= sleeps.delays[0] < 0.75
    assert 0.5 <= sleeps.delays[1] < 1.5


async def test_persistent_server_error_gives_up_after_the_retries(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data("boom", status=500)
    async with Fetcher(local(retries=2), sleep=Sleeps()) as fetcher:
        with pytest.raises(HTTPStatusError) as caught:
            await fetcher.fetch_feed(httpserver.url_for("/feed"))
    assert caught.value.status == 500
    assert len(httpserver.log) == 3


async def test_429_with_retry_after_blocks_the_host_without_new_requests(
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "120"}
    )
    async with Fetcher(local(retries=3), sleep=Sleeps()) as fetcher:
        with pytest.raises(RateLimitedError) as first:
            await fetcher.fetch_feed(httpserver.url_for("/feed"))
        with pytest.raises(RateLimitedError) as second:
            await fetcher.fetch_feed(httpserver.url_for("/other"))
    assert first.value.status == 429
    assert first.value.retry_after == 120
    assert 100 < second.value.retry_after <= 120
    assert len(httpserver.log) == 1


async def test_503_with_short_retry_after_is_waited_out(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/feed").respond_with_data(
        "busy", status=503, headers={"Retry-After": "2"}
    )
    httpserver.expect_ordered_request("/feed").respond_with_data(GUARDIAN, content_type=RSS)
    sleeps = Sleeps()
    async with Fetcher(local(retries=1), sleep=sleeps) as fetcher:
        response = await fetcher.fetch_feed(httpserver.url_for("/feed"))
    assert response.feed is not None
    assert sleeps.delays == [2.0]


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    assert parse_retry_after("30") == 30
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412460.0) == 20
    assert parse_retry_after("soon") is None


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [
        ("feed", "text/html; charset=utf-8"),
        ("feed", "image/png"),
        ("page", "application/pdf"),
        ("page", "application/rss+xml"),
    ],
)
async def test_wrong_content_types_are_refused_with_a_reason(
    httpserver: HTTPServer, kind: str, content_type: str
) -> None:
    httpserver.expect_request("/x").respond_with_data(b"<html></html>", content_type=content_type)
    async with Fetcher(local()) as fetcher:
        fetch = fetcher.fetch_feed if kind == "feed" else fetcher.fetch_page
        expected = re.escape(content_type.split(";", maxsplit=1)[0])
        with pytest.raises(ContentTypeError, match=expected):
            await fetch(httpserver.url_for("/x"))


async def test_stalled_response_times_out_quickly(raw: RawServer) -> None:
    raw.routes["/stall"] = feedserver.stall()
    started = time.monotonic()
    async with Fetcher(local(read_timeout=0.5)) as fetcher:
        with pytest.raises(FetchTimeoutError):
            await fetcher.fetch_page(raw.url("/stall"))
    assert time.monotonic() - started < 3


async def test_slow_drip_is_cut_by_the_total_timeout(raw: RawServer) -> None:
    raw.routes["/drip"] = feedserver.drip(interval=0.1)
    started = time.monotonic()
    async with Fetcher(local(read_timeout=1.0, total_timeout=1.5)) as fetcher:
        with pytest.raises(FetchTimeoutError, match=r"1\.5 s"):
            await fetcher.fetch_feed(raw.url("/drip"))
    assert 1.4 < time.monotonic() - started < 3


async def test_fifty_megabyte_body_stops_at_the_cap(raw: RawServer) -> None:
    handler = feedserver.stream(50 * 1024 * 1024)
    raw.routes["/big"] = handler
    started = time.monotonic()
    async with Fetcher(local()) as fetcher:
        with pytest.raises(BodyTooLargeError, match="5242880"):
            await fetcher.fetch_page(raw.url("/big"))
    assert time.monotonic() - started < 5
    assert handler.sent < 20 * 1024 * 1024  # the client hung up long before the end


async def test_declared_oversize_body_is_refused_before_reading(raw: RawServer) -> None:
    raw.routes["/big"] = feedserver.stream(50 * 1024 * 1024, chunked=False)
    async with Fetcher(local()) as fetcher:
        with pytest.raises(BodyTooLargeError, match="declared"):
            await fetcher.fetch_page(raw.url("/big"))


async def test_gzip_bomb_stops_early_on_decoded_size(raw: RawServer) -> None:
    raw.routes["/bomb"] = feedserver.gzip_bomb(200 * 1024 * 1024)
    started = time.monotonic()
    async with Fetcher(local()) as fetcher:
        with pytest.raises(BodyTooLargeError, match="decoded"):
            await fetcher.fetch_page(raw.url("/bomb"))
    assert time.monotonic() - started < 3


async def test_gzip_encoded_feed_is_decoded(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        gzip.compress(GUARDIAN), content_type=RSS, headers={"Content-Encoding": "gzip"}
    )
    async with Fetcher(local()) as fetcher:
        response = await fetcher.fetch_feed(httpserver.url_for("/feed"))
    assert response.feed is not None
    assert len(response.feed.entries) == 55


ARTICLE = (
    "<html><head>{meta}<title>Новости дня</title></head><body><article><h1>Новости дня</h1>"
    + "<p>Жители Оренбурга обсуждают новый мост через реку Урал, который откроют весной. "
    "Строители обещают закончить работы в срок, а городские власти готовят новые маршруты.</p>"
    * 4
    + "</article></body></html>"
)


@pytest.mark.parametrize(
    ("content_type", "meta", "encoding"),
    [
        ("text/html", "", "windows-1251"),  # no charset anywhere
        ("text/html; charset=utf-8", "", "windows-1251"),  # header lies
        ("text/html; charset=iso-8859-1", "", "utf-8"),  # the classic server default
        ("text/html", '<meta charset="windows-1251">', "windows-1251"),  # only the document says
        ("text/html; charset=koi8-r", "", "koi8-r"),  # header right, body not UTF-8
    ],
)
async def test_page_charsets_wrong_or_missing_are_decoded(
    httpserver: HTTPServer, content_type: str, meta: str, encoding: str
) -> None:
    body = ARTICLE.format(meta=meta).encode(encoding)
    httpserver.expect_request("/page").respond_with_data(body, content_type=content_type)
    async with Fetcher(local()) as fetcher:
        article = await fetcher.fetch_page(httpserver.url_for("/page"))
    assert article.title == "Новости дня"
    assert "Жители Оренбурга обсуждают новый мост" in article.text


@pytest.mark.parametrize(
    ("name", "content_type", "title"),
    [
        ("node-feedparser/iconv.xml", "text/xml", "В Бузулуке главные стройплощадки"),
        ("node-feedparser/iconv.xml", "application/rss+xml; charset=iso-8859-1", "В Бузулуке"),
        ("node-feedparser/iconv.xml", "text/xml; charset=utf-8", "В Бузулуке главные"),
        ("netnewswire/kc0011.rss", "text/xml; charset=utf-8", "建国35周年纪念"),
        ("netnewswire/kc0011.rss", "application/rss+xml", "建国35周年纪念"),
        ("rss-parser/encoding.rss", "application/rss+xml; charset=utf-8", "Mãe de utente"),
        ("rss-parser/guardian.rss", "text/xml; charset=iso-8859-1", "Trump State of the Union"),
    ],
)
async def test_feed_charsets_wrong_or_missing_in_the_header_are_survived(
    httpserver: HTTPServer, name: str, content_type: str, title: str
) -> None:
    body = (FEEDS / "real" / name).read_bytes()
    httpserver.expect_request("/feed").respond_with_data(body, content_type=content_type)
    async with Fetcher(local()) as fetcher:
        response = await fetcher.fetch_feed(httpserver.url_for("/feed"))
    assert response.feed is not None
    assert response.feed.entries[0].title.startswith(title)


async def test_per_host_limit_caps_concurrent_requests(raw: RawServer) -> None:
    def slow(request: feedserver.Request, conn) -> None:
        time.sleep(0.2)
        feedserver.respond(GUARDIAN, headers={"Content-Type": RSS})(request, conn)

    raw.routes["/feed"] = slow
    async with Fetcher(local(per_host_connections=2)) as fetcher:
        await asyncio.gather(*(fetcher.fetch_feed(raw.url("/feed")) for _ in range(6)))
    assert raw.max_active == 2
    assert len(raw.requests) == 6


async def test_proxy_from_environment_is_ignored_by_default(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://192.0.2.1:9")
    monkeypatch.setenv("ALL_PROXY", "http://192.0.2.1:9")
    httpserver.expect_request("/feed").respond_with_data(GUARDIAN, content_type=RSS)
    async with Fetcher(local()) as fetcher:
        response = await fetcher.fetch_feed(httpserver.url_for("/feed"))
    assert response.feed is not None


async def test_page_is_extracted_with_metadata(httpserver: HTTPServer) -> None:
    page = (
        '<html lang="en"><head><title>Bridge opens | Daily Planet</title>'
        '<meta property="og:site_name" content="Daily Planet">'
        '<meta property="article:published_time" content="2024-03-05T10:00:00Z">'
        "</head><body><article><h1>Bridge opens</h1>"
        + "<p>The new bridge over the river opened on Tuesday after three years of work, "
        "and the first buses crossed it before dawn.</p>" * 5 + "</article></body></html>"
    )

    def handler(request: Request) -> Response:
        return Response(page, content_type="text/html; charset=utf-8")

    httpserver.expect_request("/story").respond_with_handler(handler)
    async with Fetcher(local()) as fetcher:
        article = await fetcher.fetch_page(httpserver.url_for("/story"))
    assert article.title == "Bridge opens"
    assert article.site_name == "Daily Planet"
    assert article.published is not None
    assert article.published.year == 2024
    assert article.language == "en"
    assert article.text.startswith("The new bridge over the river opened")
    assert article.url == httpserver.url_for("/story")


async def test_feeds_parse_in_worker_processes_when_configured(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(GUARDIAN, content_type=RSS)
    httpserver.expect_request("/broken").respond_with_data(b"<rss><channel>", content_type=RSS)
    async with Fetcher(local(parse_processes=1)) as fetcher:
        await fetcher.warm_up()
        response = await fetcher.fetch_feed(httpserver.url_for("/feed"))
        with pytest.raises(ParseError, match="not a readable feed"):
            await fetcher.fetch_feed(httpserver.url_for("/broken"))
    assert response.feed is not None
    assert len(response.feed.entries) == 55


async def test_page_without_article_text_is_an_extraction_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/empty").respond_with_data(
        "<html><head><title>Nothing</title></head><body><img src='x.png'></body></html>",
        content_type="text/html",
    )
    async with Fetcher(local()) as fetcher:
        with pytest.raises(ExtractionError, match="no article text"):
            await fetcher.fetch_page(httpserver.url_for("/empty"))


async def test_a_timeout_is_retried_and_then_succeeds(raw: RawServer) -> None:
    answers = iter(
        [feedserver.stall(2.0, RSS), feedserver.respond(GUARDIAN, headers={"Content-Type": RSS})]
    )

    def first_stalls_then_answers(request: feedserver.Request, conn) -> None:
        next(answers)(request, conn)

    raw.routes["/feed"] = first_stalls_then_answers
    sleeps = Sleeps()
    async with Fetcher(local(read_timeout=0.3, retries=1), sleep=sleeps) as fetcher:
        response = await fetcher.fetch_feed(raw.url("/feed"))
    assert response.feed is not None
    assert len(raw.requests) == 2
    assert len(sleeps.delays) == 1


async def test_a_refused_connection_is_not_retried() -> None:
    # Bound but never listening: connecting is refused, and no other test's server can be
    # given this port meanwhile (a stopped server's port could be, and would answer).
    with socket.socket() as refusing:
        refusing.bind(("127.0.0.1", 0))
        port = refusing.getsockname()[1]
        sleeps = Sleeps()
        async with Fetcher(local(retries=3), sleep=sleeps) as fetcher:
            with pytest.raises(FetchError, match="connection failed"):
                await fetcher.fetch_feed(f"http://127.0.0.1:{port}/feed")
    assert sleeps.delays == []
