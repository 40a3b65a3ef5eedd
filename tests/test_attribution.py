"""Attribution: each way a story names its original source, and the publisher apart from it."""

import pytest

from bot.model import Article
from bot.text.attribution import (
    Attribution,
    describe,
    host_of,
    publisher_from_boilerplate,
    source_from_lines,
    source_from_text,
    split_title,
)
from bot.text.summarize import summarize_article, summarize_text


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "Azerbaijan plans to invade Armenia – Politico",
            ("Azerbaijan plans to invade Armenia", "Politico", None),
        ),
        (
            "Oil prices jump after OPEC cut — Reuters",
            ("Oil prices jump after OPEC cut", "Reuters", None),
        ),
        (
            "Storm hits the coast | The Daily Planet",
            ("Storm hits the coast", None, "The Daily Planet"),
        ),
        ("Storm hits the coast - BBC News", ("Storm hits the coast", None, "BBC News")),
        (
            "Österreich wählt ein neues Parlament – Der Standard",
            ("Österreich wählt ein neues Parlament", "Der Standard", None),
        ),
        # a dash inside the headline, not a source tail
        ("Zelensky – we will win this war", ("Zelensky – we will win this war", None, None)),
        ("Ceasefire holds – officials", ("Ceasefire holds – officials", None, None)),
        ("Plain headline", ("Plain headline", None, None)),
    ],
)
def test_headline_tail_names_source_or_site(title, expected):
    assert split_title(title) == expected


def test_source_line_gives_the_name_without_the_rest():
    lines = [(None, "Body."), ("source", "Politico, referring to two people familiar")]
    assert source_from_lines(lines) == "Politico"
    assert source_from_lines([("джерело", "Reuters")]) == "Reuters"
    assert source_from_lines([("details", "Something else")]) is None


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        ("KYIV (Reuters) - Ukraine said on Monday it had shot down 20 drones.", "Reuters"),
        ("The deal collapsed on Friday, according to Bloomberg News.", "Bloomberg News"),
        ("The Wall Street Journal reported that the talks had stalled.", "The Wall Street Journal"),
        ("Die Regierung plant Steuersenkungen, berichtet der Spiegel.", None),
        ("Die Regierung plant Steuersenkungen, laut Handelsblatt.", "Handelsblatt"),
        ("Як повідомляє Суспільне, обстріл тривав дві години.", "Суспільне"),
        ("According to the sources, the lawmakers insisted on sanctions.", None),
        # A person attributed a quote: that names a speaker, not who reported the story.
        ("“We want the project to survive either of us being ill,” Kowalczyk wrote.", None),
        ('"We are ready," Politico reported, citing two officials.', None),
        ("“It is over,” she said. The minister resigned, Reuters reported.", "Reuters"),
    ],
)
def test_source_in_the_story_text(paragraph, expected):
    assert source_from_text([paragraph]) == expected


def test_publisher_from_self_promotion_or_copyright_line():
    promo = (
        "Ukrainska Pravda is the place where you will find the most up-to-date information. "
        "Follow us on Twitter!"
    )
    assert publisher_from_boilerplate([promo]) == "Ukrainska Pravda"
    assert publisher_from_boilerplate(["© 2024 Example News. All rights reserved."]) == (
        "Example News"
    )
    assert publisher_from_boilerplate(["Follow us on Twitter!"]) is None


def test_describe_combines_source_and_publisher():
    assert (
        describe(Attribution("Politico", "Ukrainska Pravda")) == "Politico (via Ukrainska Pravda)"
    )
    assert describe(Attribution("Reuters", "reuters")) == "Reuters"
    assert describe(Attribution(None, "BBC News")) == "BBC News"
    assert describe(Attribution("AP", None)) == "AP"
    assert describe(Attribution(None, None), "https://www.example.org/a/b") == "example.org"
    assert describe(Attribution(None, None)) == ""
    assert host_of("not a url") is None


def test_summary_prefers_site_metadata_for_the_publisher():
    article = Article(
        text="Officials said the bridge would reopen in May. Repairs cost $2 million.",
        title="Bridge to reopen – AP",
        site_name="Kyiv Independent",
        url="https://kyivindependent.com/bridge",
    )
    summary = summarize_article(article)
    assert summary.headline == "Bridge to reopen"
    assert (summary.original_source, summary.publisher) == ("AP", "Kyiv Independent")
    assert summary.source == "AP (via Kyiv Independent)"


def test_summary_of_unattributed_text_falls_back_to_url_host_or_nothing():
    text = "The council approved the new park on Monday. Work starts next year."
    assert summarize_text(text).source == ""
    article = Article(text=text, url="https://www.citynews.example/park")
    assert summarize_article(article).source == "citynews.example"
