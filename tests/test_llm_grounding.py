"""Only supported, plain, short key points from the model reach a post."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import UngroundedSummaryError
from bot.llm.grounding import ArticleEvidence, ground, to_plain
from bot.text.rank import MAX_POINT_CHARS
from tests.llm_fixtures import BRIDGE_TEXT, BRIDGE_TITLE, GOOD_POINTS

EVIDENCE = ArticleEvidence(f"{BRIDGE_TITLE}\n{BRIDGE_TEXT}")


def check(points: list[str], *, headline: str = "", same_language: bool = True, max_points=4):
    return ground(
        headline, tuple(points), EVIDENCE, max_points=max_points, same_language=same_language
    )


def test_points_supported_by_the_article_are_all_kept() -> None:
    result = check(GOOD_POINTS, headline="Riverton approves Mill River bridge")
    assert result.key_points == tuple(GOOD_POINTS)
    assert result.headline == "Riverton approves Mill River bridge"
    assert result.dropped == ()


def test_a_point_with_a_number_the_article_lacks_is_dropped() -> None:
    invented = "The bridge will cost 19 million dollars."
    result = check([GOOD_POINTS[0], invented, GOOD_POINTS[1], GOOD_POINTS[3]])
    assert invented not in result.key_points
    assert result.key_points == (GOOD_POINTS[0], GOOD_POINTS[1], GOOD_POINTS[3])
    assert result.dropped == (("number", invented),)


def test_a_point_with_a_name_the_article_lacks_is_dropped() -> None:
    invented = "Governor Smith praised the Riverton council for the bridge."
    result = check([*GOOD_POINTS[:3], invented])
    assert [reason for reason, _ in result.dropped] == ["name"]


def test_a_point_sharing_no_content_word_with_the_article_is_dropped() -> None:
    result = check([*GOOD_POINTS[:3], "the weather was sunny and pleasant all afternoon."])
    assert [reason for reason, _ in result.dropped] == ["off_topic"]


def test_inflected_names_in_ukrainian_still_match_the_article() -> None:
    evidence = ArticleEvidence(
        "Азербайджан планує вторгнутися до Вірменії найближчими тижнями, повідомляє Politico."
    )
    result = ground(
        "",
        ("Азербайджан готує вторгнення у Вірменію, пише Politico.",),
        evidence,
        max_points=4,
        same_language=True,
    )
    assert result.key_points == ("Азербайджан готує вторгнення у Вірменію, пише Politico.",)


def test_a_name_sharing_only_a_short_prefix_with_an_article_word_is_not_supported() -> None:
    evidence = ArticleEvidence("The team was putting the final touches on the stadium.")
    with pytest.raises(UngroundedSummaryError):
        ground("", ("Putin visited the stadium.",), evidence, max_points=4, same_language=True)


@pytest.mark.parametrize(
    "point",
    [
        "The bridge will cost 14.5 million dollars, see http://evil.example/prize.",
        "Read more at [the council site](https://riverton.example/bridge).",
        "Details on riverton-bridge.com about the bridge.",
        "Follow @riverton_news for updates on the bridge.",
        "Write to mayor@riverton.example about the bridge.",
        "Visit www.example.org to comment on the bridge design.",
        "Ask the bot at tg://resolve?domain=evil about the bridge.",
        'The <a href="https://evil.example">bridge</a> will open in 2028.',
        "The bridge opens in 2028, says evil**.**example about it.",
        "The bridge opens in 2028: http\u200b://evil\u200b.example/prize",
        "The bridge opens in 2028 &lt;a href=&quot;https://evil.example&quot;&gt;",
    ],
)
def test_a_point_carrying_a_link_is_dropped(point: str) -> None:
    result = check([*GOOD_POINTS[:3], point])
    assert result.key_points == tuple(GOOD_POINTS[:3])
    assert result.dropped == (("link", point),)


def test_markup_is_stripped_to_plain_text() -> None:
    result = check(["- <b>The bridge</b> will cost **14.5 million** dollars &amp; open in `2028`."])
    assert result.key_points == ("The bridge will cost 14.5 million dollars & open in 2028.",)


def test_escaped_tags_are_stripped_too() -> None:
    assert to_plain("&lt;b&gt;The bridge&lt;/b&gt; opens") == "The bridge opens"


def test_a_long_point_is_trimmed_at_a_clause_boundary() -> None:
    long_point = (
        "The Riverton city council voted 7 to 2 on Tuesday to approve a new pedestrian bridge "
        "over the Mill River, ending a debate that lasted three years, while opponents argued "
        "that the money should go to road repairs and Councillor James Park said the city had "
        "postponed maintenance on 40 kilometres of streets, and the mayor, who had backed the "
        "bridge since her campaign, promised that work would start before the spring floods."
    )
    assert len(long_point) > MAX_POINT_CHARS
    (point,) = check([long_point]).key_points
    assert len(point) <= MAX_POINT_CHARS
    assert point.endswith("…")
    assert long_point.startswith(point[:-1])


def test_a_repeated_point_is_dropped_without_counting_against_the_model() -> None:
    result = check([GOOD_POINTS[0], GOOD_POINTS[0] + " ", GOOD_POINTS[1]])
    assert result.key_points == (GOOD_POINTS[0], GOOD_POINTS[1])
    assert [reason for reason, _ in result.dropped] == ["duplicate"]


def test_at_most_max_points_are_kept() -> None:
    assert check(GOOD_POINTS, max_points=2).key_points == tuple(GOOD_POINTS[:2])


def test_when_most_points_are_unsupported_the_whole_answer_is_rejected() -> None:
    with pytest.raises(UngroundedSummaryError):
        check(
            [
                GOOD_POINTS[0],
                "The bridge will cost 90 million dollars.",
                "Governor Smith opposed it.",
                "It will open in 2031.",
            ]
        )


def test_an_answer_whose_only_point_is_unsupported_is_rejected() -> None:
    with pytest.raises(UngroundedSummaryError):
        check(["The council voted 9 to 0."])


def test_number_formats_and_spelled_numbers_match_the_article() -> None:
    evidence = ArticleEvidence(
        "Some 1 500 people left on 27.11.2026, three years after the flood; losses were $2,300,000."
    )
    result = ground(
        "",
        (
            "About 1,500 people left on the 27th.",
            "It came 3 years after the flood.",
            "Losses were 2300000 dollars.",
        ),
        evidence,
        max_points=4,
        same_language=True,
    )
    assert len(result.key_points) == 3


def test_a_translated_point_is_checked_for_numbers_but_not_words() -> None:
    translated = "Die Brücke kostet 14,5 Millionen Dollar und soll 2028 eröffnen."
    invented = "Der Stadtrat stimmte mit 9 zu 0 Stimmen zu."
    result = check([translated, invented, GOOD_POINTS[3]], same_language=False)
    assert result.key_points == (translated, GOOD_POINTS[3])
    assert result.dropped == (("number", invented),)


@pytest.mark.parametrize(
    "headline",
    ["Riverton bridge: see https://evil.example", "Governor Smith approves bridge", ""],
)
def test_an_unsupported_or_linked_headline_is_left_out(headline: str) -> None:
    assert check(GOOD_POINTS, headline=headline).headline is None


@given(st.text(max_size=300))
def test_plain_text_never_carries_a_tag_or_a_url(text: str) -> None:
    plain = to_plain(text)
    if plain is not None:
        assert "://" not in plain
        assert "<a" not in plain.lower()
        assert "www." not in plain.lower()
