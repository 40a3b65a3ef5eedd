"""Article extraction: real benchmark pages, odd input, and the feed-excerpt fallback."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.feeds.extract import (
    MIN_ARTICLE_CHARS,
    article_from_entry,
    extract_article,
    extract_article_async,
    is_usable,
)
from bot.feeds.language import guess_language
from bot.model import Entry

BENCH = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "extraction-benchmark"


def benchmark_pages(count: int) -> list[tuple[str, str, str]]:
    truth = json.loads((BENCH / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key in sorted(truth)[:count]:
        html = gzip.decompress((BENCH / "html" / f"{key}.html.gz").read_bytes()).decode()
        pages.append((html, truth[key]["url"], truth[key]["articleBody"]))
    return pages


@pytest.mark.parametrize(("html", "url", "body"), benchmark_pages(8))
def test_benchmark_pages_give_body_text_and_full_metadata(html: str, url: str, body: str) -> None:
    article = extract_article(html, url)
    expected_words = set(body.split())
    got_words = set(article.text.split())
    assert len(expected_words & got_words) > 0.7 * len(expected_words)
    assert article.title
    assert article.site_name
    assert article.published is not None
    assert article.published.tzinfo is not None
    assert article.url == url


def test_bytes_with_a_declared_legacy_charset_are_decoded() -> None:
    html = (
        '<html><head><meta charset="windows-1251"><title>Мост открыт</title></head><body>'
        "<article><h1>Мост открыт</h1>"
        + "<p>Новый мост через реку открыли во вторник после трёх лет строительства.</p>" * 5
        + "</article></body></html>"
    ).encode("windows-1251")
    article = extract_article(html, "https://news.example.ru/most")
    assert article.title == "Мост открыт"
    assert article.text.startswith("Новый мост через реку открыли")
    assert article.site_name == "news.example.ru"


@pytest.mark.parametrize(
    "html", ["", b"", "   ", b"\x00\x01\x02\xff", "<<<>>>", "<html></html>", "plain words only"]
)
def test_odd_input_gives_an_empty_article_not_an_exception(html: str | bytes) -> None:
    article = extract_article(html, "https://example.com/x")
    assert article.text == "" or "plain words only" in article.text
    assert article.site_name == "example.com"


async def test_async_wrapper_matches_the_sync_function() -> None:
    html, url, _ = benchmark_pages(1)[0]
    assert await extract_article_async(html, url) == extract_article(html, url)


ENTRY = Entry(
    identity="e1",
    title="Bridge opens",
    link=None,
    published=datetime(2024, 3, 5, tzinfo=UTC),
    author="Ann",
    summary="Short teaser.",
    content="The full text of the bridge story as the feed carries it. " * 3,
)


def test_feed_excerpt_article_is_marked_and_prefers_content() -> None:
    article = article_from_entry(ENTRY, "Daily Planet")
    assert article.from_feed_excerpt
    assert article.text == ENTRY.content
    assert article.title == "Bridge opens"
    assert article.site_name == "Daily Planet"
    assert not is_usable(article)
    assert is_usable(article.__class__(text="x" * MIN_ARTICLE_CHARS))


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "The city council voted on Tuesday to approve the new budget for the schools, after a "
            "debate that lasted well into the night and was at times heated.",
            "en",
        ),
        (
            "Жители Оренбурга обсуждают новый мост через реку Урал, который откроют весной. "
            "Строители обещают закончить работы в срок, а городские власти готовят маршруты.",
            "ru",
        ),
        (
            "Die nun verfügbare Version 10 des Servers stellt die Basis für die kommerzielle "
            "Plattform dar und ist zugleich das dritte größere Release seit dem Namenswechsel.",
            "de",
        ),
        ("建国35周年纪念，华表，和平鸽。品相如图，喜欢联系，一起出七枚，包真包老。", "zh"),
        ("そんな用途を考慮してか、デスクトップアプリが用意されています。", "ja"),
        ("too short", None),
    ],
)
def test_language_is_guessed_when_the_page_does_not_say(text: str, language: str | None) -> None:
    assert guess_language(text) == language
    html = f"<html><body><article><p>{text}</p><p>{text}</p></article></body></html>"
    if language:
        assert extract_article(html).language == language


def test_metadata_falls_back_to_json_ld_bylines_and_the_url() -> None:
    html = """<html><head><title>Bridge opens | Daily Planet</title>
      <script type="application/ld+json">{"@graph": [{"@type": "NewsArticle",
        "datePublished": "2024-03-05T10:00:00Z", "publisher": {"name": "Daily Planet"}}]}</script>
      </head><body><article><p class="byline">By Lois Lane</p>
      <p>The new bridge over the river opened on Tuesday after three years of work.</p>
      <p>The first buses crossed it before dawn, and commuters said the trip took half as long.</p>
      </article></body></html>"""
    article = extract_article(html, "https://www.dailyplanet.example/bridge")
    assert article.title == "Bridge opens"
    assert article.site_name == "Daily Planet"
    assert article.author == "Lois Lane"
    assert article.published == datetime(2024, 3, 5, 10, 0, tzinfo=UTC)


def test_metadata_without_any_hints_uses_the_host() -> None:
    html = "<html><head><meta property='og:site_name' content='https://www.news.example/'>"
    html += "</head><body><p>" + "Words of a story that goes on. " * 20 + "</p></body></html>"
    assert extract_article(html, "https://www.news.example/a").site_name == "news.example"
    assert extract_article(html).site_name == "news.example"


def test_bytes_without_any_declared_charset_are_detected() -> None:
    text = "Новый мост через реку открыли во вторник после трёх лет строительства. " * 6
    html = f"<html><body><article><p>{text}</p></article></body></html>".encode("windows-1251")
    assert extract_article(html).text.startswith("Новый мост через реку открыли")
