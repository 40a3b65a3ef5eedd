"""Rendering: escaped Telegram HTML within 4096 UTF-16 units, and plain text for terminals."""

import re
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.model import Summary
from bot.text.render import (
    MAX_MESSAGE_UTF16,
    Labels,
    hashtag,
    render_digest,
    render_html,
    render_text,
    utf16_len,
)

TELEGRAM_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre"}


class TelegramHTML(HTMLParser):
    """Collects tags and text the way Telegram's HTML parse mode would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.open: list[str] = []
        self.text: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.open.append(tag)
        self.hrefs.extend(v or "" for k, v in attrs if k == "href")

    def handle_endtag(self, tag: str) -> None:
        assert self.open, f"unbalanced </{tag}>"
        assert self.open[-1] == tag, f"unbalanced </{tag}>"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html_text: str) -> TelegramHTML:
    parser = TelegramHTML()
    parser.feed(html_text)
    parser.close()
    assert not parser.open, f"unclosed tags {parser.open}"
    return parser


def make(**overrides: object) -> Summary:
    fields: dict[str, object] = {
        "headline": "Azerbaijan plans to invade Armenia",
        "key_points": ("Blinken warned lawmakers.", "Aliyev threatened force."),
        "source": "Politico (via Ukrainska Pravda)",
        "original_source": "Politico",
        "publisher": "Ukrainska Pravda",
        "url": "https://www.pravda.com.ua/eng/news/2023/10/13/7423645/",
    }
    fields.update(overrides)
    return Summary(**fields)  # type: ignore[arg-type]


def test_post_has_bold_headline_bullets_and_linked_source() -> None:
    post = render_html(make())
    assert post.startswith("<b>Azerbaijan plans to invade Armenia</b>\n\n• Blinken warned")
    assert "Source: Politico (via <a href=" in post
    assert '">Ukrainska Pravda</a>)' in post
    assert parse(post).tags == ["b", "a"]


def test_markup_in_title_and_points_shows_literally() -> None:
    """A title containing <b>, & or </a> is escaped, never interpreted."""
    post = render_html(make(headline="Tom & Jerry </a><b>bold", key_points=("x < y & z",)))
    parsed = parse(post)
    assert "Tom & Jerry </a><b>bold" in "".join(parsed.text)
    assert "x < y & z" in "".join(parsed.text)
    assert parsed.tags == ["b", "a"]


def test_only_http_links_become_hrefs() -> None:
    post = render_html(make(url="javascript:alert(1)"))
    assert "href" not in post
    assert "javascript" not in post


def test_malformed_url_is_shown_unlinked_not_raised() -> None:
    post = render_html(make(url="http://[::1/story", publisher=None, original_source=None))
    assert "href" not in post
    assert "http://[::1/story" in render_text(make(url="http://[::1/story"))


def test_url_with_quotes_cannot_break_out_of_the_attribute() -> None:
    post = render_html(make(url='https://example.org/a"onmouseover="x'))
    parsed = parse(post)
    assert parsed.hrefs == ['https://example.org/a"onmouseover="x']


def test_same_publisher_and_original_are_named_once() -> None:
    post = render_html(make(original_source="Reuters", publisher="reuters"))
    assert "via" not in post


def test_feed_excerpt_summary_says_so() -> None:
    assert "feed excerpt" in render_html(make(from_feed_excerpt=True))
    assert "feed excerpt" in render_text(make(from_feed_excerpt=True))


def test_hashtags_and_also_line() -> None:
    post = render_html(make(), hashtags=["Middle East", "war!"], also=["BBC News"])
    assert "#MiddleEast #War" in post
    assert "Also: BBC News" in post
    assert hashtag("!!!") is None


def test_long_post_drops_trailing_points_to_fit() -> None:
    points = tuple(f"Point {i} " + "word " * 150 for i in range(8))
    post = render_html(make(key_points=points))
    assert utf16_len(post) <= MAX_MESSAGE_UTF16
    assert "Point 0" in post
    assert "Point 7" not in post
    parse(post)


def test_entities_are_never_cut() -> None:
    """Text made of characters that expand when escaped still fits, with whole entities."""
    post = render_html(make(headline="&" * 5000, key_points=("<" * 5000,)))
    assert utf16_len(post) <= MAX_MESSAGE_UTF16
    parsed = parse(post)
    headline, body = parsed.text[0], parsed.text[1]
    assert re.fullmatch(r"&+…", headline)
    assert re.fullmatch(r"\n\n• <+…\n\nSource: Politico \(via ", body)


def test_astral_characters_count_double() -> None:
    assert utf16_len("😀") == 2
    post = render_html(make(key_points=("😀" * 3000,)))
    assert utf16_len(post) <= MAX_MESSAGE_UTF16


def test_max_points_limits_bullets() -> None:
    post = render_html(make(key_points=("a.", "b.", "c.")), max_points=2)
    assert post.count("•") == 2


def test_digest_packs_posts_into_few_messages() -> None:
    summaries = [make(headline=f"Story {i}", key_points=("x " * 200,)) for i in range(30)]
    messages = render_digest(summaries)
    assert all(utf16_len(m) <= MAX_MESSAGE_UTF16 for m in messages)
    joined = "".join(messages)
    assert all(f"Story {i}" in joined for i in range(30))
    total = sum(utf16_len(render_html(s)) for s in summaries)
    assert len(messages) <= total // MAX_MESSAGE_UTF16 + 2


def test_plain_text_has_no_markup() -> None:
    text = render_text(make(headline="A <b> title"))
    assert text.startswith("A <b> title\n")
    assert "Source: Politico (via Ukrainska Pravda)" in text
    assert "https://www.pravda.com.ua/" in text


@settings(max_examples=150, deadline=None)
@given(
    headline=st.text(max_size=6000),
    points=st.lists(st.text(max_size=3000), max_size=8),
    publisher=st.one_of(st.none(), st.text(max_size=300)),
    original=st.one_of(st.none(), st.text(max_size=300)),
    tags=st.lists(st.text(max_size=40), max_size=5),
)
def test_any_summary_renders_valid_html_within_limit(
    headline: str, points: list[str], publisher: str | None, original: str | None, tags: list[str]
) -> None:
    post = render_html(
        make(
            headline=headline,
            key_points=tuple(points),
            publisher=publisher,
            original_source=original,
        ),
        hashtags=tags,
    )
    assert utf16_len(post) <= MAX_MESSAGE_UTF16
    assert set(parse(post).tags) <= TELEGRAM_TAGS


def test_every_label_a_post_adds_can_be_passed_in():
    """Translations pass their own words; nothing English is left in the post."""
    labels = Labels(
        source="Джерело",
        via="через",
        also="Також",
        read_article="читати статтю",
        untitled="Без назви",
        from_excerpt="Підсумок уривка зі стрічки.",
    )
    summary = Summary(
        headline="",
        key_points=("Перший пункт.",),
        source="",
        original_source="Politico",
        publisher="Ukrainska Pravda",
        url="https://www.pravda.com.ua/eng/news/1/",
        from_feed_excerpt=True,
    )
    post = render_html(summary, also=["Reuters"], labels=labels)
    for word in ("Джерело: Politico (через", "Також: Reuters", "Без назви", "Підсумок уривка"):
        assert word in post
    assert not any(english in post for english in ("Source", "via", "Also", "Untitled", "Summar"))
    text = render_text(summary, labels=labels)
    assert "Джерело: Politico (через Ukrainska Pravda)" in text
    assert "Без назви" in text
