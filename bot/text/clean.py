"""Article text → de-duplicated, de-boilerplated paragraphs with their section labels.

Scraped pages repeat themselves: a teaser block that is several body paragraphs glued together, the
lede again as a caption, the same sentence twice. Exact matching misses the glued teaser, so
paragraphs are compared by word-trigram coverage: one covered by the union of several others is a
composite and goes; a later one covered by a single earlier paragraph is a copy (or a caption) and
goes; a sentence said before goes. Text repeated three times or more is a template (an interview's
recurring question) and stays, as do short lines. Publisher boilerplate is recognised by generic
signals (`bot.text.boilerplate`). Section labels ("Details:", "Background:") are stripped but
remembered, so the summariser can weigh old context less; a "Source:" paragraph is kept for
attribution. Everything here is linear in the text size.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.text.boilerplate import BACKGROUND_LABELS, is_boilerplate, split_label
from bot.text.sentences import is_lower_case_text, split_sentences

_WORD = re.compile(r"\w+")
_LINE_BREAK = re.compile(r"\r\n?|[\u2028\u2029\x85]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# zero-width joiners (U+200C, U+200D) stay: emoji sequences and some scripts need them
_INVISIBLE = re.compile(r"[\u00ad\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_BULLET = re.compile(r"^\s*[-–—•*·▪►]\s+")
_TERMINAL = tuple(".!?…:;\"'”»)")
_COVERED = 0.8  # share of a paragraph's trigrams found elsewhere that makes it a duplicate
# Shorter lines may repeat on purpose (an interview's question, "Also at Walmart"); longer
# ones repeat because the page glued a teaser or a caption in.
_MIN_WORDS_TO_DROP = 10
_COPIES = 2
_COMMON_SHINGLE = 25  # a trigram in more paragraphs than this is furniture, not evidence of a copy


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A kept paragraph: text without its label, its sentences, label, and if it is old context."""

    text: str
    sentences: tuple[str, ...]
    label: str | None = None
    background: bool = False


@dataclass(frozen=True, slots=True)
class CleanedText:
    """Kept paragraphs in order, and the dropped boilerplate (it may name the publisher)."""

    paragraphs: tuple[Paragraph, ...]
    boilerplate: tuple[str, ...]
    # The text has (almost) no capitals, so they cannot mark sentence starts.
    lower_case: bool = False


def clean_text(text: str) -> str:
    """The cleaned paragraphs joined by blank lines."""
    return "\n\n".join(clean_paragraphs(text))


def clean_paragraphs(text: str) -> list[str]:
    """The article's paragraphs without duplicates, boilerplate or section labels."""
    return [paragraph.text for paragraph in clean_document(text).paragraphs]


def clean_document(text: str) -> CleanedText:
    """Clean `text` and keep what the summariser and attribution need to know about it."""
    labelled: list[Paragraph] = []
    boilerplate: list[str] = []
    section: str | None = None
    paragraphs = raw_paragraphs(text)
    lower_case = is_lower_case_text("\n".join(paragraphs[:50]))
    for raw in paragraphs:
        label, body = split_label(raw)
        if label is not None and not body:
            section = label  # a label on its own line starts a section
            continue
        sentences = tuple(split_sentences(body, lower_case=lower_case))
        if is_boilerplate(body, sentences):
            boilerplate.append(body)
            continue
        in_background = (label or section) in BACKGROUND_LABELS
        labelled.append(Paragraph(body, sentences, label or section, in_background))
    kept = _drop_duplicate_paragraphs(labelled)
    return CleanedText(tuple(_drop_repeated_sentences(kept)), tuple(boilerplate), lower_case)


def raw_paragraphs(text: str) -> list[str]:
    """Normalised non-empty lines, with hard-wrapped lines joined and bullet marks removed."""
    text = _normalise(text)
    paragraphs: list[list[str]] = []  # lines of each paragraph, joined once at the end
    for line in text.split("\n"):
        stripped = " ".join(line.split())
        if not stripped:
            continue
        continues = (
            paragraphs
            and not paragraphs[-1][-1].endswith(_TERMINAL)
            and stripped[0].islower()
            and not _BULLET.match(line)
        )
        if continues:
            paragraphs[-1].append(stripped)
        else:
            paragraphs.append([_BULLET.sub("", stripped, count=1) or stripped])
    return [" ".join(lines) for lines in paragraphs]


def _normalise(text: str) -> str:
    """Unicode NFC, unified line ends, no control or invisible formatting characters."""
    text = unicodedata.normalize("NFC", text)
    text = _LINE_BREAK.sub("\n", text)
    return _INVISIBLE.sub("", _CONTROL.sub(" ", text))


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _shingles(words: Sequence[str]) -> set[tuple[str, ...]]:
    return set(zip(words, words[1:], words[2:], strict=False))


def _drop_duplicate_paragraphs(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """Drop exact copies, glued composites (teasers) and fragments contained in another."""
    all_keys = [tuple(_words(paragraph.text)) for paragraph in paragraphs]
    counts = Counter(all_keys)
    seen: set[tuple[str, ...]] = set()
    unique: list[Paragraph] = []
    keys: list[tuple[str, ...]] = []
    for paragraph, key in zip(paragraphs, all_keys, strict=True):
        if _is_copy(key, seen, counts):
            continue
        seen.add(key)
        unique.append(paragraph)
        keys.append(key)
    if len(unique) < 2:
        return unique
    shingles = [_shingles(key) for key in keys]
    seen_grams: set[tuple[str, ...]] = set()
    repeated: set[tuple[str, ...]] = set()
    for grams in shingles:  # set operations keep this linear and fast on huge texts
        repeated |= grams & seen_grams
        seen_grams |= grams
    # only a paragraph mostly repeated elsewhere can be a copy or a composite
    suspects = [
        index
        for index, grams in enumerate(shingles)
        if len(grams) >= _MIN_WORDS_TO_DROP - 2 and len(grams & repeated) >= _COVERED * len(grams)
    ]
    postings: dict[tuple[str, ...], list[int]] = {}
    for index, grams in enumerate(shingles):
        for gram in grams & repeated:
            postings.setdefault(gram, []).append(index)
    dropped = {i for i in suspects if _is_composite(i, shingles[i], postings, shingles)}
    for index in suspects:
        if index in dropped:
            continue
        grams = shingles[index]
        covering = [
            other
            for other, shared in _overlaps(index, grams, postings, skip=dropped).items()
            if shared >= _COVERED * len(grams)
        ]
        if len(covering) != 1:  # covered by several: a recurring template, not a copy
            continue
        # a later copy or caption goes; an earlier lede stays where it is, and the sentence
        # repeated in the later, longer paragraph goes in `_drop_repeated_sentences`
        if index > covering[0] and len(grams) <= len(shingles[covering[0]]):
            dropped.add(index)
    return [p for index, p in enumerate(unique) if index not in dropped]


def _is_copy(
    key: tuple[str, ...], seen: set[tuple[str, ...]], counts: Counter[tuple[str, ...]]
) -> bool:
    """True for a long text said once before; three times or more makes it a template."""
    return len(key) >= _MIN_WORDS_TO_DROP and key in seen and counts[key] == _COPIES


def _overlaps(
    index: int,
    grams: set[tuple[str, ...]],
    postings: dict[tuple[str, ...], list[int]],
    skip: set[int] | None = None,
) -> Counter[int]:
    """How many of `grams` each other paragraph shares (postings hold only repeated grams)."""
    counts: Counter[int] = Counter()
    for gram in grams:
        owners = postings.get(gram, ())
        if not 1 < len(owners) <= _COMMON_SHINGLE:
            continue
        counts.update(o for o in owners if o != index and (skip is None or o not in skip))
    return counts


def _is_composite(
    index: int,
    grams: set[tuple[str, ...]],
    postings: dict[tuple[str, ...], list[int]],
    shingles: list[set[tuple[str, ...]]],
) -> bool:
    """Covered by other paragraphs together but by no single one: a teaser glued from the body."""
    overlaps = _overlaps(index, grams, postings)
    best = max(overlaps.values(), default=0)
    return (
        best < _COVERED * len(grams)
        and len(overlaps) >= 2
        and all(len(shingles[o]) < len(grams) for o, _ in overlaps.most_common(2))
    )


def _drop_repeated_sentences(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """Remove sentences already said earlier in the text (same words, any punctuation or case)."""
    keys = [[tuple(_words(sentence)) for sentence in p.sentences] for p in paragraphs]
    counts = Counter(key for sentence_keys in keys for key in sentence_keys)
    seen: set[tuple[str, ...]] = set()
    kept: list[Paragraph] = []
    for paragraph, sentence_keys in zip(paragraphs, keys, strict=True):
        fresh = []
        for sentence, key in zip(paragraph.sentences, sentence_keys, strict=True):
            if _is_copy(key, seen, counts):
                continue
            seen.add(key)
            fresh.append(sentence)
        if len(fresh) == len(paragraph.sentences):
            kept.append(paragraph)
        elif fresh:
            text = " ".join(fresh)
            kept.append(Paragraph(text, tuple(fresh), paragraph.label, paragraph.background))
    return kept
