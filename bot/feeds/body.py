"""Read a response body with a cap on its *decoded* size, so a gzip bomb stops early.

We advertise only gzip and deflate and decompress ourselves with zlib's `max_length`, so no
chunk ever inflates beyond what the cap still allows.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator

from bot.errors import BodyTooLargeError, ContentTypeError

ACCEPT_ENCODING = "gzip, deflate"


class _Inflater:
    """zlib inflation for gzip or deflate (zlib-wrapped, or raw as some servers send it)."""

    def __init__(self, encoding: str) -> None:
        self._gzip = encoding in ("gzip", "x-gzip")
        self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS if self._gzip else zlib.MAX_WBITS)
        self._started = False

    def inflate(self, data: bytes, max_length: int) -> bytes:
        if not self._started and not self._gzip:
            self._started = True
            try:
                return self._zlib.decompress(data, max_length)
            except zlib.error:
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
        self._started = True
        try:
            return self._zlib.decompress(data, max_length)
        except zlib.error as exc:
            raise ContentTypeError(f"corrupt {'gzip' if self._gzip else 'deflate'} body") from exc


async def read_capped(raw: AsyncIterator[bytes], content_encoding: str, cap: int) -> bytes:
    """The decoded body, or BodyTooLargeError as soon as it grows past `cap` bytes."""
    encodings = [e.strip().lower() for e in content_encoding.split(",") if e.strip()]
    encodings = [e for e in encodings if e != "identity"]
    if len(encodings) > 1 or (encodings and encodings[0] not in ("gzip", "x-gzip", "deflate")):
        raise ContentTypeError(f"unsupported content encoding {content_encoding!r}")
    inflater = _Inflater(encodings[0]) if encodings else None
    parts: list[bytes] = []
    size = 0
    async for chunk in raw:
        data = inflater.inflate(chunk, cap - size + 1) if inflater else chunk
        size += len(data)
        if size > cap:
            raise BodyTooLargeError(f"body larger than {cap} bytes (decoded)")
        parts.append(data)
    return b"".join(parts)
