"""Feed bytes → `Feed`: RSS 0.9x/1.0/2.0 and Atom via feedparser, JSON Feed via our parser.

feedparser always gets bytes (wrapped in a file object), never a URL or a path, so it can
never fetch anything itself. Ill-formed feeds that still yield entries are accepted; those
that yield nothing raise `ParseError` with feedparser's reason. Whatever a remote server sends,
the only exception that leaves `parse_feed` is `ParseError`: feedparser and the XML parsers
beneath it raise anything from `TypeError` to `RecursionError` on hostile bytes. At most
`MAX_ENTRIES` entries are read (the newest, in a newest-first or oldest-first document), and
every text field is passed through `bot.feeds.sanitize`.
"""

from __future__ import annotations

import io
import re
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import feedparser

from bot.errors import ParseError
from bot.feeds.charset import charset_from_content_type
from bot.feeds.identity import entry_identity
from bot.feeds.jsonfeed import looks_like_json_feed, parse_json_feed
from bot.feeds.markup import body_text, snippet_text
from bot.feeds.policy import MAX_ENTRIES
from bot.feeds.sanitize import safe_fields
from bot.model import Entry, Feed
from bot.text.boilerplate import is_advertisement

# Publication dates later than now + this are clamped to now (clock skew or typos like 2202).
FUTURE_TOLERANCE = timedelta(hours=1)
# A feed's own title is shown in /list, /subscribe and /health replies: this much of it.
MAX_TITLE_CHARS = 200
_XML_ENCODING = re.compile(rb"""\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_CHAR_REF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")
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


def _string(raw: Any, key: str) -> str:
    """A text field of a feedparser dict; odd markup can leave a dict or list there instead."""
    value = raw.get(key)
    return value if isinstance(value, str) else ""


def _published(raw: Any) -> datetime | None:
    for key in ("published", "updated", "created"):
        if value := _string(raw, key):
            return _slash_date(value) or _datetime(raw.get(f"{key}_parsed"))
    return None


def _content(raw: Any) -> str:
    parts = raw.get("content")
    if not isinstance(parts, list):
        return ""
    return "\n".join(_string(part, "value") for part in parts if isinstance(part, dict))


def _entry(raw: Any, now: datetime) -> Entry | None:
    published = clamp_future(_published(raw), now)
    title = snippet_text(_string(raw, "title"))
    link = _string(raw, "link").strip() or None
    summary = body_text(_string(raw, "summary"))
    content = body_text(_content(raw))
    if not (title or link or summary or content) or is_advertisement(title):
        return None  # an advert posted as an entry ("Featured Advertiser") is not news
    author = snippet_text(_string(raw, "author")) or None
    guid = _string(raw, "id") or None
    return Entry(
        identity=entry_identity(guid, link, title, published),
        title=title or summary[:120] or content[:120],
        link=link,
        published=published,
        author=author,
        summary=summary,
        content=content if content != summary else "",
    )


def _unsafe_char_ref(match: re.Match[bytes]) -> bytes:
    """Drop a numeric character reference to NUL, a surrogate or beyond Unicode.

    feedparser turns `&#xD800;` into a character it then fails to encode, which would lose the
    whole feed for one bad title; the sanitiser would drop these characters anyway.
    """
    hex_digits, decimal = match.groups()
    value = int(hex_digits, 16) if hex_digits else int(decimal)
    if value == 0 or 0xD800 <= value <= 0xDFFF or value > 0x10FFFF:
        return b""
    return match.group(0)


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


def newest_first(raw_entries: list[Any]) -> list[Any]:
    """At most `MAX_ENTRIES` raw entries, taken from the newest end of the document."""
    if len(raw_entries) <= MAX_ENTRIES:
        return raw_entries
    first, last = (_published(raw_entries[i]) for i in (0, -1))
    if first is not None and last is not None and last > first:
        return raw_entries[-MAX_ENTRIES:]
    return raw_entries[:MAX_ENTRIES]


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
        feed = parse_json_feed(body, url=url, clamp=partial(clamp_future, now=now))
    else:
        feed = _parse_xml(body, url, content_type, now)
    title = feed.title[:MAX_TITLE_CHARS] if feed.title else None
    safe = replace(feed, title=title, entries=tuple(safe_fields(e) for e in feed.entries))
    return safe_fields(safe)


def _parse_xml(body: bytes, url: str | None, content_type: str | None, now: datetime) -> Feed:
    try:
        headers = {"content-type": _media_type_for_feedparser(body, content_type)}
        if url:
            headers["content-location"] = url
        result = feedparser.parse(
            io.BytesIO(_CHAR_REF.sub(_unsafe_char_ref, body)),
            response_headers=headers,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
        raw_entries = newest_first(list(result.entries))
        entries = tuple(e for e in (_entry(raw, now) for raw in raw_entries) if e is not None)
        info = result.feed
        title = snippet_text(_string(info, "title")) or None
    except Exception as exc:  # noqa: BLE001 - hostile bytes make feedparser raise anything
        raise ParseError(f"not a readable feed: {type(exc).__name__}") from None
    if not entries and result.get("bozo"):
        raise ParseError(f"not a readable feed: {result.get('bozo_exception')}")
    if not entries and not result.get("version"):
        raise ParseError("not a feed: no RSS, Atom or JSON Feed document found")
    return Feed(
        url=url,
        title=title,
        entries=entries,
        site_url=_string(info, "link") or None,
        language=_string(info, "language") or None,
    )
