"""Article → Summary: headline, attribution and a few key points; a protocol for other backends.

The extractive summariser is deterministic, CPU-only and linear in the text size. It cleans the
text (`bot.text.clean`), ranks the body's sentences (`bot.text.rank`: position in the story plus
similarity to the whole document, with old context weighed less) and keeps the best
non-redundant ones in story order as whole sentences; only one over 400 characters is cut at a
clause boundary.

Input policy of `summarize_text`: text that is empty, whitespace only or binary (NUL bytes or
mostly control/replacement characters) raises `InputError`; anything else gives a `Summary`, with
as many key points as the text has usable sentences (possibly none). `max_points` is clamped to 1-8.
"""

from __future__ import annotations

import asyncio
import re
from typing import Protocol

from bot.errors import InputError
from bot.model import DEFAULT_POINTS, MAX_POINTS, MIN_POINTS, Article, Summary
from bot.text.attribution import (
    Attribution,
    describe,
    publisher_from_boilerplate,
    source_from_byline,
    source_from_lines,
    source_from_text,
    split_title,
)
from bot.text.clean import CleanedText, clean_document
from bot.text.outlets import same_outlet
from bot.text.rank import cut_between_words, select_key_points, shorten

_HEADLINE_CHARS = 120
_TITLE_LINE_WORDS = 25
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufffd]")
_BINARY_SHARE = 0.05
# A story credits its source in its first paragraphs; later mentions credit a detail or a quote.
_LEAD_PARAGRAPHS = 3


class Summarizer(Protocol):
    """A summarisation backend: extractive here, an LLM later; both return a `Summary`."""

    name: str

    async def summarize(self, article: Article, *, max_points: int) -> Summary:
        """Summarise one article into at most `max_points` key points."""
        ...


class ExtractiveSummarizer:
    """The built-in backend: `summarize_article` behind the async `Summarizer` protocol."""

    name = "extractive"

    async def summarize(self, article: Article, *, max_points: int) -> Summary:
        """Summarise in a worker thread: a hostile article must never stall every chat."""
        return await asyncio.to_thread(summarize_article, article, max_points=max_points)


def summarize_text(
    text: str, title: str | None = None, max_points: int = DEFAULT_POINTS
) -> Summary:
    """Summarise plain text whose first line may be the headline (short, no final period)."""
    return summarize_article(article_from_text(text, title), max_points=max_points)


def article_from_text(text: str, title: str | None = None) -> Article:
    """An Article from plain text; without a title, a headline-like first line becomes it."""
    if title is None:
        title, text = _headline_line(text)
    return Article(text=text, title=title)


def summarize_article(article: Article, max_points: int = DEFAULT_POINTS) -> Summary:
    """Summarise an article, using its title, site name, URL, date and language."""
    check_text(article.text)
    points = min(max(max_points, MIN_POINTS), MAX_POINTS)
    cleaned = clean_document(article.text)
    headline, title_source, title_site = split_title(article.title or "")
    attribution = _attribute(article, cleaned, title_source, title_site)
    key_points = select_key_points(cleaned.paragraphs, points, lower_case=cleaned.lower_case)
    if not headline:
        headline = _headline_from_lead(key_points)
    return Summary(
        headline=headline,
        key_points=key_points,
        source=describe(attribution, article.url),
        original_source=attribution.original_source,
        publisher=attribution.publisher,
        url=article.url,
        published=article.published,
        language=article.language,
        from_feed_excerpt=article.from_feed_excerpt,
        backend=ExtractiveSummarizer.name,
    )


def check_text(text: str) -> None:
    """Raise `InputError` for empty or binary text: nothing there to summarise."""
    if not text.strip():
        raise InputError("the text is empty: nothing to summarise")
    sample = text[:65536]
    if "\x00" in sample or len(_BINARY.findall(sample)) > _BINARY_SHARE * len(sample):
        raise InputError("the input looks binary, not text: nothing to summarise")


def _headline_line(text: str) -> tuple[str | None, str]:
    """Take the first line as the title when it looks like one and more text follows."""
    first, _, rest = text.strip().partition("\n")
    first = first.strip()
    looks_like_title = (
        rest.strip()
        and len(first.split()) <= _TITLE_LINE_WORDS
        and not first.endswith((".", ":", ";", ","))
    )
    return (first, rest) if looks_like_title else (None, text)


def _attribute(
    article: Article, cleaned: CleanedText, title_source: str | None, title_site: str | None
) -> Attribution:
    lead = [p.text for p in cleaned.paragraphs[:_LEAD_PARAGRAPHS]]
    publisher = (
        (article.site_name or "").strip()
        or title_site
        or publisher_from_boilerplate(cleaned.boilerplate)
    )
    if same_outlet(title_source, publisher):  # "… – TechCrunch" on TechCrunch names the site
        title_source = None
    original = (
        title_source
        or source_from_lines((p.label, p.text) for p in cleaned.paragraphs)
        or source_from_byline(article.author, publisher)
        or source_from_text(lead, publisher)
    )
    if same_outlet(original, publisher):
        original = None
    return Attribution(original or None, publisher or None)


def _headline_from_lead(key_points: tuple[str, ...]) -> str:
    """A short headline from the first key point, when the article has no title."""
    if not key_points:
        return ""
    lead = key_points[0].removesuffix("…")
    if len(lead) > _HEADLINE_CHARS:  # cut at a clause boundary, else between words
        lead = shorten(lead, _HEADLINE_CHARS) or cut_between_words(lead, _HEADLINE_CHARS)
    return lead.rstrip(" .…")
