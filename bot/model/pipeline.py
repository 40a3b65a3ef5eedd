"""Frozen value types passed between the stages of the pipeline.

fetch (`FeedResponse`) → parse (`Feed`, `Entry`) → extract (`Article`) → clean → summarise
(`Summary`) → render. They carry data only: no I/O, no behaviour beyond trivial derived
properties.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# How many key points a summary may have, and has unless someone chose: every command, chat
# setting, channel route and config key uses this range.
MIN_POINTS = 1
MAX_POINTS = 8
DEFAULT_POINTS = 4


@dataclass(frozen=True, slots=True)
class Article:
    """An article's text and metadata, as extracted from a page, a feed or a file."""

    text: str
    title: str | None = None
    url: str | None = None
    site_name: str | None = None
    published: datetime | None = None
    language: str | None = None
    author: str | None = None
    description: str | None = None
    # True when the page could not be used and the text is the feed entry's own excerpt.
    from_feed_excerpt: bool = False


@dataclass(frozen=True, slots=True)
class Summary:
    """What a post says: a headline, its attribution and a few key points."""

    headline: str
    key_points: tuple[str, ...]
    # Human-readable attribution, e.g. "Politico (via Ukrainska Pravda)".
    source: str
    # Who originally reported the story, when the text attributes it ("– Politico", "Source: X").
    original_source: str | None = None
    # Who published the page we read (site name or self-promotion line).
    publisher: str | None = None
    url: str | None = None
    published: datetime | None = None
    language: str | None = None
    from_feed_excerpt: bool = False
    # Which summariser produced it ("extractive", "llm", ...).
    backend: str = "extractive"


@dataclass(frozen=True, slots=True)
class Entry:
    """One item of a feed, with a stable identity for de-duplication."""

    identity: str
    title: str
    link: str | None = None
    published: datetime | None = None
    author: str | None = None
    # Clean text (no markup) of the entry's summary and its full content, when present.
    summary: str = ""
    content: str = ""


@dataclass(frozen=True, slots=True)
class Feed:
    """A parsed feed document."""

    url: str | None
    title: str | None
    entries: tuple[Entry, ...] = field(default_factory=tuple)
    site_url: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class FeedResponse:
    """The outcome of a (conditional) feed fetch."""

    url: str
    not_modified: bool
    feed: Feed | None
    etag: str | None
    last_modified: str | None
