"""URL safety: only public http(s) addresses, checked at resolve time *and* at connect time.

A user-supplied URL must not make the bot reach the machine it runs on or the network behind
it (SSRF). `AddressGuard` resolves a host and refuses any loopback, private, link-local, CGNAT,
multicast, reserved or unspecified address, including IPv4-mapped/6to4/NAT64 IPv6 and legacy
spellings such as `2130706433` or `0x7f.1`. `CheckedBackend` is an httpcore network backend
that performs the same check when it opens a socket and connects to the very address it
checked, so DNS rebinding between the check and the connect cannot slip through.

Whether private addresses are allowed for the current request travels in a context variable
set by the fetcher, because httpcore opens connections inside the requesting task.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import re
import socket
import urllib.request
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextvars import ContextVar

import httpcore
import httpx

from bot.errors import HostNotFoundError, UnsafeURLError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# (host, port) -> the addresses the host resolves to, as strings.
Resolver = Callable[[str, int], Awaitable[list[str]]]

ALLOWED_SCHEMES = frozenset({"http", "https"})
_HOST_NAME = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*\.?$")
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

_allow_private: ContextVar[bool] = ContextVar("newsbot_allow_private", default=False)


@contextlib.contextmanager
def private_networks_allowed(allowed: bool) -> Iterator[None]:
    """Within this block, connections opened by `CheckedBackend` may reach private addresses."""
    token = _allow_private.set(allowed)
    try:
        yield
    finally:
        _allow_private.reset(token)


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve with the operating system's resolver (getaddrinfo, off the event loop)."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise HostNotFoundError(f"cannot resolve {host}: {exc.strerror}") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def literal_address(host: str) -> IPAddress | None:
    """The address a host string denotes by itself, in any spelling the C library accepts."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        # inet_aton accepts the legacy forms: 2130706433, 0x7f.1, 0177.0.0.1, 127.1.
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_problem(address: IPAddress) -> str | None:
    """Why this address must not be reached from a user's URL, or None when it is public."""
    if isinstance(address, ipaddress.IPv6Address) and (inner := _embedded_ipv4(address)):
        problem = address_problem(inner)
        return f"{problem} (embedded in {address})" if problem else None
    checks = (
        (address.is_unspecified, "an unspecified address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address in _CGNAT, "a carrier-grade NAT address"),
        (address.is_reserved, "a reserved address"),
        (address.is_private, "a private address"),
        (not address.is_global, "not a public address"),
    )
    return next((label for failed, label in checks if failed), None)


def check_scheme_and_host(url: httpx.URL) -> str:
    """The URL's host, after refusing non-http(s) schemes, credentials and malformed hosts."""
    if url.scheme not in ALLOWED_SCHEMES:
        raise UnsafeURLError(f"refused {url}: only http and https URLs are allowed")
    if url.userinfo:
        raise UnsafeURLError(f"refused {url}: credentials in the URL are not allowed")
    # The ASCII (IDNA) form: `пример.рф` is checked and resolved as `xn--e1afmkfd.xn--p1ai`.
    host = url.raw_host.decode("ascii", errors="replace")
    if not host:
        raise UnsafeURLError(f"refused {url}: no host")
    if literal_address(host) is None and not _HOST_NAME.match(host):
        raise UnsafeURLError(f"refused {url}: {host!r} is not a valid host name")
    return host


def default_port(url: httpx.URL) -> int:
    """The URL's port, or the scheme's default."""
    return url.port or (443 if url.scheme == "https" else 80)


class AddressGuard:
    """Resolve hosts and refuse addresses a user's URL must not reach."""

    def __init__(
        self,
        resolver: Resolver | None = None,
        allowed_networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network] = (),
    ) -> None:
        self._resolver = resolver or system_resolver
        # Explicit exceptions to the rule, e.g. a newsroom's own intranet host.
        self._allowed = tuple(allowed_networks)

    async def resolve(
        self, host: str, port: int, *, allow_private: bool, subject: str | None = None
    ) -> list[str]:
        """Addresses to connect to for host:port, every one of them checked.

        `subject` names what is refused in the error message (the URL, by default the host).
        """
        name = host.rstrip(".").lower()
        if not allow_private and (name == "localhost" or name.endswith(".localhost")):
            raise UnsafeURLError(f"refused {subject or host}: {host} is a loopback name")
        literal = literal_address(host)
        addresses = [str(literal)] if literal else await self._resolver(host, port)
        if not addresses:
            raise HostNotFoundError(f"cannot resolve {host}: no addresses")
        if allow_private:
            return addresses
        for text in addresses:
            address = ipaddress.ip_address(text.split("%", 1)[0])
            if any(address in network for network in self._allowed):
                continue
            problem = address_problem(address)
            if problem:
                what = host if literal else f"{host} resolves to {text}, which"
                raise UnsafeURLError(f"refused {subject or host}: {what} is {problem}")
        return addresses

    async def check_url(self, url: httpx.URL, *, allow_private: bool) -> None:
        """Refuse the URL before any connection is made; the message says why."""
        host = check_scheme_and_host(url)
        await self.resolve(host, default_port(url), allow_private=allow_private, subject=str(url))


class CheckedBackend(httpcore.AsyncNetworkBackend):
    """Opens TCP connections only to addresses the guard approved at this very moment."""

    def __init__(self, guard: AddressGuard, inner: httpcore.AsyncNetworkBackend | None = None):
        self._guard = guard
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore backend interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Resolve and check `host`, then connect to the first checked address that answers."""
        addresses = await self._guard.resolve(host, port, allow_private=_allow_private.get())
        error: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore backend interface
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Unix sockets are never reachable from a URL."""
        raise UnsafeURLError("refused: unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        """Delegate to the wrapped backend."""
        await self._inner.sleep(seconds)


class ProxyTransport(httpx.AsyncBaseTransport):
    """`fetch.trust_env`: requests go through the proxy the environment names for their scheme
    (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY) unless NO_PROXY exempts the host; others go direct.

    The proxy itself is the operator's choice, so its own address may be private. The target
    URL is still checked before every hop; the proxy, not us, connects to it.
    """

    def __init__(
        self, direct: httpx.AsyncBaseTransport, limits: httpx.Limits, environ: dict[str, str]
    ) -> None:
        self._direct = direct
        self._proxies = {
            scheme: httpx.AsyncHTTPTransport(proxy=url, limits=limits, trust_env=True)
            for scheme in ALLOWED_SCHEMES
            if (url := environ.get(scheme) or environ.get("all"))
        }

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send through the scheme's proxy, or directly when there is none or NO_PROXY says so."""
        proxy = self._proxies.get(request.url.scheme)
        host = request.url.raw_host.decode("ascii")
        if proxy is None or urllib.request.proxy_bypass(host):
            return await self._direct.handle_async_request(request)
        return await proxy.handle_async_request(request)

    async def aclose(self) -> None:
        """Close the direct transport and every proxy's pool."""
        await self._direct.aclose()
        for proxy in self._proxies.values():
            await proxy.aclose()


def checked_transport(
    guard: AddressGuard, limits: httpx.Limits, trust_env: bool
) -> httpx.AsyncBaseTransport:
    """The fetcher's transport: `CheckedTransport`, behind the environment's proxies if trusted."""
    direct = CheckedTransport(guard, limits, trust_env)
    if not trust_env:
        return direct
    return ProxyTransport(direct, limits, urllib.request.getproxies_environment())


class CheckedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with its connection pool built on `CheckedBackend`."""

    def __init__(self, guard: AddressGuard, limits: httpx.Limits, trust_env: bool) -> None:
        super().__init__(limits=limits, trust_env=trust_env)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=trust_env),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=CheckedBackend(guard),
        )
