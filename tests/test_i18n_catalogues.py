"""The catalogues are complete and safe: every shipped language has every text of the code,
with the same placeholders and HTML tags, in every plural form, and the compiled `.mo` files
say what the `.po` files say."""

from __future__ import annotations

import gettext
import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import DOMAIN, LANGUAGES, LOCALE_DIR, negotiate, translator
from bot.i18n.labels import labels_for
from bot.text.render import ENGLISH

BOT = Path(__file__).resolve().parent.parent / "bot"
TRANSLATED = [language for language in LANGUAGES if language != "en"]
_PLACEHOLDER = re.compile(r"\{(\w*)\}")
_TAG = re.compile(r"</?[a-z]+[^>]*>")
# Texts that are the same word in a language (not English left in), with the reason.
SAME_AS_ENGLISH = {
    ("fr", "+ point"): "French for a key point is also « point »",
    ("fr", "− point"): "same",
    ("fr", "via"): "French says « via » too",
}


def code_messages() -> dict[str, tuple[str, ...]]:
    """Every msgid marked in `bot/` right now (singular → its plural forms' ids)."""
    found: dict[str, tuple[str, ...]] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(str(BOT)):
        ids = (message,) if isinstance(message, str) else tuple(m for m in message if m)
        if ids and ids[0]:
            found[ids[0]] = ids
    return found


def catalogue(language: str) -> Catalog:
    with (LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as file:
        return read_po(file, locale=language)


def _strings(message: Message) -> list[str]:
    return [message.string] if isinstance(message.string, str) else list(message.string)


def test_the_code_marks_texts_for_translation() -> None:
    """A sanity floor for the scan below: extraction sees the bot's texts."""
    messages = code_messages()
    assert len(messages) > 150
    assert "Summarised from the feed excerpt; the full article was unavailable." in messages


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_shipped_language_has_every_message(language: str) -> None:
    found = catalogue(language)
    problems = []
    for msgid, ids in code_messages().items():
        message = found.get(msgid)
        if message is None:
            problems.append(f"missing: {msgid!r}")
            continue
        strings = _strings(message)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated or fuzzy: {msgid!r}")
            continue
        if len(strings) != found.num_plurals and len(ids) > 1:
            problems.append(f"{len(strings)} plural forms, need {found.num_plurals}: {msgid!r}")
        wanted = _placeholders(" ".join(ids))
        tags = Counter(_TAG.findall(msgid))
        for text in strings:
            if _placeholders(text) != wanted:
                problems.append(f"placeholders differ: {msgid!r} -> {text!r}")
            if Counter(_TAG.findall(text)) != tags:
                problems.append(f"HTML tags differ: {msgid!r} -> {text!r}")
            if text == msgid and (language, msgid) not in SAME_AS_ENGLISH and _has_words(msgid):
                problems.append(f"left in English: {msgid!r}")
    assert problems == []


def _placeholders(text: str) -> set[str]:
    """The named placeholders; a plural form may leave out `{n}` ("one failure")."""
    return set(_PLACEHOLDER.findall(text)) - {"n"}


def _has_words(text: str) -> bool:
    return bool(re.search(r"[A-Za-z]{3,}", _TAG.sub("", _PLACEHOLDER.sub("", text))))


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("uk", ["1 збій", "2 збої", "5 збоїв", "21 збій", "12 збоїв"]),
        ("ru", ["1 сбой", "2 сбоя", "5 сбоев", "21 сбой", "12 сбоев"]),
        (
            "de",
            ["1 Fehlschlag", "2 Fehlschläge", "5 Fehlschläge", "21 Fehlschläge", "12 Fehlschläge"],
        ),
        ("es", ["1 fallo", "2 fallos", "5 fallos", "21 fallos", "12 fallos"]),
        ("fr", ["1 échec", "2 échecs", "5 échecs", "21 échecs", "12 échecs"]),
    ],
)
def test_plural_forms_follow_the_language(language: str, expected: list[str]) -> None:
    """Ukrainian and Russian need three forms (1 and 21, 2–4, 5–20), and the catalogue has them."""
    _ = translator(language)
    assert [_.ngettext("{n} failure", "{n} failures", n) for n in (1, 2, 5, 21, 12)] == expected


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_compiled_catalogue_matches_its_source(language: str) -> None:
    """The shipped `.mo` is compiled from the current `.po` (run `python -m bot.i18n compile`)."""
    with (LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo").open("rb") as file:
        compiled = gettext.GNUTranslations(file)
    for message in catalogue(language):
        if not message.id:
            continue
        if isinstance(message.id, str):
            assert compiled.gettext(message.id) == message.string, message.id
        else:
            singular, plural = message.id[0], message.id[1]
            assert compiled.ngettext(singular, plural, 1) == message.string[0], singular


def test_english_labels_are_the_renderers_defaults() -> None:
    """`render` works without catalogues; its English defaults are the msgids themselves."""
    assert labels_for("en") == ENGLISH
    assert labels_for(None) == ENGLISH
    assert (labels_for("uk").source, labels_for("uk").via) == ("Джерело", "через")


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("uk", "uk"),
        ("uk-UA", "uk"),
        ("ru", "ru"),
        ("de-AT", "de"),
        ("es-419", "es"),
        ("fr_CA", "fr"),
        ("FR", "fr"),
        ("pt-BR", "en"),
        ("en-GB", "en"),
        ("be", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_a_telegram_language_code_picks_a_shipped_language(code: str | None, language: str) -> None:
    assert negotiate(code) == language
