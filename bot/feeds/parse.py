"""Feed bytes → `Feed`: RSS 0.9x/1.0/2.0 and Atom via feedparser, JSON Feed via our parser.

feedparser always gets bytes (wrapped in a file object), never a URL or a path, so it can
never fetch anything itself. Ill-formed feeds that still yield entries are accepted; those
that yield nothing raise `ParseError` with feedparser's reason.
"""

from __future__ import annotations

import io
import re
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import feedparser

from bot.errors import ParseError
from bot.feeds.charset import charset_from_content_type
from bot.feeds.identity import entry_identity
from bot.feeds.jsonfeed import looks_like_json_feed, parse_json_feed
from bot.feeds.markup import body_text, snippet_text
from bot.model import Entry, Feed

# Publication dates later than now + this are clamped to now (clock skew or typos like 2202).
FUTURE_TOLERANCE = timedelta(hours=1)
_XML_ENCODING = re.compile(rb"""\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_SLASH_DATE = re.compile(
    r"^\s*(\d{4})/(\d{1,2})/(\d{1,2})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*$"
)


def clamp_future(published: datetime | None, now: datetime) -> datetime | None:
    """The date itself, or `now` when it lies too far in the future."""
    if published is not None and published > now + FUTURE_TOLERANCE:
        return now
    return published


def _datetime(parsed: time.struct_time | None) -> datetime | None:
    if parsed is None:
        return None
    try:
        return datetime(*parsed[:6], tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _slash_date(value: str | None) -> datetime | None:
    """`2020/1/10 14:33:00`, which feedparser misreads (seen in Chinese forum feeds)."""
    match = _SLASH_DATE.match(value or "")
    if not match:
        return None
    try:
        year, month, day, hour, minute, second = (int(part or 0) for part in match.groups())
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None


def _published(raw: Any) -> datetime | None:
    for key in ("published", "updated", "created"):
        if raw.get(key):
            return _slash_date(raw.get(key)) or _datetime(raw.get(f"{key}_parsed"))
    return None


def _entry(raw: Any, now: datetime) -> Entry | None:
    published = clamp_future(_published(raw), now)
    title = snippet_text(raw.get("title") or "")
    link = (raw.get("link") or "").strip() or None
    summary = body_text(raw.get("summary") or "")
    content = body_text("\n".join(part.get("value") or "" for part in raw.get("content") or []))
    if not (title or link or summary or content):
        return None
    author = snippet_text(raw.get("author") or "") or None
    return Entry(
        identity=entry_identity(raw.get("id"), link, title, published),
        title=title or summary[:120] or content[:120],
        link=link,
        published=published,
        author=author,
        summary=summary,
        content=content if content != summary else "",
    )


def _media_type_for_feedparser(body: bytes, content_type: str | None) -> str:
    """The Content-Type to hand feedparser, settling header-vs-declaration conflicts.

    Without one, feedparser flags the feed as broken; `application/xml` lets the document's
    XML declaration decide (RFC 7303). When the header's charset contradicts the declaration,
    the declaration usually wins: a server default such as `iso-8859-1` is wrong far more often
    than the document's own statement, except that bytes which are valid UTF-8 are UTF-8.
    """
    header = charset_from_content_type(content_type)
    match = _XML_ENCODING.match(body)
    if not content_type or not header or not match:
        return content_type or "application/xml"
    declared = match.group(1).decode("ascii")
    if header.lower().replace("_", "-") == declared.lower().replace("_", "-"):
        return content_type
    if "utf-8" in (header.lower(), declared.lower()):
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return "application/xml; charset=utf-8"
    return "application/xml"


def parse_feed(
    body: bytes,
    *,
    url: str | None = None,
    content_type: str | None = None,
    now: datetime | None = None,
) -> Feed:
    """Parse feed bytes (any supported format) into a `Feed`, or raise ParseError."""
    now = now or datetime.now(UTC)
    if not body.strip():
        raise ParseError("empty document")
    if looks_like_json_feed(body, content_type):
        return parse_json_feed(body, url=url, clamp=partial(clamp_future, now=now))
    headers = {"content-type": _media_type_for_feedparser(body, content_type)}
    if url:
        headers["content-location"] = url
    result = feedparser.parse(
        io.BytesIO(body), response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    entries = tuple(e for e in (_entry(raw, now) for raw in result.entries) if e is not None)
    if not entries and result.get("bozo"):
        raise ParseError(f"not a readable feed: {result.get('bozo_exception')}")
    if not entries and not result.get("version"):
        raise ParseError("not a feed: no RSS, Atom or JSON Feed document found")
    info = result.feed
    return Feed(
        url=url,
        title=snippet_text(info.get("title") or "") or None,
        entries=entries,
        site_url=info.get("link") or None,
        language=info.get("language") or None,
    )
