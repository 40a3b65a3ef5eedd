"""Who reported a story first (original source) and who published the page (publisher).

The original source comes from, in order of trust: a short source tail on the headline
("… – Politico"), a "Source: X" line, a wire dateline ("KYIV (Reuters) -"), "X reported",
"according to X". The publisher comes from site metadata, else the text's own self-promotion line
("Ukrainska Pravda is the place where…", "© 2024 Example News"). `describe` turns both into the
human-readable line: "Politico (via Ukrainska Pravda)" when both are known and differ, else the
one that is known, else the URL's host, else "".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.text.boilerplate import SOURCE_LABELS
from bot.text.outlets import is_known_outlet, is_news_organisation, same_outlet

# Latin and Cyrillic capitals; a name starts only where no name character precedes it, so
# "A.A.A.…" is one candidate, not one per letter (which made the search quadratic).
_CAPITALISED = r"(?<![\w&.'’-])[A-Z\u00c0-\u00de\u0400-\u042f\u0490][\w&.'’-]*+"
_NAME = rf"{_CAPITALISED}(?:\s+(?:of|the|de|der|die|и|та|{_CAPITALISED})){{0,4}}"
_TITLE_TAIL = re.compile(rf"^(?P<head>.{{12,}}?)\s+(?P<sep>[–—|]|-|::)\s+(?P<tail>{_NAME})\s*$")
# "KYIV (Reuters) -", "(Reuters) — …", "HAYWARD, Calif. (AP) —"
_DATELINE = re.compile(rf"^(?:[A-Z][A-Za-z .,'-]{{1,40}}\s)?\((?P<name>{_NAME})\)\s*[-–—]")
_REPORTED = re.compile(
    rf"\b(?P<name>{_NAME})\s+(?:reported|reports|has reported|first reported|wrote|повідомляє|"
    rf"повідомило|пише|сообщает|сообщило|пишет|berichtet|berichtete|informó|informa|rapporte)\b"
)
_ACCORDING = re.compile(
    rf"\b(?i:according to|as reported by|citing|за даними|за інформацією|як повідомляє|"
    rf"по данным|по информации|как сообщает|laut|según|selon)"
    rf"\s+(?:(?:the|a|an|reports?|from|by|in|state-run|official|state)\s+){{0,3}}(?P<name>{_NAME})"
)
# "a source told Agence France-Presse", "As Emily Feng reports for NPR", "first reported by X"
_CREDITED = re.compile(
    rf"\b(?:told|reports for|reported for|writes for|wrote for|reported by|first reported by|"
    rf"in an interview with)\s+(?:the\s+)?(?P<name>{_NAME})"
)
# An event in the story, not its source: "shares fell after CNBC reported …"
_EVENT_BEFORE = re.compile(r"\b(?:after|before|since|until|when)\s+$")
# Words after an agency's name in a byline: "AP Auto Writer", "Reuters staff".
_BYLINE_ROLES = frozenset(
    """
     auto sports national political security business chief senior staff writer writers
     correspondent reporter editor medical science technology white house
    """.split()  # noqa: SIM905 - a word list reads best as words
)
_BYLINE_PARTS = re.compile(r",|\.\s|\s[-–—|]\s|\sand\s")
_PROMO = re.compile(
    rf"^(?P<name>{_NAME})\s+(?:is|are|—|–|-)\s+(?:the|your|an?|це|это|ist|es)\b", re.UNICODE
)
_COPYRIGHT = re.compile(
    rf"(?:©|\([cC]\)|[Cc]opyright)\s*(?:\d{{4}}(?:\s*[-–]\s*\d{{4}})?\s*)?(?P<name>{_NAME})"
)
_SOURCE_END = re.compile(  # no leading \s*: it rescanned every run of spaces from each space
    r"(?:,|;|\(|\s[–—-]\s|\breferring\b|\bciting\b|\bwith reference\b).*", re.DOTALL
)
_QUOTE_BEFORE = re.compile(r"[”\"»’'][,.]?\s*$")
_LEAD_CHARS = 1500  # attribution of the story itself comes in its first few sentences
# Capitalised words that open a sentence but name nobody: pronouns, generic nouns, "how".
_NOT_NAMES = frozenset(
    re.split(
        r"\s+",
        "the he she it they we i you this that these those there sources source officials police "
        "media reports his her its their our as how як как wie він вона вони он она они er sie es",
    )
)


@dataclass(frozen=True, slots=True)
class Attribution:
    """The original source and the publisher, when the text or metadata tells them."""

    original_source: str | None
    publisher: str | None


def split_title(title: str) -> tuple[str, str | None, str | None]:
    """Headline without its tail → (headline, original source, publisher).

    "X – Politico" (en or em dash) names who reported it; "X | Site" or "X - Site" (a page
    title's usual separators) name the site that published it.
    """
    title = " ".join(title.split())
    match = _TITLE_TAIL.match(title)
    if not match or match.group("tail").lower() in _NOT_NAMES:
        return title, None, None
    head, tail = match.group("head").rstrip(" :"), match.group("tail")
    if len(head.split()) < 3:
        return title, None, None
    if match.group("sep") in {"|", "::", "-"}:
        return head, None, tail
    return head, tail, None


def source_from_lines(labelled: Iterable[tuple[str | None, str]]) -> str | None:
    """The name on a "Source: X" line (label already split off), trimmed at "referring to…"."""
    for label, text in labelled:
        if label in SOURCE_LABELS:
            name = _SOURCE_END.sub("", text, count=1).strip(" .:")
            if name and len(name.split()) <= 6:
                return name
    return None


def source_from_text(paragraphs: Iterable[str], publisher: str | None = None) -> str | None:
    """The news organisation credited near the story's start: a wire dateline, "X reported",
    "according to X", "told X", "reports for X" (not the publisher itself, a person or a firm).
    """
    budget = _LEAD_CHARS
    for paragraph in paragraphs:
        lead, budget = paragraph[:budget], budget - len(paragraph)
        for pattern in (_DATELINE, _REPORTED, _ACCORDING, _CREDITED):
            for match in pattern.finditer(lead):
                name = _tidy(match.group("name"))
                if (
                    _closes_quote(lead, match.start())
                    or _EVENT_BEFORE.search(lead, max(0, match.start() - 8), match.start())
                    or not _plausible_name(name)
                    or not is_news_organisation(name)
                    or same_outlet(name, publisher)
                ):
                    continue
                return name
        if budget <= 0:
            break
    return None


def source_from_byline(author: str | None, publisher: str | None = None) -> str | None:
    """A known news organisation in the byline ("Jane Roe, AP Auto Writer", "Reuters")."""
    for part in _BYLINE_PARTS.split(author or ""):
        words = part.split()
        if not words or same_outlet(part, publisher):
            continue
        for end in range(len(words), 0, -1):
            name, role = " ".join(words[:end]), words[end:]
            if is_known_outlet(name) and all(w.casefold() in _BYLINE_ROLES for w in role):
                return None if same_outlet(name, publisher) else name
    return None


def publisher_from_boilerplate(boilerplate: Iterable[str]) -> str | None:
    """The site's name from its self-promotion or copyright line."""
    for text in boilerplate:
        for pattern in (_PROMO, _COPYRIGHT):
            match = pattern.search(text)
            if match and _plausible_name(match.group("name")):
                return _tidy(match.group("name"))
    return None


def host_of(url: str | None) -> str | None:
    """The URL's host without "www.", or None."""
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None


def describe(attribution: Attribution, url: str | None = None, *, via: str = "via") -> str:
    """The human-readable source line ("Politico (via Ukrainska Pravda)"; `via` translated)."""
    original, publisher = attribution.original_source, attribution.publisher
    if original and publisher and not same_outlet(original, publisher):
        return f"{original} ({via} {publisher})"
    return original or publisher or host_of(url) or ""


def _plausible_name(name: str) -> bool:
    """Not a pronoun, a generic noun or a question word; "The X" is fine."""
    words = name.split()
    if len(words) > 1 and words[0].lower() == "the":
        words = words[1:]
    return words[0].lower() not in _NOT_NAMES and len(name) <= 60


def _closes_quote(text: str, start: int) -> bool:
    """True for '… ," Kowalczyk wrote': a person attributed a quote, not a source a story."""
    return _QUOTE_BEFORE.search(text, 0, start) is not None


def _tidy(name: str) -> str:
    """The outlet's name alone: up to a sentence end ("Example News. All rights"), before a
    possessive ("The Verge’s Stadia review"), after "of the" ("Sui-Lee Wee of the New York Times").
    """
    name = name.split(". ", 1)[0].rstrip(".")
    name = name.rsplit(" of the ", 1)[-1]
    words: list[str] = []
    for word in name.split():
        if word.endswith(("’s", "'s")):
            words.append(word[:-2])
            break
        words.append(word)
    return " ".join(words)
