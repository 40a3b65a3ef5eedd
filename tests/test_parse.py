"""Feed parsing: the shared corpus, spot checks in three legacy encodings, JSON Feed, identity."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from bot.errors import ParseError
from bot.feeds.identity import canonical_link, entry_identity
from bot.feeds.markup import body_text, snippet_text
from bot.feeds.parse import parse_feed
from bot.model import Feed

FEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "feeds"
CORPUS = sorted(p for p in FEEDS.rglob("*") if p.is_file() and p.suffix != ".md")
_HEADER = re.compile(rb"Header:\s*Content-type:\s*(.+)", re.IGNORECASE)


def served_content_type(body: bytes) -> str | None:
    """The Content-Type the feedparser test harness would send with this file."""
    match = _HEADER.search(body[:2000])
    return match.group(1).strip().decode("latin-1") if match else None


def test_corpus_is_present() -> None:
    assert len(CORPUS) >= 300


def parse_or_error(path: Path) -> Feed | ParseError:
    body = path.read_bytes()
    try:
        return parse_feed(
            body, url="http://example.com/feed", content_type=served_content_type(body)
        )
    except ParseError as exc:
        return exc


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: str(p.relative_to(FEEDS)))
def test_every_corpus_file_gives_entries_or_a_typed_error(path: Path) -> None:
    """No exception escapes; well-formed and real feeds parse; a refusal says why."""
    result = parse_or_error(path)
    kind = path.relative_to(FEEDS).parts
    if isinstance(result, ParseError):
        assert "wellformed" not in kind, f"well-formed feed refused: {result}"
        assert "real" not in kind, f"real feed refused: {result}"
        assert str(result), "a ParseError must say why"
        return
    for entry in result.entries:
        assert entry.identity
        assert entry.published is None or entry.published.tzinfo is not None


# -- the corpus files' own `Expect:` lines, where they concern fields we use ------------------

_EXPECT = re.compile(rb"Expect:\s*(.+)")
# feedparser's name for a field -> (our field, how feedparser's value becomes ours). Titles and
# authors become one line of plain text, summaries and content plain paragraphs; our `content`
# is empty when it repeats the summary, so content is compared with whichever we kept.
_ENTRY_FIELDS: dict[tuple[str, ...], tuple[str, Callable[[str], str]]] = {
    ("title",): ("title", snippet_text),
    ("title_detail", "value"): ("title", snippet_text),
    ("link",): ("link", str.strip),
    ("id",): ("identity", str.strip),
    ("guid",): ("identity", str.strip),
    ("summary",): ("summary", body_text),
    ("description",): ("summary", body_text),
    ("summary_detail", "value"): ("summary", body_text),
    ("content", "0", "value"): ("body", body_text),
    ("author",): ("author", snippet_text),
    ("author_detail", "name"): ("author", snippet_text),
    ("authors", "0", "name"): ("author", snippet_text),
}
_FEED_FIELDS: dict[tuple[str, ...], tuple[str, Callable[[str], str]]] = {
    ("title",): ("title", snippet_text),
    ("title_detail", "value"): ("title", snippet_text),
    ("link",): ("site_url", str.strip),
    ("language",): ("language", str.strip),
}
# Where we deliberately differ from feedparser's expectation, and why.
_KNOWN_DIFFERENCES = {
    # feedparser's sanitiser deletes the literal "<>" from the text; we keep text as written.
    "encoding/bozo_linenoise.xml",
}


def _path_of(node: ast.expr) -> list[str | int] | None:
    """`entries[0]['title']` or `feed.title` as ['entries', 0, 'title']; None otherwise."""
    parts: list[str | int] = []
    while not isinstance(node, ast.Name):
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            parts.append(node.slice.value)
            node = node.value
        elif isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        else:
            return None
    return [node.id, *reversed(parts)]


def _expectations(path: Path) -> list[tuple[list[str | int], str]]:
    """The `field == 'text'` comparisons of a corpus file's `Expect:` line."""
    match = _EXPECT.search(path.read_bytes()[:4000])
    if match is None:
        return []
    try:
        tree = ast.parse(match.group(1).decode("utf-8").strip(), mode="eval")
    except (SyntaxError, UnicodeDecodeError):
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and [type(op) for op in node.ops] == [ast.Eq]:
            field = _path_of(node.left)
            try:
                value = ast.literal_eval(node.comparators[0])
            except ValueError:
                continue
            if field is not None and isinstance(value, str):
                found.append((field, value))
    return found


def _used(field: list[str | int]) -> bool:
    rest = tuple(str(part) for part in field[2:] if field[0] == "entries")
    if field[0] == "entries":
        return len(field) > 2 and isinstance(field[1], int) and rest in _ENTRY_FIELDS
    return field[0] == "feed" and tuple(str(p) for p in field[1:]) in _FEED_FIELDS


EXPECTATIONS = [
    pytest.param(path, field, value, id=f"{path.relative_to(FEEDS)}:{'.'.join(map(str, field))}")
    for path in CORPUS
    if not str(path).endswith(tuple(_KNOWN_DIFFERENCES))
    for field, value in _expectations(path)
    if _used(field)
]


def test_the_corpus_has_expectations_about_fields_we_use() -> None:
    assert len(EXPECTATIONS) >= 100


@pytest.mark.parametrize(("path", "field", "expected"), EXPECTATIONS)
def test_corpus_expectations_hold_for_the_fields_we_use(
    path: Path, field: list[str | int], expected: str
) -> None:
    """The value feedparser's own test expects, as our Feed/Entry carries it."""
    result = parse_or_error(path)
    assert not isinstance(result, ParseError), f"refused: {result}"
    if field[0] == "feed":
        name, convert = _FEED_FIELDS[tuple(str(p) for p in field[1:])]
        assert getattr(result, name) == (convert(expected) or None)
        return
    index = int(field[1])
    name, convert = _ENTRY_FIELDS[tuple(str(p) for p in field[2:])]
    if index >= len(result.entries):
        # We keep only items with something to post; this one must have had no visible text.
        raw = feedparser.parse(path.read_bytes()).entries[index]
        content = " ".join(part.get("value", "") for part in raw.get("content", []))
        texts = (raw.get("title", ""), raw.get("summary", ""), content)
        assert not raw.get("link")
        assert not any(body_text(text) for text in texts)
        return
    entry = result.entries[index]
    ours = (entry.content or entry.summary) if name == "body" else getattr(entry, name)
    assert ours == (convert(expected) or None if name in ("link", "author") else convert(expected))


REAL_COUNTS = {
    "rss-parser/guardian.rss": 55,
    "rss-parser/encoding.rss": 40,
    "rss-parser/uolNoticias.rss": 15,
    "rss-parser/heise.atom": 15,
    "rss-parser/rss-1.rss": 69,
    "node-feedparser/wapowellness.xml": 26,  # 29 items, 3 of them "Featured Advertiser" adverts
    "node-feedparser/tpm.atom": 20,
    "node-feedparser/iconv.xml": 10,
    "netnewswire/aktuality.rss": 30,
    "netnewswire/livemint.xml": 25,
    "netnewswire/kc0011.rss": 20,
}


@pytest.mark.parametrize(("name", "count"), REAL_COUNTS.items())
def test_real_feeds_give_all_their_items(name: str, count: int) -> None:
    feed = parse_feed((FEEDS / "real" / name).read_bytes())
    assert len(feed.entries) == count
    assert len({e.identity for e in feed.entries}) == count


def test_windows_1251_feed_spot_check() -> None:
    feed = parse_feed((FEEDS / "real" / "node-feedparser" / "iconv.xml").read_bytes())
    first = feed.entries[0]
    assert feed.title == "Новости Оренбурга и области / Раздел Новости"
    assert first.title == "В Бузулуке главные стройплощадки – детсад и Ледовый дворец"
    assert first.link == "http://www.oren.ru/news/2743422/"
    assert first.published == datetime(2014, 1, 22, 14, 31, 31, tzinfo=UTC)  # 20:31:31 +0600
    assert first.summary.startswith("Работы по возведению детского сада идут с опережением")


def test_iso_8859_1_feed_spot_check() -> None:
    feed = parse_feed((FEEDS / "real" / "rss-parser" / "encoding.rss").read_bytes())
    first = feed.entries[0]
    assert feed.title == "Jornal de Notícias - Últimas Notícias"
    assert first.title == "Mãe de utente é a nova presidente da Raríssimas"
    assert first.link == (
        "http://feeds.jn.pt/~r/JN-ULTIMAS/~3/UBnb8Ra3Q1U/"
        "sonia-laig-e-a-nova-presidente-da-rarissimas-9021600.html"
    )
    assert first.published == datetime(2018, 1, 3, 13, 47, tzinfo=UTC)
    assert first.summary.startswith("Sónia Laygue, profissional na área da Recursos Humanos")
    assert "<img" not in first.summary


def test_gb18030_feed_spot_check() -> None:
    feed = parse_feed((FEEDS / "real" / "netnewswire" / "kc0011.rss").read_bytes())
    first = feed.entries[0]
    assert feed.title == "投资资讯网交易在线--流通纪念币最新20篇论坛主题-全文"
    assert first.title == "建国35周年纪念，华表，和平鸽"
    assert first.link == "http://www.kc0011.net/dispbbs.asp?BoardID=10&ID=25164257&Page=1"
    assert first.author == "大鱼儿"
    # "2020/1/10 14:33:00": feedparser alone reads it as 1 November.
    assert first.published == datetime(2020, 1, 10, 14, 33, tzinfo=UTC)


def test_atom_entry_spot_check() -> None:
    feed = parse_feed((FEEDS / "real" / "rss-parser" / "heise.atom").read_bytes())
    first = feed.entries[0]
    assert first.identity == "http://heise.de/-3088438"
    assert first.title == "Java-Anwendungsserver: Red Hat gibt WildFly 10 frei"
    assert first.published == datetime(2016, 2, 1, 16, 22, tzinfo=UTC)
    assert first.summary.startswith("Die nun verfügbare Version 10 des Enterprise-Java-Servers")


def test_ill_formed_feed_with_items_still_gives_entries() -> None:
    feed = parse_feed((FEEDS / "real" / "rss-parser" / "uolNoticias.rss").read_bytes())
    assert feed.entries[0].title.startswith("Ibope: Bolsonaro perde de Haddad")


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   ",
        b"<html><body>not a feed</body></html>",
        b"\x00\x01\x02garbage",
        b"<rss><channel><item>",
    ],
)
def test_non_feeds_raise_a_typed_error(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse_feed(body)


def test_future_dates_are_clamped_to_now() -> None:
    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    body = (
        b"<rss version='2.0'><channel><title>t</title><item><title>a</title>"
        b"<link>http://example.com/a</link><pubDate>Sat, 01 Jan 2201 00:00:00 GMT</pubDate>"
        b"</item></channel></rss>"
    )
    assert parse_feed(body, now=now).entries[0].published == now


def json_feed(**overrides: object) -> bytes:
    document: dict[str, object] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "JSON News",
        "home_page_url": "https://example.org/",
        "language": "en",
        "items": [
            {
                "id": "42",
                "url": "https://example.org/a?utm_source=x",
                "title": "First <b>story</b>",
                "content_html": "<p>One.</p><p>Two.</p>",
                "summary": "Short.",
                "date_published": "2024-02-03T04:05:06+02:00",
                "authors": [{"name": "Ann"}, {"name": "Bob"}],
            },
            {
                "id": 7,
                "content_text": "Untitled but present.",
                "date_modified": "2024-02-04T00:00:00Z",
            },
            "not an item",
        ],
    }
    document.update(overrides)
    return json.dumps(document).encode()


def test_json_feed_items_become_entries() -> None:
    feed = parse_feed(json_feed(), content_type="application/feed+json")
    assert feed.title == "JSON News"
    assert feed.language == "en"
    first, second = feed.entries
    assert first.identity == "42"
    assert first.title == "First story"
    assert first.content == "One.\nTwo."
    assert first.author == "Ann, Bob"
    assert first.published == datetime(2024, 2, 3, 2, 5, 6, tzinfo=UTC)
    assert second.identity == "7"
    assert second.title == "Untitled but present."


def test_json_feed_1_0_is_sniffed_without_content_type() -> None:
    body = json_feed(
        version="https://jsonfeed.org/version/1",
        items=[{"id": "1", "title": "x", "author": {"name": "Old"}}],
    )
    assert parse_feed(body).entries[0].author == "Old"


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[]", json_feed(version="2"), json_feed(items="nope")],
)
def test_broken_json_feeds_raise_a_typed_error(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse_feed(body, content_type="application/json")


def test_canonical_link_drops_tracking_and_normalises_host() -> None:
    assert (
        canonical_link("HTTPS://News.Example.COM:443/a/b?utm_source=x&id=3&fbclid=9&gclid=1#top")
        == "https://news.example.com/a/b?id=3"
    )
    assert canonical_link("http://example.com:8080?utm_medium=rss") == "http://example.com:8080/"


def test_identity_prefers_guid_then_link_then_title_and_date() -> None:
    when = datetime(2024, 1, 1, tzinfo=UTC)
    assert entry_identity(" guid-1 ", "http://x/a", "T", when) == "guid-1"
    assert entry_identity(None, "http://X/a?utm_campaign=c", "T", when) == "http://x/a"
    hashed = entry_identity(None, None, "Title", when)
    assert hashed.startswith("sha256:")
    assert hashed == entry_identity("", "  ", "Title", when)
    assert hashed != entry_identity(None, None, "Title", None)
