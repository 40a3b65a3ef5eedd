"""Sentence splitting: abbreviations, initials, numbers, quotes, ellipses, lower case, languages."""

import json

import pytest

from bot.text.sentences import is_lower_case_text, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The U.S. Senate voted on Jan. 5. Dr. Smith objected.",
            ["The U.S. Senate voted on Jan. 5.", "Dr. Smith objected."],
        ),
        (
            "J. K. Rowling wrote it. Mr. Potter did not.",
            ["J. K. Rowling wrote it.", "Mr. Potter did not."],
        ),
        (
            "Inflation rose 3.5 percent. Prices hit $1,234.56 in May.",
            ["Inflation rose 3.5 percent.", "Prices hit $1,234.56 in May."],
        ),
        (
            'He said "we will win." Then he left.',
            ['He said "we will win."', "Then he left."],
        ),
        (
            "Wait... they said it was over. It was not!",
            ["Wait... they said it was over.", "It was not!"],
        ),
        (
            "Troops moved to the U.S. The president spoke later.",
            ["Troops moved to the U.S.", "The president spoke later."],
        ),
        (
            "Is it over? Nobody knows. Officials declined to comment.",
            ["Is it over?", "Nobody knows.", "Officials declined to comment."],
        ),
    ],
)
def test_english_boundaries_respect_abbreviations_numbers_and_quotes(text, expected):
    assert split_sentences(text) == expected


def test_russian_abbreviation_t_e_does_not_end_a_sentence():
    text = "Это важно, т. е. срочно. Правительство приняло решение в 2023 г. Оно вступит в силу."
    assert split_sentences(text) == [
        "Это важно, т. е. срочно.",
        "Правительство приняло решение в 2023 г.",
        "Оно вступит в силу.",
    ]


def test_german_ordinal_dates_and_abbreviations_hold_together():
    text = "Am 3. Oktober wurde gefeiert, z. B. in Berlin. Danach kam der Regen."
    assert split_sentences(text) == [
        "Am 3. Oktober wurde gefeiert, z. B. in Berlin.",
        "Danach kam der Regen.",
    ]


def test_all_lower_case_text_still_splits():
    text = (
        "a man charged with planning the attacks has been released on bail. "
        "lakhvi still faces trial in the case. the u.s. state department said nothing."
    )
    assert is_lower_case_text(text)
    assert split_sentences(text) == [
        "a man charged with planning the attacks has been released on bail.",
        "lakhvi still faces trial in the case.",
        "the u.s. state department said nothing.",
    ]


def test_empty_and_whitespace_give_no_sentences():
    assert split_sentences("") == []
    assert split_sentences(" \n\t ") == []


def test_text_without_final_punctuation_is_one_sentence():
    assert split_sentences("Breaking news from Kyiv") == ["Breaking news from Kyiv"]


def _ground_truth(shared_data, url_part):
    truth = json.loads((shared_data / "extraction-benchmark" / "ground-truth.json").read_text())
    return next(v["articleBody"] for v in truth.values() if url_part in v["url"])


def test_real_russian_news_paragraph_splits_into_its_sentences(shared_data):
    body = _ground_truth(shared_data, "wday.ru/articles/53-letnyaya-model")
    paragraph = body.split("\n\n")[0]
    sentences = split_sentences(paragraph)
    assert sentences[0] == "В восьмидесятых годах чешская красавица заявила о себе на весь мир."
    assert len(sentences) == 4
    # the bracketed "(например, у Кустурицы в «Аризонской мечте»)" stays inside its sentence
    assert sentences[-1].startswith("Она снималась")
    assert sentences[-1].endswith("Микки Рурк.")


def test_real_german_paragraph_keeps_date_range_and_abbreviations(shared_data):
    body = _ground_truth(shared_data, "comwrap-auf-der-dmexco-2018")
    first = body.split("\n\n")[0]
    assert split_sentences(first) == [first.strip()]  # "Am 12. Bis 13. September …" is one
    epa = _ground_truth(shared_data, "die-elektronische-patientenakte")
    paragraph = next(p for p in epa.split("\n\n") if "z.B." in p)
    sentences = split_sentences(paragraph)
    assert any("z.B. durch einrichtungsinterne" in s for s in sentences)
    assert all(s[0].isupper() for s in sentences)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # German ordinals: centuries, minutes, club names, dates in brackets
            "Die Kirche stammt aus der Mitte des 16. Jahrhunderts. Sie wurde 1980 renoviert.",
            ["Die Kirche stammt aus der Mitte des 16. Jahrhunderts.", "Sie wurde 1980 renoviert."],
        ),
        (
            "In der 27. Minute fiel das Tor. Danach war Ruhe.",
            ["In der 27. Minute fiel das Tor.", "Danach war Ruhe."],
        ),
        (
            "Der 1. FC Kaiserslautern gewann. Die Fans jubelten.",
            ["Der 1. FC Kaiserslautern gewann.", "Die Fans jubelten."],
        ),
        (
            "Das Spiel (24. Mai) war ausverkauft. Danach kam der Regen.",
            ["Das Spiel (24. Mai) war ausverkauft.", "Danach kam der Regen."],
        ),
        (  # German quotes close with “
            "Er sagte: „Wir schaffen das.“ Dann ging er.",
            ["Er sagte: „Wir schaffen das.“", "Dann ging er."],
        ),
        (  # French guillemets with inner spaces, initials, month abbreviations
            "Il a dit : « Nous gagnerons. » Puis il est parti.",
            ["Il a dit : « Nous gagnerons. »", "Puis il est parti."],
        ),
        (
            "M. Macron a parlé le 3 janv. à Paris. Les députés ont voté.",
            ["M. Macron a parlé le 3 janv. à Paris.", "Les députés ont voté."],
        ),
        (  # Russian and Ukrainian: «» quotes, initials, street and town abbreviations
            "«Мы победим.» Потом он ушел.",
            ["«Мы победим.»", "Потом он ушел."],
        ),
        (
            "Президент В. Зеленський прибув до м. Києва. Там його зустріли.",
            ["Президент В. Зеленський прибув до м. Києва.", "Там його зустріли."],
        ),
        (
            "Це сталося на вул. Хрещатик. Поліція прибула.",
            ["Це сталося на вул. Хрещатик.", "Поліція прибула."],
        ),
        (
            "Дж. Байден выступил в Вашингтоне. Его слушали.",
            ["Дж. Байден выступил в Вашингтоне.", "Его слушали."],
        ),
        (  # Spanish: titles, dotted country names, month abbreviations
            "El Sr. García llegó a EE.UU. el martes. La reunión fue larga.",
            ["El Sr. García llegó a EE.UU. el martes.", "La reunión fue larga."],
        ),
        (
            "Se reunieron el 3 de ene. en Madrid. Hubo acuerdo.",
            ["Se reunieron el 3 de ene. en Madrid.", "Hubo acuerdo."],
        ),
    ],
)
def test_boundaries_in_german_french_ukrainian_russian_and_spanish(text, expected):
    assert split_sentences(text) == expected
