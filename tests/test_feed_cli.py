"""`newsbot feed` and `newsbot summarize URL`: real loopback servers, real config files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from bot.cli import main
from tests import feedserver

REPO = Path(__file__).resolve().parent.parent
FEEDS = REPO.parent / "shared" / "data" / "feeds" / "real"
GUARDIAN = FEEDS / "rss-parser" / "guardian.rss"
STORY = (
    "<html><head><title>Bridge opens | Daily Planet</title>"
    '<meta property="og:site_name" content="Daily Planet"></head>'
    "<body><article><h1>Bridge opens</h1>"
    "<p>The new bridge over the river opened on Tuesday after three years of work.</p>"
    "<p>The first buses crossed it before dawn, and commuters said the trip took half as long.</p>"
    "<p>The city paid 40 million euros for the bridge, a third less than first planned.</p>"
    "<p>Engineers will inspect the structure again in the spring, the mayor said.</p>"
    "</article></body></html>"
)


@pytest.fixture(autouse=True)
def no_config_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSBOT_CONFIG", raising=False)


@pytest.fixture
def private_ok(tmp_path: Path) -> Path:
    path = tmp_path / "newsbot.yaml"
    path.write_text("fetch:\n  allow_private_networks: true\n  retries: 0\n", encoding="utf-8")
    return path


@pytest.fixture
def raw():
    yield from feedserver.raw_server()


def test_feed_file_is_listed_as_text_with_summaries(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["feed", str(GUARDIAN), "--limit", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("The Guardian (55 entries)")
    assert "Trump State of the Union address promised unity but emphasized discord" in out
    assert "So, how did conservatives like the State of the Union?" in out
    assert out.count("https://www.theguardian.com/") == 2
    assert "  - Donald Trump has promised a “new American moment”" in out


def test_feed_file_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            ["feed", str(FEEDS / "netnewswire" / "kc0011.rss"), "--limit", "3", "--format", "json"]
        )
        == 0
    )
    document = json.loads(capsys.readouterr().out)
    assert document["title"] == "投资资讯网交易在线--流通纪念币最新20篇论坛主题-全文"
    assert len(document["entries"]) == 3
    first = document["entries"][0]
    assert first["title"] == "建国35周年纪念，华表，和平鸽"
    assert first["published"] == "2020-01-10T14:33:00+00:00"
    assert first["summary"]


def test_feed_url_is_fetched_when_config_allows_private_networks(
    httpserver: HTTPServer, private_ok: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        GUARDIAN.read_bytes(), content_type="application/rss+xml"
    )
    assert (
        main(["feed", httpserver.url_for("/feed"), "--limit", "1", "--config", str(private_ok)])
        == 0
    )
    assert "Trump State of the Union" in capsys.readouterr().out


def test_feed_url_on_loopback_is_refused_by_default(
    raw: feedserver.RawServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["feed", raw.url("/feed")]) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"newsbot: error: refused {raw.url('/feed')}: 127.0.0.1 is a loopback address"
    assert raw.connections == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [(["no/such/feed.xml"], "no such file"), ([str(GUARDIAN), "--limit", "0"], "--limit")],
)
def test_feed_bad_input_is_one_line_and_exit_1(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["feed", *args]) == 1
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


def test_feed_that_is_not_a_feed_is_a_typed_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page.html"
    page.write_text("<html><body>hello</body></html>", encoding="utf-8")
    assert main(["feed", str(page)]) == 1
    assert "not a feed" in capsys.readouterr().err


def test_summarize_loopback_url_is_refused_with_default_config(raw: feedserver.RawServer) -> None:
    """End to end in a fresh process: one clear line, non-zero exit, no connection made."""
    url = raw.url("/story")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "summarize", url],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == f"newsbot: error: refused {url}: 127.0.0.1 is a loopback address\n"
    assert raw.connections == 0


def test_summarize_url_fetches_and_summarises_when_allowed(
    httpserver: HTTPServer, private_ok: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    httpserver.expect_request("/story").respond_with_data(STORY, content_type="text/html")
    assert main(["summarize", httpserver.url_for("/story"), "--config", str(private_ok)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Bridge opens")
    assert "Daily Planet" in out
    assert "The new bridge over the river opened on Tuesday" in out
