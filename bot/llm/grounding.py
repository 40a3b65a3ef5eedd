"""Guard rails for the model's text: plain, short, and supported by the article.

The model is untrusted. A key point survives only if it carries no link, every number and every
capitalised word in it occurs in the article, and it shares at least one content word with the
article; markup is stripped and long points are trimmed like extractive ones
(`bot.text.rank.shorten`). When the summary is written in another language than the article, words
cannot be compared, so only numbers and links are checked there. If most points fail, the whole
answer is `UngroundedSummaryError`: a model that invents half its points is not trusted with
the other half.

Pure functions: no I/O, deterministic.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from bot.errors import UngroundedSummaryError
from bot.text.clean import raw_paragraphs
from bot.text.rank import MAX_POINT_CHARS, shorten

MAX_HEADLINE_CHARS = 160
_MIN_WORD = 2
_CONTENT_WORD = 4
_PREFIX = 4
# Inflection slack when matching a word against the article ("Armenia's", "Вірменії").
_ENDING_SLACK = 3

# Links in any form Telegram would make clickable: URLs, markdown links, bare domains, @handles.
_LINK = re.compile(
    r"(?i:(?:https?|ftp|tg)://|www\.)|\]\(|@[A-Za-z0-9_]{3,}|"
    r"[\w-]\.(?:[a-z]{2,24}|рф|укр|рус|бел|срб|онлайн|сайт)\b"
)
_TAG = re.compile(r"<[^<>]{0,200}>")
_MARKDOWN = re.compile(r"\*\*|__|`+|~~|^#+\s*")
# "1 500" (thin or plain space groups), "1,500.5", "27.11.2026"; compared by their digits only.
_NUMBER = re.compile(r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)|\d+(?:[.,]\d+)*")
_DIGITS = re.compile(r"\d+")
_WORD = re.compile(r"[^\W\d_]+")
_OPEN_QUOTES = '"“«'
_CLOSE_QUOTES = '"”»'
# Drop reasons that say nothing about the model's honesty.
_HARMLESS = frozenset({"duplicate", "empty", "too_long"})

_NUMBER_WORD_TEXT = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen twenty"
)
_NUMBER_WORDS = {word: str(n) for n, word in enumerate(_NUMBER_WORD_TEXT.split())}

# Words that start sentences or carry no topic, in the languages we serve. Capitalised, they
# are not names; they never count as the content a point must share with the article.
_STOPWORD_TEXT = """
    a about above after again against all also although among an and another any are as at
    be because been before being below between both but by can could did do does during each
    either even ever every few for from further had has have having he her here hers him his how
    however i if in into is it its itself just least less many may meanwhile more moreover most
    much must neither no nor not now of off on once only or other otherwise our out over overall
    own per rather same she should since so some still such than that the their them then there
    therefore these they this those though through thus to too under until up upon very was we
    were what when where whether which while who whom whose why will with within without would
    yet you your additionally furthermore according despite instead later earlier today
    yesterday tomorrow officials said says say reported report reports new first last
    der die das den dem des ein eine einer eines einem und oder aber auch als am an auf aus bei
    bis durch für gegen hat haben hatte ist im in mit nach nicht noch nur oder seit sich sie sind
    so über um unter vom von vor war waren wie wird werden wurde wurden zu zum zur zudem außerdem
    jedoch laut dass sowie
    el la los las un una unos unas y o pero también como con de del desde en entre es son fue
    fueron ha han hay para por que se según sin sobre su sus además sin embargo mientras este
    esta estos estas
    і й та але або також як з із зі до від на в у за про при що це цей ця ці його її їх вони він
    вона було були був була є буде будуть проте однак крім після перед через щодо згідно поки
    и а но или также как с со к от на в во за о об при что это этот эта эти его ее их они он она
    было были был была есть будет будут однако кроме после перед через согласно пока
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass(frozen=True, slots=True)
class GroundedAnswer:
    """What survives the checks; `dropped` lists (reason, original text) for the log."""

    headline: str | None
    key_points: tuple[str, ...]
    dropped: tuple[tuple[str, str], ...]


class ArticleEvidence:
    """The article's numbers and words, indexed once for many checks."""

    def __init__(self, text: str) -> None:
        # Parts too: "27 November" is supported by "27.11.2026".
        self.numbers = _numbers(text) | set(_DIGITS.findall(text))
        self.numbers.update(
            digit for word, digit in _NUMBER_WORDS.items() if re.search(rf"\b{word}\b", text, re.I)
        )
        self.words = {w.casefold() for w in _WORD.findall(text) if len(w) >= _MIN_WORD}
        self._by_prefix: dict[str, list[str]] = {}
        for word in self.words:
            self._by_prefix.setdefault(word[:_PREFIX], []).append(word)

    def has_word(self, word: str) -> bool:
        """True if `word` occurs in the article, allowing a different inflected ending."""
        folded = word.casefold()
        if folded in self.words:
            return True
        if len(folded) <= _PREFIX:
            return False
        for candidate in self._by_prefix.get(folded[:_PREFIX], ()):
            shared = _common_prefix(folded, candidate)
            longest = max(len(folded), len(candidate))
            if shared >= max(_PREFIX, longest - _ENDING_SLACK):
                return True
        return False


def ground(
    headline: str,
    points: tuple[str, ...],
    evidence: ArticleEvidence,
    *,
    max_points: int,
    same_language: bool,
) -> GroundedAnswer:
    """Keep the supported points (at most `max_points`); raise if most were unsupported."""
    kept: list[str] = []
    dropped: list[tuple[str, str]] = []
    for raw in points:
        text = to_plain(raw)
        reason = _unsupported(text, evidence, same_language=same_language)
        if text is None or reason is not None:
            dropped.append((reason or "link", raw))
        elif not text:
            dropped.append(("empty", raw))
        elif not (short := shorten(text, MAX_POINT_CHARS)):
            dropped.append(("too_long", raw))
        elif _repeats(short, kept):
            dropped.append(("duplicate", raw))
        else:
            kept.append(short)
    unsupported = sum(1 for reason, _ in dropped if reason not in _HARMLESS)
    if not kept or unsupported * 2 > len(points):
        raise UngroundedSummaryError(
            f"{unsupported} of {len(points)} points are not supported by the article"
        )
    return GroundedAnswer(
        headline=_grounded_headline(headline, evidence, same_language=same_language),
        key_points=tuple(kept[:max_points]),
        dropped=tuple(dropped),
    )


def _grounded_headline(
    headline: str, evidence: ArticleEvidence, *, same_language: bool
) -> str | None:
    plain = to_plain(headline)
    if not plain or _unsupported(plain, evidence, same_language=same_language) is not None:
        return None
    return shorten(plain, MAX_HEADLINE_CHARS) or None


def to_plain(text: str) -> str | None:
    """The text without markup and with normalised spaces; None if it carries a link."""
    text = html.unescape(text)
    if _LINK.search(text):
        return None
    # Cleaning's own normalisation: no control or invisible characters, bullets, or line breaks.
    text = " ".join(raw_paragraphs(_MARKDOWN.sub("", _TAG.sub(" ", text))))
    # Again: removing markup or invisible characters can join a link ("evil**.**com").
    if _LINK.search(text):
        return None
    if len(text) >= 2 and text[0] in _OPEN_QUOTES and text[-1] in _CLOSE_QUOTES:
        text = text[1:-1].strip()
    return text


def _unsupported(text: str | None, evidence: ArticleEvidence, *, same_language: bool) -> str | None:
    """Why `text` is not supported by the article, or None if it is (or is empty)."""
    if text is None:
        return "link"
    if any(number not in evidence.numbers for number in _numbers(text)):
        return "number"
    if same_language and text:
        return _unsupported_words(text, evidence)
    return None


def _unsupported_words(text: str, evidence: ArticleEvidence) -> str | None:
    words = [w for w in _WORD.findall(text) if len(w) >= _MIN_WORD]
    if any(
        w[0].isupper() and w.casefold() not in _STOPWORDS and not evidence.has_word(w)
        for w in words
    ):
        return "name"
    content = [w for w in words if len(w) >= _CONTENT_WORD and w.casefold() not in _STOPWORDS]
    if not any(evidence.has_word(w) for w in content):
        return "off_topic"
    return None


def content_overlap(text: str, evidence: ArticleEvidence) -> float:
    """Share of `text`'s content words found in the article: low for a translation."""
    content = [
        w for w in _WORD.findall(text) if len(w) >= _CONTENT_WORD and w.casefold() not in _STOPWORDS
    ]
    if not content:
        return 0.0
    return sum(1 for w in content if evidence.has_word(w)) / len(content)


def _repeats(text: str, kept: list[str]) -> bool:
    words = {w.casefold() for w in _WORD.findall(text)}
    for other in kept:
        others = {w.casefold() for w in _WORD.findall(other)}
        union = words | others
        if union and len(words & others) / len(union) >= 0.8:
            return True
    return False


def _numbers(text: str) -> set[str]:
    return {re.sub(r"\D", "", match) for match in _NUMBER.findall(text)}


def _common_prefix(a: str, b: str) -> int:
    size = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        size += 1
    return size
