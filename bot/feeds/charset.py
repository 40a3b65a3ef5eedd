"""Turn page bytes into text when servers lie about, or forget, the character set.

Order: a byte-order mark; valid UTF-8 (non-ASCII text that decodes as strict UTF-8 is
practically never anything else, and servers often send a wrong `charset=iso-8859-1`);
the charset the HTTP header declares; the one the document declares (meta tag or XML
declaration); statistical detection; finally UTF-8 with replacement characters.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DECLARED = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.+-]+)"""
    rb"""|<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_:.+-]+)""",
    re.IGNORECASE,
)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([a-zA-Z0-9_:.+-]+)""", re.IGNORECASE)
_SNIFF_BYTES = 4096
# Labels browsers decode with a superset codec (WHATWG Encoding Standard).
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "iso8859-1": "cp1252", "ascii": "cp1252"}


def charset_from_content_type(content_type: str | None) -> str | None:
    """The `charset=` parameter of a Content-Type header, if any."""
    match = _HEADER_CHARSET.search(content_type or "")
    return match.group(1) if match else None


def declared_charset(body: bytes) -> str | None:
    """The charset a document declares about itself near its start."""
    match = _DECLARED.search(body[:_SNIFF_BYTES])
    if not match:
        return None
    return (match.group(1) or match.group(2)).decode("ascii")


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        return None
    return _SUPERSETS.get(canonical, canonical)


def _strict(body: bytes, encoding: str | None) -> str | None:
    if encoding is None:
        return None
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_text(body: bytes, header_charset: str | None = None) -> str:
    """Decode HTML/XML bytes to text, never raising."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body.decode(encoding, errors="replace")
    for candidate in ("utf-8", _codec(header_charset), _codec(declared_charset(body))):
        text = _strict(body, candidate)
        if text is not None:
            return text
    best = charset_normalizer.from_bytes(body[:65536]).best()
    guessed = _strict(body, best.encoding) if best else None
    if guessed is not None:
        return guessed
    return body.decode(_codec(header_charset) or "utf-8", errors="replace")
