"""Cleaning: duplicates, boilerplate and labels go; real article paragraphs stay."""

import json
import re
from collections import Counter

import pytest

from bot.text.clean import clean_document, clean_paragraphs, clean_text

SEED = "seed/000_018c53ecd229c31f.txt"


@pytest.fixture(scope="module")
def seed_text(shared_data):
    return (shared_data / SEED).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def ground_truth(shared_data):
    path = shared_data / "extraction-benchmark" / "ground-truth.json"
    return json.loads(path.read_text(encoding="utf-8"))


def test_seed_teaser_glued_from_three_body_lines_is_dropped(seed_text):
    paragraphs = clean_paragraphs(seed_text)
    lede = "Antony Blinken, US Secretary of State, warned a small group of lawmakers last week"
    assert sum(lede in p for p in paragraphs) == 1
    assert not any("Details:" in p or "Source:" in p for p in paragraphs)
    assert sum("This indicates the depth" in p for p in paragraphs) == 1


def test_seed_labels_are_stripped_but_their_content_kept(seed_text):
    document = clean_document(seed_text)
    by_label = {p.label: p.text for p in document.paragraphs if p.label}
    assert by_label["source"] == "Politico, referring to two people familiar with the situation"
    assert by_label["details"].startswith("This indicates the depth")


def test_seed_background_section_is_marked_and_promo_line_is_boilerplate(seed_text):
    document = clean_document(seed_text)
    background = [p.text for p in document.paragraphs if p.background]
    assert len(background) == 3
    assert background[0].startswith("In September, Azerbaijan regained control")
    assert len(document.boilerplate) == 1
    assert document.boilerplate[0].startswith("Ukrainska Pravda is the place")
    assert "Follow us" not in clean_text(seed_text)


def test_exact_duplicate_paragraph_and_sentence_are_dropped():
    lede = "The central bank raised its key rate by half a point on Thursday to fight inflation."
    text = f"{lede}\n\nMarkets fell after the decision was announced in Frankfurt.\n\n{lede}\n"
    text += f"Analysts had expected a smaller move. {lede}"
    paragraphs = clean_paragraphs(text)
    assert sum(lede in p for p in paragraphs) == 1
    assert "Analysts had expected a smaller move." in paragraphs


def test_near_duplicate_caption_contained_in_a_paragraph_is_dropped():
    body = (
        "Rescuers pulled 12 people from the rubble of the collapsed building in Izmir on Friday, "
        "the city's governor said, as the search went on through the night."
    )
    caption = (
        "Rescuers pulled 12 people from the rubble of the collapsed building in Izmir on Friday"
    )
    paragraphs = clean_paragraphs(f"{body}\n{caption}\nThe quake struck at noon.")
    assert paragraphs == [body, "The quake struck at noon."]


def test_recurring_interview_question_is_kept_every_time():
    question = "What inspired you to start cooking for an audience of strangers online every week?"
    text = "\n".join(f"{question}\nAnswer number {n} is quite different." for n in range(3))
    assert sum(p == question for p in clean_paragraphs(text)) == 3


@pytest.mark.parametrize(
    "line",
    [
        "Follow us on Twitter and Facebook!",
        "Subscribe to our newsletter for the latest updates.",
        "Sign up for our daily newsletter.",
        "Read more: Why the talks failed",
        "We use cookies to improve your experience. Accept cookies to continue.",
        "Photo: Reuters",
        "Image credit: Getty Images",
        "By John Smith",
        "By Jane Doe and John Roe, Reuters",
        "Published: 12:30 EST, 12 March 2014",
        "Advertisement",
        "© 2024 Example News. All rights reserved.",
        "Please donate to support independent journalism. Become a member today!",
        "Share this article on social media.",
        "Підписуйтесь на наш канал у Telegram.",
        "Читайте также: главные новости дня",
        "Lesen Sie auch: Was die Regierung plant",
        "Síguenos en Twitter.",
    ],
)
def test_publisher_boilerplate_is_dropped(line):
    news = "The parliament approved the budget on Tuesday after a long debate."
    document = clean_document(f"{news}\n{line}")
    assert [p.text for p in document.paragraphs] == [news]
    assert document.boilerplate


@pytest.mark.parametrize(
    "sentence",
    [
        "Small investors have welcomed the deal, subscribing for so many shares that few got any.",
        "The company continued to sign up additional subscribers throughout the day.",
        "The governor would like us to know that the state has a drug problem.",
        "Shares in the firm fell 5% after the report.",
        "By then, the fire had spread.",
        "Published in 2019, the report found serious flaws.",
        "Por fin llegó la paz.",
    ],
)
def test_news_that_merely_mentions_subscribers_or_shares_is_kept(sentence):
    assert clean_paragraphs(sentence) == [sentence]


def test_hard_wrapped_lines_are_joined_and_bullets_unmarked():
    text = (
        "The minister said the plan\nwould be ready in May.\n- Costs will rise.\n• Taxes will not."
    )
    assert clean_paragraphs(text) == [
        "The minister said the plan would be ready in May.",
        "Costs will rise.",
        "Taxes will not.",
    ]


def test_control_and_invisible_characters_are_removed():
    assert clean_text("Kyiv\u200b is calm\x00 today.\r\nShelling stopped.") == (
        "Kyiv is calm today.\n\nShelling stopped."
    )


def test_real_russian_and_german_articles_keep_every_word(ground_truth):
    for url_part in ("wday.ru/articles/53-letnyaya-model", "comwrap-auf-der-dmexco-2018"):
        body = next(v["articleBody"] for v in ground_truth.values() if url_part in v["url"])
        assert _four_gram_recall(body, clean_text(body)) == 1.0


def test_extraction_benchmark_texts_survive_cleaning(ground_truth):
    """The page extractor runs clean_text on its output: it must not eat article text."""
    recalls = [
        _four_gram_recall(v["articleBody"], clean_text(v["articleBody"]))
        for v in ground_truth.values()
    ]
    assert sum(recalls) / len(recalls) > 0.99
    assert min(recalls) > 0.85


def _four_gram_recall(reference, prediction):
    def shingles(text):
        words = re.findall(r"\w+", text)
        return Counter(tuple(words[i : i + 4]) for i in range(max(1, len(words) - 3)))

    truth = shingles(reference)
    return sum((truth & shingles(prediction)).values()) / sum(truth.values())
