"""HTTPS through the checked-address transport: we connect to the IP we checked, yet SNI, the
Host header and certificate verification all use the URL's host name."""

from __future__ import annotations

import ipaddress
import ssl
import subprocess
from pathlib import Path

import pytest

from bot.config import FetchSettings
from bot.errors import FetchError
from bot.feeds.fetch import Fetcher
from tests import feedserver

PAGE = (
    "<html><head><title>Secure story</title></head><body><article>"
    + "<p>The harbour bridge reopened after repairs that took most of the winter months.</p>" * 3
    + "</article></body></html>"
).encode()


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=30)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A throwaway CA and a certificate for news.test signed by it."""
    folder = tmp_path_factory.mktemp("tls")
    curve = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    openssl("req", "-x509", *curve, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=newsbot test CA", cwd=folder)  # fmt: skip
    openssl("req", *curve, "-keyout", "server.key", "-out", "server.csr",
            "-subj", "/CN=news.test", cwd=folder)  # fmt: skip
    (folder / "ext.cnf").write_text("subjectAltName=DNS:news.test\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf",
            cwd=folder)  # fmt: skip
    return folder


@pytest.fixture
def https(certificates: Path):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates / "server.pem", certificates / "server.key")
    yield from feedserver.raw_server(tls=context)


async def resolve(host: str, port: int) -> list[str]:
    return ["127.0.0.1"]


def fetcher(certificates: Path, monkeypatch: pytest.MonkeyPatch) -> Fetcher:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates / "ca.pem"))
    settings = FetchSettings(trust_env=True, retries=0)
    return Fetcher(
        settings, resolver=resolve, allowed_networks=[ipaddress.ip_network("127.0.0.1/32")]
    )


async def test_https_keeps_sni_host_and_verification_on_the_url_name(
    https: feedserver.RawServer, certificates: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    https.routes["/story"] = feedserver.respond(PAGE, headers={"Content-Type": "text/html"})
    async with fetcher(certificates, monkeypatch) as client:
        article = await client.fetch_page(f"https://news.test:{https.port}/story")
    assert article.title == "Secure story"
    assert https.server_names == ["news.test"]
    assert https.requests[0].headers["host"] == f"news.test:{https.port}"


async def test_certificate_for_another_name_is_refused(
    https: feedserver.RawServer, certificates: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    https.routes["/story"] = feedserver.respond(PAGE, headers={"Content-Type": "text/html"})
    async with fetcher(certificates, monkeypatch) as client:
        with pytest.raises(FetchError, match=r"CERTIFICATE_VERIFY_FAILED"):
            await client.fetch_page(f"https://impostor.test:{https.port}/story")
    assert https.requests == []
