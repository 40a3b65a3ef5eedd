"""URL safety: hostile URLs are refused with a reason, and the servers they aim at see nothing.

Server A listens on 127.0.0.1 and server B on 127.0.0.2. Every hostile URL aims at one of
them (or at an address that would reach the machine's network), and after the table has run
both servers must have accepted zero TCP connections. A positive control proves the same URLs
would have connected had they not been refused.
"""

from __future__ import annotations

import ipaddress

import pytest

from bot.config import FetchSettings
from bot.errors import HostNotFoundError, UnsafeURLError
from bot.feeds.fetch import Fetcher
from bot.feeds.safety import system_resolver
from tests import feedserver
from tests.feedserver import RawServer

PAGE = b"<html><body><p>hello</p></body></html>"
LOOPBACK_A = [ipaddress.ip_network("127.0.0.1/32")]


@pytest.fixture
def server_a():
    yield from feedserver.raw_server("127.0.0.1")


@pytest.fixture
def server_b():
    yield from feedserver.raw_server("127.0.0.2")


def resolver_for(names: dict[str, list[str]]):
    """A resolver with fixed answers for test names, the system's for everything else."""

    async def resolve(host: str, port: int) -> list[str]:
        if host in names:
            return names[host]
        if host.endswith(".test"):
            raise HostNotFoundError(f"cannot resolve {host}")
        return await system_resolver(host, port)

    return resolve


NAMES = {
    "loopback.test": ["127.0.0.1"],
    "inner.test": ["127.0.0.2"],
    "intranet.test": ["10.1.2.3"],
    "metadata.test": ["169.254.169.254"],
    "mixed.test": ["93.184.216.34", "127.0.0.1"],
    "v6loop.test": ["::1"],
    "mapped.test": ["::ffff:127.0.0.1"],
    "cgnat.test": ["100.64.1.1"],
}

# (URL template, a fragment the refusal must contain); {a} and {b} are the servers' ports.
HOSTILE = [
    ("http://127.0.0.1:{a}/", "loopback"),
    ("http://2130706433:{a}/", "loopback"),
    ("http://0x7f.1:{a}/", "loopback"),
    ("http://0x7f000001:{a}/", "loopback"),
    ("http://017700000001:{a}/", "loopback"),
    ("http://0177.0.0.1:{a}/", "not a valid URL"),
    ("http://127.1:{a}/", "loopback"),
    ("http://127.0.0.2:{b}/", "loopback"),
    ("http://[::ffff:127.0.0.1]:{a}/", "loopback"),
    ("http://[::ffff:7f00:1]:{a}/", "loopback"),
    ("http://[::1]:{a}/", "loopback"),
    ("http://localhost:{a}/", "localhost is a loopback name"),
    ("http://LOCALHOST.:{a}/", "loopback name"),
    ("http://api.localhost:{a}/", "loopback name"),
    ("http://loopback.test:{a}/", "loopback.test resolves to 127.0.0.1"),
    ("http://inner.test:{b}/", "loopback"),
    ("http://mixed.test:{a}/", "127.0.0.1, which is a loopback"),
    ("http://v6loop.test:{a}/", "loopback"),
    ("http://mapped.test:{a}/", "loopback"),
    ("http://0.0.0.0:{a}/", "unspecified"),
    ("http://0:{a}/", "unspecified"),
    ("http://[::]:{a}/", "unspecified"),
    ("http://10.0.0.1/", "private"),
    ("http://172.16.5.4/", "private"),
    ("http://192.168.1.1/", "private"),
    ("http://intranet.test/", "private"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://metadata.test/latest/meta-data/", "link-local"),
    ("http://[fe80::1]/", "link-local"),
    ("http://100.64.0.1/", "carrier-grade NAT"),
    ("http://cgnat.test/", "carrier-grade NAT"),
    ("http://224.0.0.1/", "multicast"),
    ("http://[ff02::1]/", "multicast"),
    ("http://240.0.0.1/", "reserved"),
    ("http://255.255.255.255/", "reserved"),
    ("http://[fc00::1]/", "private"),
    ("http://[2002:7f00:1::]:{a}/", "embedded in 2002:7f00:1::"),
    ("http://[64:ff9b::7f00:1]:{a}/", "embedded in"),
    ("http://[::ffff:10.0.0.1]/", "private"),
    ("http://user:secret@example.com/", "credentials"),
    ("file:///etc/passwd", "only http and https"),
    ("ftp://127.0.0.1:{a}/", "only http and https"),
    ("gopher://127.0.0.1:{a}/_GET", "only http and https"),
    ("ws://127.0.0.1:{a}/", "only http and https"),
    ("javascript:alert(1)", "only http and https"),
    ("data:text/html,<b>hi</b>", "only http and https"),
    ("http://%31%32%37.0.0.1:{a}/", "not a valid host name"),
]


async def test_hostile_urls_are_refused_and_never_connect(
    server_a: RawServer, server_b: RawServer
) -> None:
    assert len(HOSTILE) >= 30
    wrong = []
    async with Fetcher(FetchSettings(), resolver=resolver_for(NAMES)) as fetcher:
        for template, reason in HOSTILE:
            url = template.format(a=server_a.port, b=server_b.port)
            for fetch in (fetcher.fetch_page, fetcher.fetch_feed):
                try:
                    await fetch(url)
                except UnsafeURLError as exc:
                    if not str(exc).startswith("refused ") or reason not in str(exc):
                        wrong.append(f"{url}: {exc}")
                else:
                    wrong.append(f"{url}: not refused")
    assert not wrong, "\n".join(wrong)
    assert server_a.connections == 0
    assert server_b.connections == 0


async def test_positive_control_the_same_addresses_connect_when_trusted(
    server_a: RawServer, server_b: RawServer
) -> None:
    """Without this, 'zero connections' could mean the servers were unreachable anyway."""
    server_a.routes["/"] = feedserver.respond(PAGE, headers={"Content-Type": "text/html"})
    server_b.routes["/"] = feedserver.respond(PAGE, headers={"Content-Type": "text/html"})
    async with Fetcher(FetchSettings(), resolver=resolver_for(NAMES)) as fetcher:
        for url in ("http://2130706433:{a}/", "http://0x7f.1:{a}/", "http://inner.test:{b}/"):
            await fetcher.fetch_page(url.format(a=server_a.port, b=server_b.port), trusted=True)
    assert server_a.connections >= 1
    assert server_b.connections == 1


async def test_config_switch_allows_private_networks(server_a: RawServer) -> None:
    server_a.routes["/"] = feedserver.respond(PAGE, headers={"Content-Type": "text/html"})
    async with Fetcher(FetchSettings(allow_private_networks=True)) as fetcher:
        await fetcher.fetch_page(server_a.url("/"))
    assert server_a.connections == 1


REDIRECT_TARGETS = [
    ("http://127.0.0.2:{b}/", "loopback"),
    ("http://inner.test:{b}/", "inner.test resolves to 127.0.0.2"),
    ("http://[::ffff:127.0.0.2]:{b}/", "loopback"),
    ("http://2130706434:{b}/", "loopback"),
    ("http://10.0.0.1/", "private"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("file:///etc/passwd", "only http and https"),
]


@pytest.mark.parametrize(("target", "reason"), REDIRECT_TARGETS)
async def test_redirect_into_a_private_address_is_refused_before_connecting(
    server_a: RawServer, server_b: RawServer, target: str, reason: str
) -> None:
    """A (treated as public here) redirects into B or other private ranges: B sees nothing."""
    location = target.format(b=server_b.port)
    server_a.routes["/go"] = feedserver.respond(status=302, headers={"Location": location})
    async with Fetcher(
        FetchSettings(), resolver=resolver_for(NAMES), allowed_networks=LOOPBACK_A
    ) as fetcher:
        with pytest.raises(UnsafeURLError, match=reason):
            await fetcher.fetch_page(server_a.url("/go"))
    assert [r.path for r in server_a.requests] == ["/go"]
    assert server_b.connections == 0


async def test_dns_rebinding_between_check_and_connect_is_refused(
    server_a: RawServer, server_b: RawServer
) -> None:
    """The name passes the check as A, then resolves to B when the socket is opened."""
    answers = iter([["127.0.0.1"], ["127.0.0.2"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    async with Fetcher(FetchSettings(), resolver=rebinding, allowed_networks=LOOPBACK_A) as f:
        with pytest.raises(UnsafeURLError, match=r"rebind\.test resolves to 127\.0\.0\.2"):
            await f.fetch_page(f"http://rebind.test:{server_b.port}/")
    assert server_a.connections == 0
    assert server_b.connections == 0


async def test_unknown_host_is_a_typed_fetch_error() -> None:
    async with Fetcher(FetchSettings(), resolver=resolver_for({})) as fetcher:
        with pytest.raises(HostNotFoundError, match="cannot resolve"):
            await fetcher.fetch_page("http://nowhere.test/")
