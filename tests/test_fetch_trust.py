"""Catalogue trust covers the configured host only; foreign URL errors become typed errors;
internationalised host names work and are still address-checked."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from bot.config import FetchSettings
from bot.errors import FetchError, UnsafeURLError
from bot.feeds.fetch import Fetcher
from tests import feedserver
from tests.feedserver import RawServer
from tests.test_url_safety import LOOPBACK_A, NAMES, PAGE, resolver_for, server_a, server_b

__all__ = ["server_a", "server_b"]  # fixtures, imported for pytest

HTML = {"Content-Type": "text/html"}


async def test_catalogue_trust_does_not_follow_a_redirect_to_another_private_host(
    server_b: RawServer,
) -> None:
    """inner.test (private) is trusted; its redirect to the same machine by another name is not."""
    server_b.routes["/go"] = feedserver.respond(
        status=302, headers={"Location": f"http://127.0.0.2:{server_b.port}/secret"}
    )
    async with Fetcher(FetchSettings(), resolver=resolver_for(NAMES)) as fetcher:
        with pytest.raises(UnsafeURLError, match="loopback address"):
            await fetcher.fetch_page(f"http://inner.test:{server_b.port}/go", trusted=True)
    assert [r.path for r in server_b.requests] == ["/go"]


async def test_catalogue_trust_covers_redirects_within_the_configured_host(
    server_b: RawServer,
) -> None:
    server_b.routes["/go"] = feedserver.respond(status=301, headers={"Location": "/page"})
    server_b.routes["/page"] = feedserver.respond(PAGE, headers=HTML)
    async with Fetcher(FetchSettings(), resolver=resolver_for(NAMES)) as fetcher:
        fetched = await fetcher.fetch(
            f"http://inner.test:{server_b.port}/go", kind="page", trusted=True
        )
    assert fetched.body == PAGE


class _KeepAlive(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keeps connections open, so a pool can reuse them
    requests = 0
    paths: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).requests += 1
        type(self).paths.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def keepalive_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.2", 0), _KeepAlive)
    _KeepAlive.requests = 0
    _KeepAlive.paths = []
    _KeepAlive.paths = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


async def test_an_untrusted_request_never_reuses_a_connection_opened_under_trust(
    keepalive_server: ThreadingHTTPServer,
) -> None:
    """shared.test is private when the catalogue fetches it, then rebinds to a "public"
    address: the untrusted request must open (and check) its own connection."""
    answers = {"shared.test": ["127.0.0.2"]}
    settings = FetchSettings(connect_timeout=2, retries=0)
    url = f"http://shared.test:{keepalive_server.server_address[1]}/"
    async with Fetcher(settings, resolver=resolver_for(answers), allowed_networks=LOOPBACK_A) as f:
        await f.fetch(url, kind="page", trusted=True)
        answers["shared.test"] = ["127.0.0.1"]  # allowed as "public"; nothing listens there
        with pytest.raises(FetchError, match="connection failed"):
            await f.fetch(url, kind="page")
    assert _KeepAlive.requests == 1


@pytest.mark.parametrize(
    "location",
    ["javascript:alert(1)", "http://xn--/", "http://[/", "http://a\u0000b/", "http://xn--ls8h./"],
)
async def test_a_malformed_redirect_is_a_typed_fetch_error(
    server_a: RawServer, location: str
) -> None:
    server_a.routes["/go"] = feedserver.respond(status=302, headers={"Location": location})
    async with Fetcher(
        FetchSettings(), resolver=resolver_for(NAMES), allowed_networks=LOOPBACK_A
    ) as fetcher:
        with pytest.raises(FetchError):
            await fetcher.fetch_page(server_a.url("/go"))


@pytest.mark.parametrize("url", ["http://xn--/", "http://[::1/", "http://\u0000/", 5])
async def test_a_malformed_url_is_refused_as_unsafe(url: str) -> None:
    async with Fetcher(FetchSettings(), resolver=resolver_for({})) as fetcher:
        with pytest.raises(FetchError):
            await fetcher.fetch_page(url)


async def test_an_internationalised_host_name_is_fetched_by_its_ascii_form(
    server_a: RawServer,
) -> None:
    server_a.routes["/"] = feedserver.respond(PAGE, headers=HTML)
    names = {"xn--e1afmkfd.xn--p1ai": ["127.0.0.1"]}
    async with Fetcher(
        FetchSettings(), resolver=resolver_for(names), allowed_networks=LOOPBACK_A
    ) as fetcher:
        fetched = await fetcher.fetch(f"http://пример.рф:{server_a.port}/", kind="page")
    assert fetched.body == PAGE


async def test_an_internationalised_host_name_keeps_the_address_checks() -> None:
    names = {"xn--e1afmkfd.xn--p1ai": ["10.1.2.3"]}
    async with Fetcher(FetchSettings(), resolver=resolver_for(names)) as fetcher:
        with pytest.raises(UnsafeURLError, match="private address"):
            await fetcher.fetch_page("http://пример.рф/")


async def test_trust_env_sends_through_the_environment_proxy_and_still_checks_targets(
    keepalive_server: ThreadingHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = f"http://127.0.0.2:{keepalive_server.server_address[1]}"
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    names = {"far.test": ["93.184.216.34"], **NAMES}
    settings = FetchSettings(trust_env=True, retries=0)
    async with Fetcher(settings, resolver=resolver_for(names)) as fetcher:
        fetched = await fetcher.fetch("http://far.test/story", kind="page")
        with pytest.raises(UnsafeURLError, match="private address"):
            await fetcher.fetch("http://intranet.test/", kind="page")
    assert fetched.body == PAGE
    assert _KeepAlive.paths == ["http://far.test/story"]


async def test_an_over_long_url_is_refused_before_any_lookup() -> None:
    async with Fetcher(FetchSettings(), resolver=resolver_for({})) as fetcher:
        with pytest.raises(UnsafeURLError, match="at most 2048"):
            await fetcher.fetch_page("http://news.test/" + "a" * 3000)
