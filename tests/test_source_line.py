"""The source line on the 181 real pages of the extraction benchmark, against hand labels.

tests/attribution_labels.json lists, for every page id, the publisher as readers know it and the
news organisation the text credits for the story (empty: none), each with accepted alternatives.
The labels were made by reading each page's metadata, title, byline and first paragraphs (how they
were made is described in docs/summaries.md). Names compare without case, accents, "The",
punctuation or a ".com"-type ending.
"""

import gzip
import json
from pathlib import Path

import pytest

from bot.feeds.extract import extract_article
from bot.summarize import summarize_article
from bot.text.outlets import normalise

LABELS = json.loads((Path(__file__).parent / "attribution_labels.json").read_text("utf-8"))
_REQUIRED = 0.95


@pytest.fixture(scope="module")
def attributed(shared_data):
    """(page id, publisher, original source) for every labelled page."""
    pages = shared_data / "extraction-benchmark" / "html"
    found = {}
    for page_id, label in LABELS.items():
        html = gzip.decompress((pages / f"{page_id}.html.gz").read_bytes())
        summary = summarize_article(extract_article(html, url=label["url"]), max_points=3)
        found[page_id] = (summary.publisher, summary.original_source)
    return found


def _matches(name, accepted):
    if not accepted:
        return name is None
    return name is not None and normalise(name) in {normalise(a) for a in accepted}


def test_every_benchmark_page_is_labelled():
    assert len(LABELS) == 181
    assert all(label["publisher"] for label in LABELS.values())


def test_publisher_is_right_on_at_least_95_percent_of_pages(attributed):
    wrong = {
        page: (got[0], LABELS[page]["publisher"][0])
        for page, got in attributed.items()
        if not _matches(got[0], LABELS[page]["publisher"])
    }
    assert len(wrong) <= (1 - _REQUIRED) * len(LABELS), wrong


def test_original_source_including_none_is_right_on_at_least_95_percent(attributed):
    wrong = {
        page: (got[1], LABELS[page]["original"])
        for page, got in attributed.items()
        if not _matches(got[1], LABELS[page]["original"])
    }
    assert len(wrong) <= (1 - _REQUIRED) * len(LABELS), wrong


@pytest.mark.parametrize(
    "url_part",
    ["cbsnews.com/news/impeachment", "foxbusiness.com", "barrons.com", "latimes.com/entertainment"],
)
def test_people_companies_and_fragments_are_never_an_original_source(attributed, url_part):
    """Once "Vindman", "Home Depot", "Wall Street", "Others" were shown as the source."""
    page = next(p for p, label in LABELS.items() if url_part in label["url"])
    assert attributed[page][1] is None


def test_new_york_times_pages_name_their_publisher(attributed):
    pages = [p for p, label in LABELS.items() if "nytimes.com" in label["url"]]
    assert len(pages) == 2
    assert {attributed[p][0] for p in pages} == {"The New York Times"}
