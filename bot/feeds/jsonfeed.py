"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1) into our `Feed` and `Entry`."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from bot.errors import ParseError
from bot.feeds.identity import entry_identity
from bot.feeds.markup import body_text, snippet_text
from bot.feeds.policy import MAX_ENTRIES
from bot.model import Entry, Feed

VERSION_PREFIX = "https://jsonfeed.org/version/"


def looks_like_json_feed(body: bytes, content_type: str | None) -> bool:
    """Whether to read the bytes as JSON rather than XML."""
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if mime in ("application/feed+json", "application/json") or mime.endswith("+json"):
        return True
    return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _date(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _author(item: Mapping[str, Any]) -> str | None:
    authors = item.get("authors")
    candidates = authors if isinstance(authors, list) else [item.get("author")]
    names = [_text(a.get("name")) for a in candidates if isinstance(a, dict)]
    return ", ".join(n for n in names if n) or None


def _entry(item: object, clamp: Callable[[datetime | None], datetime | None]) -> Entry | None:
    if not isinstance(item, dict):
        return None
    link = _text(item.get("url")) or _text(item.get("external_url"))
    title = snippet_text(_text(item.get("title")) or "")
    published = clamp(_date(item.get("date_published")) or _date(item.get("date_modified")))
    raw_id = item.get("id")
    guid = str(raw_id) if isinstance(raw_id, str | int) and not isinstance(raw_id, bool) else None
    content_html = _text(item.get("content_html"))
    content = body_text(content_html or _text(item.get("content_text")) or "")
    summary = body_text(_text(item.get("summary")) or "")
    if not (title or content or summary or link):
        return None
    return Entry(
        identity=entry_identity(guid, link, title, published),
        title=title or summary[:120] or content[:120],
        link=link,
        published=published,
        author=_author(item),
        summary=summary,
        content=content,
    )


def parse_json_feed(
    body: bytes, *, url: str | None, clamp: Callable[[datetime | None], datetime | None]
) -> Feed:
    """Parse JSON Feed bytes; ParseError names what is wrong."""
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ParseError(f"not valid JSON: {exc}") from None
    except RecursionError:
        raise ParseError("not a JSON Feed: nested too deeply") from None
    if not isinstance(document, dict):
        raise ParseError("JSON Feed must be an object")
    version = document.get("version")
    if not (isinstance(version, str) and version.startswith(VERSION_PREFIX)):
        raise ParseError("not a JSON Feed: missing or unknown 'version'")
    items = document.get("items")
    if not isinstance(items, list):
        raise ParseError("JSON Feed has no 'items' list")
    entries = tuple(
        e for e in (_entry(item, clamp) for item in items[:MAX_ENTRIES]) if e is not None
    )
    return Feed(
        url=_text(document.get("feed_url")) or url,
        title=_text(document.get("title")),
        entries=entries,
        site_url=_text(document.get("home_page_url")),
        language=_text(document.get("language")),
    )
