"""Rank a cleaned article's sentences and pick non-redundant key points in story order.

A sentence's score combines a few principled signals, all computed within the one document:
- position: news is written lead first, so earlier sentences weigh more (a smooth decay);
- centrality: cosine similarity of its TF-IDF vector (document-internal IDF, words cut to a
  six-character stem so inflected languages match) to the whole document's vector;
- old context: sentences of a "Background" section, or with "previously"/"нагадаємо"-type
  cues, weigh less.
Selection is greedy, penalising similarity to points already chosen (maximal marginal relevance).
Everything is linear in the number of sentences except the tiny per-choice redundancy check.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter

from bot.text.boilerplate import SOURCE_LABELS, is_promotional
from bot.text.clean import Paragraph

# Whole sentences read better than cut ones: only a sentence longer than this is cut (at a
# clause, with "…"); fewer than 3% of points on CNN/DailyMail and French news are.
MAX_POINT_CHARS = 400
_MIN_POINT_CHARS = 60  # a trimmed point keeps at least this much before its clause boundary
_MIN_WORDS = 5
_POSITION_DECAY = 0.03
# Position weight e^(-0.03 · 400) ≈ 6e-6: later sentences cannot win, so a huge text's ranking
# stops at the paragraph that brings this many candidates (bounded work per summary).
_MAX_CANDIDATES = 400
_CENTRALITY_WEIGHT = 1.0
_REDUNDANCY = 0.3  # similarity to a chosen point above which a candidate repeats it
_BACKGROUND_WEIGHT = 0.2
_OLD_CONTEXT_WEIGHT = 0.6
_QUOTE_WEIGHT = 0.8
# Sentences of ordinary length say most; fragments and run-ons weigh less (√ of the ratio).
_SHORT_WORDS, _LONG_WORDS = 10, 45
# Function words of the languages we see most: they make sentences look alike without meaning.
_STOP_WORDS = frozenset(
    """
    the and that with for was were has have had this from they their his her its are but not
    been will would said says who which what when where also more than after about into over
    there them she him out one two all can could just our your you were being other some such
    only then very may might should while because before under between both each most these
    those les des une dans pour qui que par sur est pas plus aux ont été avec son ses cette elle
    ils mais comme sont être leur tout fait deux aussi der die das und den dem des ein eine
    einer ist mit von sich auf für nicht auch als wie bei nach oder wird sind hat war wurde
    los las del por con una para como más pero sus fue son está este esta han ser que что это
    как для его она они так все был была было были при уже или если від для що його вона вони
    так але було були при вже або якщо які який
    """.split()  # noqa: SIM905 - a word list reads best as words
)
_QUOTES = "\"'“‘«„"
# Double quotation marks of any style, and the PTB-tokenised ones (`` and '') of lower-cased text.
_QUOTE_MARK = re.compile(r"[\"“”„«»]|``|''")
_stem = itemgetter(slice(None, 6))  # a six-character prefix: a stemmer for any language
_TOKEN = re.compile(r"[^\W\d_]{3,}")
_CLAUSE_END = re.compile(
    r"[,;:]\s|\s[–—-]\s|\s(?=(?:and|but|while|which|who|because|although|after|before|when|"
    r"und|aber|während|weil|nachdem|и|но|а|который|которая|которые|когда|после|і|та|але|який|"
    r"яка|які|коли|після|y|pero|que|cuando|mientras)\s)",
    re.IGNORECASE,
)
_DATELINE = re.compile(
    r"^(?:(?P<place>[^\W\d_]+(?:[ ,.'-]+[^\W\d_]+){0,3})\s*)?"
    r"\((?P<agency>[^()]{2,25})\)\s*(?P<dash>--|[-–—])?\s*"
)
_ENDS_SENTENCE = re.compile(r"[.!?…][\"'”’»)\]]*$")
_OLD_CONTEXT = re.compile(
    r"^\W*(?:earlier|recall|as a reminder|нагадаємо|нагадуємо|напомним|recordemos)\b"
    r"|\b(?:previously|раніше|ранее|zuvor|anteriormente)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class _Candidate:
    position: int
    text: str
    weight: float
    vector: dict[str, float]


def select_key_points(
    paragraphs: Sequence[Paragraph], points: int, *, lower_case: bool = False
) -> tuple[str, ...]:
    """Up to `points` key sentences of the body, in story order, each ≤ ~400 characters.

    `lower_case` says the text has no capitals, so a sentence need not start with one.
    """
    candidates = _candidates(paragraphs, lower_case=lower_case)
    if not candidates:
        return ()
    total: dict[str, float] = {}
    for c in candidates:
        for stem, value in c.vector.items():
            total[stem] = total.get(stem, 0.0) + value
    norm2 = sum(v * v for v in total.values())
    scores = []
    for rank, c in enumerate(candidates):
        # cosine to the rest of the document: the sum of all unit vectors minus its own
        dot = _dot(c.vector, total)
        rest = norm2 - 2 * dot + 1
        centrality = (dot - 1) / math.sqrt(rest) if rest > 1e-9 else 0.0
        scores.append(c.weight * (_position_score(rank) + _CENTRALITY_WEIGHT * centrality))
    order = sorted(range(len(candidates)), key=lambda i: (-scores[i], i))
    chosen: list[_Candidate] = []
    for index in order:
        candidate = candidates[index]
        if any(_dot(candidate.vector, c.vector) > _REDUNDANCY for c in chosen):
            continue
        if is_promotional(candidate.text):  # checked lazily: only the few best are asked
            continue
        chosen.append(candidate)
        if len(chosen) == points:
            break
    return tuple(c.text for c in sorted(chosen, key=lambda c: c.position))


def shorten(sentence: str, limit: int = MAX_POINT_CHARS) -> str:
    """`sentence` if short enough, else cut at the last clause boundary before `limit` + "…".

    Returns "" when there is no clause boundary to cut at (never cuts inside a word).
    """
    if len(sentence) <= limit:
        return sentence
    cut = 0
    for match in _CLAUSE_END.finditer(sentence, 0, limit):
        if match.start() >= _MIN_POINT_CHARS:
            cut = match.start()
    if not cut:
        return ""
    return sentence[:cut].rstrip(" ,;:–—-") + "…"


def cut_between_words(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters at its last space (a last resort)."""
    if len(text) <= limit:
        return text
    head = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else ""
    return head.rstrip(" ,;:–—-") + "…" if head else ""


def _candidates(paragraphs: Sequence[Paragraph], *, lower_case: bool) -> list[_Candidate]:
    """Complete body sentences (with their weights and vectors) that may become key points."""
    raw: list[tuple[str, float]] = []
    usable: list[tuple[str, float]] = []
    for paragraph in paragraphs:
        if paragraph.label in SOURCE_LABELS:
            continue
        weight = _BACKGROUND_WEIGHT if paragraph.background else 1.0
        for text in paragraph.sentences:
            sentence = text if raw else _strip_dateline(text)
            scored = (sentence, weight * _sentence_weight(sentence))
            raw.append(scored)
            if _is_complete(sentence, lower_case=lower_case):
                usable.append(scored)
        if len(usable) >= _MAX_CANDIDATES:
            break
    if not usable:  # no proper sentence: fall back to whatever fragments there are
        usable = [(text, w) for text, w in raw if len(text.split()) >= 2]
    counts = [Counter(map(_stem, _content_words(text))) for text, _ in usable]
    frequency: Counter[str] = Counter()
    for stems in counts:
        frequency.update(stems.keys())
    total = len(usable)
    idf = {stem: math.log((total + 1) / (count + 0.5)) for stem, count in frequency.items()}
    candidates = []
    for position, ((text, weight), stems) in enumerate(zip(usable, counts, strict=True)):
        short = shorten(text)
        if short:
            vector = _unit({stem: n * idf[stem] for stem, n in stems.items()})
            candidates.append(_Candidate(position, short, weight, vector))
    if not candidates and usable:  # only run-on sentences: cut the first between words
        short = cut_between_words(usable[0][0], MAX_POINT_CHARS)
        candidates = [_Candidate(0, short, 1.0, {})] if short else []
    return candidates


def _strip_dateline(sentence: str) -> str:
    """The story's first sentence without its wire dateline ("KYIV (Reuters) - ", "(CNN) -- ")."""
    match = _DATELINE.match(sentence)
    if not match:
        return sentence
    place, rest = match.group("place"), sentence[match.end() :]
    if place and not match.group("dash") and not (place.isupper() or place.islower()):
        return sentence  # "Apple (AAPL) said …": a name and its ticker, not a dateline
    return rest if len(rest.split()) >= _MIN_WORDS else sentence


def _content_words(text: str) -> list[str]:
    return [token for token in _TOKEN.findall(text.lower()) if token not in _STOP_WORDS]


def _sentence_weight(sentence: str) -> float:
    """Old context, direct quotes, fragments and run-ons say less about what happened now."""
    weight = _OLD_CONTEXT_WEIGHT if _OLD_CONTEXT.search(sentence) else 1.0
    words = len(sentence.split())
    if words < _SHORT_WORDS:
        weight *= math.sqrt(words / _SHORT_WORDS)
    elif words > _LONG_WORDS:
        weight *= math.sqrt(_LONG_WORDS / words)
    return weight * _QUOTE_WEIGHT if sentence[:1] in _QUOTES else weight


def _is_complete(sentence: str, *, lower_case: bool) -> bool:
    """A whole sentence: enough words, final punctuation, a capital start in cased text."""
    if len(sentence.split()) < _MIN_WORDS or not _ENDS_SENTENCE.search(sentence):
        return False
    if len(_QUOTE_MARK.findall(sentence)) % 2:
        return False  # starts or ends inside a quotation: a fragment of a longer quote
    first = sentence.lstrip("\"'“‘«„([—–- ")[:1]
    return lower_case or first.isupper() or first.isdigit()


def _position_score(rank: int) -> float:
    return math.exp(-_POSITION_DECAY * rank)


def _unit(vector: Mapping[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {key: value / norm for key, value in vector.items()} if norm else {}


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    """Dot product of sparse vectors (the cosine, when both are unit vectors)."""
    if len(a) > len(b):
        a, b = b, a
    return sum(value * b.get(key, 0.0) for key, value in a.items())
