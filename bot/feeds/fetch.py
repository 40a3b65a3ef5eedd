"""The one place newsbot talks HTTP to the outside world: feeds, pages and feed discovery.

`Fetcher` owns a single `httpx.AsyncClient` for the process. Every request goes through URL
safety (scheme and resolved address, re-checked on every redirect hop and again at connect
time), timeouts (connect/read from httpx, total around the whole exchange), global and
per-host concurrency limits, a decoded-size cap, content-type checks, retries with jittered
exponential back-off for timeouts and 5xx only, and per-host Retry-After for 429/503.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from multiprocessing import get_context
from types import TracebackType
from typing import Self

import httpx

from bot.config import FetchSettings
from bot.errors import (
    BodyTooLargeError,
    ExtractionError,
    FetchError,
    FetchTimeoutError,
    HTTPStatusError,
    NewsbotError,
    RateLimitedError,
    TooManyRedirectsError,
    UnsafeURLError,
)
from bot.feeds import discover
from bot.feeds.body import ACCEPT_ENCODING, read_capped
from bot.feeds.charset import charset_from_content_type, decode_text
from bot.feeds.extract import article_from_entry, extract_article_async, is_usable
from bot.feeds.parse import parse_feed
from bot.feeds.responses import (
    FEED_ACCEPT,
    PAGE_ACCEPT,
    PAGE_TYPES,
    Fetched,
    Kind,
    check_content_type,
    parse_retry_after,
)
from bot.feeds.safety import (
    AddressGuard,
    Resolver,
    checked_transport,
    private_networks_allowed,
)
from bot.model import Article, Entry, Feed, FeedResponse

log = logging.getLogger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# A 503 asking for at most this many seconds is waited out inside the fetch; longer is raised.
RETRY_AFTER_INLINE_MAX = 5.0
# A 429 without a usable Retry-After blocks the host for this long (seconds).
DEFAULT_RETRY_AFTER = 60.0
_EMPTY_FEED = b'{"version": "https://jsonfeed.org/version/1.1", "items": []}'
# Retry delay for attempt n is RETRY_BASE_DELAY * 2**n, times a factor in [0.5, 1.5).
RETRY_BASE_DELAY = 0.5
# Longer URLs are refused: no real article needs one, and they end up in replies and logs.
MAX_URL_CHARS = 2048


class _Retryable(Exception):  # noqa: N818 - internal signal, never escapes this module
    def __init__(self, error: FetchError, wait: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.wait = wait


class Fetcher:
    """Safe, polite HTTP for feeds and pages; use as an async context manager."""

    def __init__(
        self,
        settings: FetchSettings | None = None,
        *,
        resolver: Resolver | None = None,
        allowed_networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network] = (),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.settings = settings or FetchSettings()
        self._guard = AddressGuard(resolver, allowed_networks)
        self._sleep = sleep
        s = self.settings
        limits = httpx.Limits(
            max_connections=s.max_connections, max_keepalive_connections=s.max_connections
        )
        # Requests under catalogue trust get a pool of their own: an untrusted request must
        # never reuse a socket opened while private addresses were allowed.
        self._client, self._trusted_client = (self._new_client(limits) for _ in range(2))
        self._parse_pool = (
            ProcessPoolExecutor(s.parse_processes, mp_context=get_context("spawn"))
            if s.parse_processes
            else None
        )
        self._global = asyncio.Semaphore(s.max_connections)
        self._per_host: dict[str, asyncio.Semaphore] = {}
        self._blocked_until: dict[str, float] = {}

    def _new_client(self, limits: httpx.Limits) -> httpx.AsyncClient:
        s = self.settings
        return httpx.AsyncClient(
            transport=checked_transport(self._guard, limits, s.trust_env),
            timeout=httpx.Timeout(
                connect=s.connect_timeout,
                read=s.read_timeout,
                write=s.read_timeout,
                pool=s.total_timeout,
            ),
            headers={"User-Agent": s.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
            follow_redirects=False,
            trust_env=s.trust_env,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the shared clients, their connections and the parsing processes."""
        await self._client.aclose()
        await self._trusted_client.aclose()
        if self._parse_pool is not None:
            self._parse_pool.shutdown(wait=False, cancel_futures=True)

    # -- public API ---------------------------------------------------------------------------

    async def fetch_feed(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        trusted: bool = False,
    ) -> FeedResponse:
        """Fetch and parse a feed; a 304 answer to our validators costs no parsing."""
        headers = {"Accept": FEED_ACCEPT}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        fetched = await self.fetch(url, kind="feed", headers=headers, trusted=trusted)
        new_etag = fetched.headers.get("etag") or etag
        new_modified = fetched.headers.get("last-modified") or last_modified
        if fetched.status == 304:
            return FeedResponse(fetched.url, True, None, new_etag, new_modified)
        feed = await self._parse(fetched.body, fetched.url, fetched.headers.get("content-type"))
        return FeedResponse(fetched.url, False, feed, new_etag, new_modified)

    async def fetch_page(self, url: str, *, trusted: bool = False) -> Article:
        """Fetch a web page and extract its article (off the event loop)."""
        fetched = await self.fetch(
            url, kind="page", headers={"Accept": PAGE_ACCEPT}, trusted=trusted
        )
        article = await extract_article_async(self.page_text(fetched), fetched.url)
        if not article.text:
            raise ExtractionError(f"{fetched.url}: no article text found on the page")
        return article

    def article_from_entry(self, entry: Entry, site_name: str | None = None) -> Article:
        """The entry's own content as an article (`bot.feeds.extract.article_from_entry`)."""
        return article_from_entry(entry, site_name)

    def is_usable(self, article: Article) -> bool:
        """Whether a page gave enough text to summarise (`bot.feeds.extract.is_usable`)."""
        return is_usable(article)

    async def discover_feeds(self, url: str, *, trusted: bool = False) -> list[str]:
        """Feed URLs for a site: the URL itself if it is a feed, else linked feeds, else common
        paths that answer with a parseable feed."""
        fetched = await self.fetch(url, kind="any", trusted=trusted)
        if fetched.content_type not in PAGE_TYPES:
            try:
                await self._parse(fetched.body, fetched.url, None)
            except NewsbotError:
                return []
            return [fetched.url]
        linked = discover.feed_links(self.page_text(fetched), fetched.url)
        if linked:
            return linked
        probes = await asyncio.gather(
            *(self.fetch_feed(c, trusted=trusted) for c in discover.common_feed_urls(fetched.url)),
            return_exceptions=True,
        )
        for probe in probes:
            if isinstance(probe, BaseException) and not isinstance(probe, NewsbotError):
                raise probe
        found = [
            probe.url
            for probe in probes
            if isinstance(probe, FeedResponse) and probe.feed is not None and probe.feed.entries
        ]
        return list(dict.fromkeys(found))

    @staticmethod
    def page_text(fetched: Fetched) -> str:
        """The body as text, with the header's charset as the first guess."""
        return decode_text(
            fetched.body, charset_from_content_type(fetched.headers.get("content-type"))
        )

    async def fetch(
        self,
        url: str,
        *,
        kind: Kind,
        headers: Mapping[str, str] | None = None,
        trusted: bool = False,
    ) -> Fetched:
        """GET `url` with every safety and politeness rule; raise a typed FetchError otherwise."""
        if isinstance(url, str) and len(url) > MAX_URL_CHARS:
            raise UnsafeURLError(
                f"refused a URL of {len(url)} characters (at most {MAX_URL_CHARS})"
            )
        try:
            start = httpx.URL(url)
        except (httpx.InvalidURL, TypeError, ValueError) as exc:  # ValueError: idna's errors
            raise UnsafeURLError(f"refused {url!r}: not a valid URL ({exc})") from None
        trusted_host = start.host if trusted else None
        try:
            async with asyncio.timeout(self.settings.total_timeout):
                return await self._follow(start, kind, dict(headers or {}), trusted_host)
        except TimeoutError:
            raise FetchTimeoutError(
                f"{url}: no complete answer within {self.settings.total_timeout:g} s"
            ) from None

    async def warm_up(self) -> None:
        """Start the parsing processes now rather than during the first poll."""
        if self._parse_pool is not None:
            count = self.settings.parse_processes
            await asyncio.gather(*(self._parse(_EMPTY_FEED, "warm-up", None) for _ in range(count)))

    # -- internals -----------------------------------------------------------------------------

    async def _parse(self, body: bytes, url: str, content_type: str | None) -> Feed:
        """Parse off the event loop: in a worker process when configured, else a thread."""
        call = partial(parse_feed, body, url=url, content_type=content_type)
        if self._parse_pool is None:
            return await asyncio.to_thread(call)
        return await asyncio.get_running_loop().run_in_executor(self._parse_pool, call)

    async def _follow(
        self, url: httpx.URL, kind: Kind, headers: dict[str, str], trusted_host: str | None
    ) -> Fetched:
        """Follow redirects; catalogue trust covers its configured host only, never a host
        the remote redirects to."""
        seen: set[str] = set()
        for _hop in range(self.settings.max_redirects + 1):
            trusted = trusted_host is not None and url.host == trusted_host
            allow_private = trusted or self.settings.allow_private_networks
            await self._guard.check_url(url, allow_private=allow_private)
            seen.add(str(url))
            client = self._trusted_client if trusted else self._client
            with private_networks_allowed(allow_private):
                result = await self._with_retries(client, url, kind, headers)
            if isinstance(result, Fetched):
                return result
            if str(result) in seen:
                raise TooManyRedirectsError(f"redirect loop: {url} leads back to {result}")
            url = result
        raise TooManyRedirectsError(f"more than {self.settings.max_redirects} redirects")

    async def _with_retries(
        self, client: httpx.AsyncClient, url: httpx.URL, kind: Kind, headers: dict[str, str]
    ) -> Fetched | httpx.URL:
        attempt = 0
        while True:
            try:
                return await self._once(client, url, kind, headers)
            except _Retryable as retry:
                if attempt >= self.settings.retries:
                    raise retry.error from None
                factor = 0.5 + random.random()  # noqa: S311 - retry spread, not crypto
                delay = retry.wait or RETRY_BASE_DELAY * 2**attempt * factor
                log.info("retrying %s in %.1f s after: %s", url.host, delay, retry.error)
                await self._sleep(delay)
                attempt += 1

    def _host_limit(self, host: str) -> asyncio.Semaphore:
        if host not in self._per_host:
            self._per_host[host] = asyncio.Semaphore(self.settings.per_host_connections)
        return self._per_host[host]

    async def _once(
        self, client: httpx.AsyncClient, url: httpx.URL, kind: Kind, headers: dict[str, str]
    ) -> Fetched | httpx.URL:
        host = url.host
        if host in self._blocked_until:
            blocked = self._blocked_until[host] - time.monotonic()
            if blocked > 0:
                raise RateLimitedError(
                    f"{host} asked us to wait {blocked:.0f} s more", 429, blocked
                )
            del self._blocked_until[host]
        # The host slot first: a request queued behind a busy host must not hold a global slot.
        async with self._host_limit(host), self._global:
            try:
                async with client.stream("GET", url, headers=headers) as response:
                    return await self._read(url, response, kind)
            except httpx.TimeoutException as exc:
                raise _Retryable(
                    FetchTimeoutError(f"{url}: timed out ({type(exc).__name__})")
                ) from None
            except httpx.TransportError as exc:
                raise FetchError(
                    f"{url}: connection failed ({exc or type(exc).__name__})"
                ) from None
            except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
                # A malformed answer (bad encoding, header or URL) is the remote's fault.
                raise FetchError(f"{url}: unusable answer ({type(exc).__name__})") from None

    async def _read(
        self, url: httpx.URL, response: httpx.Response, kind: Kind
    ) -> Fetched | httpx.URL:
        status = response.status_code
        location = response.headers.get("location")
        if status in REDIRECT_STATUSES and location:
            try:
                return url.join(location)
            except (httpx.InvalidURL, ValueError) as exc:  # ValueError: idna's errors
                raise UnsafeURLError(f"refused redirect from {url}: bad location ({exc})") from None
        if status == 304:
            return Fetched(str(url), status, response.headers, b"")
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        if status == 429 or (status == 503 and retry_after is not None):
            wait = DEFAULT_RETRY_AFTER if retry_after is None else retry_after
            error = RateLimitedError(f"{url}: HTTP {status}, retry after {wait:g} s", status, wait)
            if status == 503 and wait <= RETRY_AFTER_INLINE_MAX:
                raise _Retryable(error, wait)
            self._blocked_until[url.host] = time.monotonic() + wait
            raise error
        if status >= 500:
            raise _Retryable(HTTPStatusError(f"{url}: server error {status}", status))
        if not 200 <= status < 300:
            raise HTTPStatusError(f"{url}: HTTP {status}", status)
        fetched = Fetched(str(url), status, response.headers, b"")
        check_content_type(str(url), fetched.content_type, kind)
        cap = self.settings.max_body_bytes
        declared = response.headers.get("content-length", "")
        if (
            not response.headers.get("content-encoding")
            and declared.isdigit()
            and int(declared) > cap
        ):
            raise BodyTooLargeError(f"{url}: {declared} bytes declared, over the {cap}-byte cap")
        encoding = response.headers.get("content-encoding", "")
        try:
            body = await read_capped(response.aiter_raw(), encoding, cap)
        except BodyTooLargeError as exc:
            raise BodyTooLargeError(f"{url}: {exc}") from None
        return Fetched(str(url), status, response.headers, body)
