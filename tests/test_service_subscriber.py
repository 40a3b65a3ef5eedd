"""Pure parts of the subscriber use cases: keywords, settings, /latest arguments, URL shapes."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.errors import InputError
from bot.model import ChatSettings
from bot.service.chat_settings import apply_setting
from bot.service.poll import passes_filter
from bot.service.reading import parse_latest_args
from bot.service.subscriptions import catalogue_page, looks_like_url, normalise_url, parse_keywords


def test_keywords_are_plain_words_that_the_delivery_filter_matches_whole() -> None:
    include, exclude = parse_keywords(["+Ukraine", "energy", "-Sport", "+ukraine"])
    assert (include, exclude) == (("ukraine", "energy"), ("sport",))
    assert passes_filter("Energy prices in Ukraine fall", include, exclude)
    assert not passes_filter("Ukraine sport news", include, exclude)
    assert not passes_filter("Ukrainets wins", include, exclude)


@pytest.mark.parametrize(
    ("words", "reason"),
    [
        (["+new-york"], "not one plain word"),
        (["+(a|b)*"], "not one plain word"),
        (["+" + "x" * 51], "at most 50 characters"),
        ([f"+w{i}" for i in range(21)], "at most 20 keywords"),
        (["-"], "not one plain word"),
    ],
)
def test_bad_keywords_are_refused_with_a_reason(words: list[str], reason: str) -> None:
    with pytest.raises(InputError, match=reason):
        parse_keywords(words)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("points", "2", ChatSettings(points=2)),
        ("preview", "ON", ChatSettings(link_preview=True)),
        ("mode", "digest", ChatSettings(delivery_mode="digest")),
        ("digest", "7:05", ChatSettings(delivery_mode="digest", digest_time="07:05")),
        ("tz", "America/New_York", ChatSettings(timezone="America/New_York")),
    ],
)
def test_settings_change_one_value(key: str, value: str, expected: ChatSettings) -> None:
    assert apply_setting(ChatSettings(), key, value) == expected


@pytest.mark.parametrize(
    ("key", "value"),
    [("points", "0"), ("points", "x"), ("preview", "maybe"), ("mode", "weekly"),
     ("digest", "24:00"), ("tz", "Not/AZone"), ("tz", "../../etc/passwd"), ("colour", "red")],
)  # fmt: skip
def test_bad_settings_are_refused(key: str, value: str) -> None:
    with pytest.raises(InputError):
        apply_setting(ChatSettings(), key, value)


@pytest.mark.parametrize(
    ("args", "expected"),
    [([], (None, 3)), (["5"], (None, 5)), (["bbc"], ("bbc", 3)), (["2", "bbc"], ("bbc", 2))],
)
def test_latest_arguments_in_either_order(
    args: list[str], expected: tuple[str | None, int]
) -> None:
    assert parse_latest_args(args) == expected


@pytest.mark.parametrize("args", [["0"], ["11"], ["a", "b"], ["1", "2", "3"]])
def test_bad_latest_arguments(args: list[str]) -> None:
    with pytest.raises(InputError):
        parse_latest_args(args)


@pytest.mark.parametrize(
    ("text", "is_url", "normalised"),
    [
        ("example.org", True, "https://example.org"),
        ("example.org/news/rss", True, "https://example.org/news/rss"),
        ("http://example.org/feed", True, "http://example.org/feed"),
        ("<https://example.org>", True, "https://example.org"),
        ("politico", False, "https://politico"),
        ("ftp://example.org", True, "ftp://example.org"),
    ],
)
def test_url_shapes(text: str, is_url: bool, normalised: str) -> None:
    assert looks_like_url(text) is is_url
    assert normalise_url(text) == normalised


def test_catalogue_pages_clamp_to_the_range() -> None:
    settings = Settings.model_validate(
        {
            "sources": [
                {"id": f"s{i}", "name": f"S{i}", "url": f"https://x.example/{i}"} for i in range(10)
            ]
        }
    )
    page, number, pages = catalogue_page(settings, 5, per_page=4)
    assert (number, pages, [s.id for s in page]) == (2, 3, ["s8", "s9"])
    assert catalogue_page(Settings(), 0)[1:] == (0, 1)
