"""Whatever bytes a remote server sends, the parsers raise `ParseError` or return a clean feed,
and `extract_article` returns an Article: never a foreign exception (found by fuzzing).

Examples are bounded so the property tests stay fast enough for every CI run.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import ParseError
from bot.feeds.extract import extract_article
from bot.feeds.parse import parse_feed
from bot.feeds.sanitize import safe_text
from bot.model import Feed

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
JSON_FEED = b'{"version": "https://jsonfeed.org/version/1.1", "items": '


def parses_or_refuses(body: bytes, content_type: str | None = None) -> Feed | None:
    try:
        feed = parse_feed(body, content_type=content_type)
    except ParseError:
        return None
    for entry in feed.entries:
        for text in (entry.title, entry.summary, entry.content, entry.identity):
            assert safe_text(text) == text
    return feed


@pytest.mark.parametrize(
    "body",
    [
        JSON_FEED + b'[{"id": "1", "title": "a", "content_text": 5}]}',
        JSON_FEED + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>a</title>'
        b'<date a="1">2020</date></item></channel></rss>',
        b'<?xml version="1.0" encoding="\xff\xfe"?><rss version="2.0"><channel><item>'
        b"<title>a</title></item></channel></rss>",
        b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>a&#xD800;'
        b"&#x110000;&#99999999999;</title></item></channel></rss>",
        b"<rss>" + b"<a>" * 20_000 + b"</a>" * 20_000 + b"</rss>",
    ],
    ids=[
        "content-text-int",
        "deep-json",
        "date-attribute",
        "odd-xml-declaration",
        "char-refs",
        "deep-xml",
    ],
)
def test_reported_hostile_feeds_parse_or_raise_parse_error(body: bytes) -> None:
    parses_or_refuses(body)


@FAST
@given(st.binary(min_size=1, max_size=20_000))
def test_any_bytes_parse_or_raise_parse_error(body: bytes) -> None:
    parses_or_refuses(body)


@FAST
@given(st.binary(max_size=2_000), st.sampled_from([None, "application/json", "text/xml"]))
def test_bytes_after_a_feed_prefix_parse_or_raise_parse_error(
    tail: bytes, content_type: str | None
) -> None:
    parses_or_refuses(JSON_FEED + tail, content_type)
    parses_or_refuses(b'<?xml version="1.0"?><rss version="2.0"><channel><item>' + tail)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=10,
)


@FAST
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "url",
                    "title",
                    "content_text",
                    "content_html",
                    "summary",
                    "date_published",
                    "authors",
                ]
            ),
            json_values,
        ),
        max_size=5,
    )
)
def test_json_feed_items_of_any_shape_parse(items: list[dict[str, object]]) -> None:
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": items}).encode()
    feed = parses_or_refuses(body)
    assert feed is not None


@FAST
@given(st.text(max_size=3_000), st.sampled_from(["og:site_name", "og:title", "author", "date"]))
def test_any_meta_value_gives_an_article(value: str, key: str) -> None:
    head = f'<meta property="{key}" content="{value}">'
    html = f"<html><head>{head}</head><body><p>{value}</p></body></html>"
    article = extract_article(html, url="https://example.org/story")
    assert safe_text(article.text) == article.text


@FAST
@given(st.binary(max_size=20_000))
def test_any_page_bytes_give_an_article(body: bytes) -> None:
    extract_article(body, url="https://example.org/story")


@pytest.mark.parametrize(
    "html",
    [
        '<meta property="og:site_name" content="http://[">',
        '<script type="application/ld+json">' + "[" * 100_000 + "]" * 100_000 + "</script>",
        '<script type="application/ld+json">' + '{"a":' * 5_000 + "1" + "}" * 5_000 + "</script>",
        "<div>" * 20_000 + "text" + "</div>" * 20_000,
        "<p>a&#0;b&#x202E;c\x00d</p>",
    ],
    ids=["site-name-bad-url", "deep-json-ld-array", "deep-json-ld-object", "deep-divs", "controls"],
)
def test_reported_hostile_pages_give_an_article(html: str) -> None:
    article = extract_article(
        f"<html><head>{html}</head><body><p>Hello.</p></body></html>", "https://e.org/"
    )
    assert article.site_name == "e.org"
    assert safe_text(article.text) == article.text
