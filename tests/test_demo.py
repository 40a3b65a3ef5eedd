"""`newsbot demo`: bundled samples served on loopback go through the real pipeline to posts."""

import http.client
import re
from pathlib import Path

import httpx
import pytest

from bot.cli import main
from bot.feeds.extract import extract_article, is_usable
from bot.feeds.parse import parse_feed
from bot.offline.demo import SAMPLE_FEEDS, SampleServer

SAMPLES = Path(__file__).resolve().parent.parent / "bot" / "samples"
PAGES = sorted((SAMPLES / "pages").glob("*.html"))


def test_demo_prints_every_sample_item_as_a_post_with_headline_source_and_points(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    posts = re.split(r"─{60}\n\d/\d · [^\n]+\n─{60}\n", out)[1:]
    assert len(posts) == 6
    for post in posts:
        headline, blank, *rest = post.splitlines()
        assert len(headline) > 20
        assert blank == ""
        points = [line for line in rest if line.startswith("• ")]
        assert 3 <= len(points) <= 4
        assert any(line.startswith("Source: ") for line in rest)
    assert "Aller valley reopens its mountain railway after landslide repairs" in out
    assert "Source: Science Notes" in out


def test_demo_writes_an_html_preview_of_the_same_posts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    preview = tmp_path / "preview.html"
    assert main(["demo", "--html", str(preview), "--points", "3"]) == 0
    assert f"HTML preview written to {preview}" in capsys.readouterr().out
    page = preview.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert page.count('<article class="post">') == 6
    assert "<b>Students build a weather station from recycled parts</b>" in page
    assert page.count("• ") == 18  # three points per post, as asked
    assert '<div class="from">Open Source Weekly</div>' in page


def test_sample_server_serves_feeds_with_its_own_address_and_nothing_else() -> None:
    with SampleServer() as server:
        feed = httpx.get(server.feed_url(SAMPLE_FEEDS[0]))
        assert feed.headers["content-type"] == "application/rss+xml; charset=utf-8"
        assert f"<link>{server.base_url}/pages/valley-railway.html</link>" in feed.text
        assert "{base}" not in feed.text
        assert httpx.get(f"{server.base_url}/pages/nope.html").status_code == 404
        for sneaky in ("/feeds/../../config.py", "/pages/..", "/feeds/%2e%2e/demo.py"):
            raw = http.client.HTTPConnection("127.0.0.1", int(server.base_url.rsplit(":", 1)[1]))
            raw.request("GET", sneaky)
            assert raw.getresponse().status == 404, sneaky
            raw.close()
        assert httpx.get(f"{server.base_url}/articles/harbour-bridge.txt").status_code == 404
    assert server.base_url.startswith("http://127.0.0.1:")


@pytest.mark.parametrize("sample", SAMPLE_FEEDS, ids=[f.id for f in SAMPLE_FEEDS])
def test_each_sample_feed_parses_to_two_items_linking_to_bundled_pages(sample) -> None:
    body = (SAMPLES / "feeds" / sample.file).read_bytes().replace(b"{base}", b"http://x.test")
    feed = parse_feed(body, url=f"http://x.test/feeds/{sample.file}")
    assert feed.title == sample.name
    assert len(feed.entries) == 2
    for entry in feed.entries:
        assert entry.link is not None
        assert (SAMPLES / "pages" / entry.link.rsplit("/", 1)[1]).is_file()


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_each_sample_page_extracts_to_a_usable_article_without_boilerplate(page: Path) -> None:
    article = extract_article(page.read_text(encoding="utf-8"), url=f"http://x.test/{page.name}")
    assert is_usable(article)
    assert article.title
    assert "Most read" not in article.text
    assert "Sign up for our newsletter" not in article.text


def test_demo_prints_the_same_tour_every_time_feeds_taking_turns_in_catalogue_order(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The feeds are polled at once, so the channel's order is a race; the tour is not."""
    assert main(["demo"]) == 0
    sources = re.findall(r"^\d/\d · (.+)$", capsys.readouterr().out, flags=re.M)
    assert sources == [feed.name for feed in SAMPLE_FEEDS] * 2
