"""Remember LLM outcomes so an item delivered to many chats is summarised once.

Keys hash the article's content with everything that changes the answer (model, prompt
version, language, points, temperature). Concurrent requests for the same key share one call
(single flight), so a burst of deliveries of a fresh item costs one request, not one per chat.
Outcomes may carry a time-to-live: a timeout is worth retrying in a few minutes, a good
answer is kept until evicted. In memory and per process: it bounds cost, it is not a store.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

V = TypeVar("V")


def cache_key(text: str, title: str | None, **settings: object) -> str:
    """A stable digest of the article's content and the settings that shape the answer."""
    material = json.dumps(
        {"text": text, "title": title, "settings": settings}, sort_keys=True, default=str
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


class OutcomeCache(Generic[V]):
    """A bounded LRU of outcomes with optional per-entry expiry and single-flight computing."""

    def __init__(
        self, max_entries: int = 1024, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[V, float | None]] = OrderedDict()
        self._inflight: dict[str, asyncio.Future[V]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> V | None:
        """The live outcome for `key`, if any."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        value, expires = entry
        if expires is not None and self._clock() >= expires:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def put(self, key: str, value: V, ttl: float | None = None) -> None:
        """Remember `value`; `ttl` seconds (None: until evicted, 0: not at all)."""
        if ttl == 0 or self.max_entries == 0:
            return
        expires = None if ttl is None else self._clock() + ttl
        self._entries[key] = (value, expires)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    async def get_or_compute(
        self, key: str, compute: Callable[[], Awaitable[tuple[V, float | None]]]
    ) -> V:
        """The cached outcome, or one computed once however many callers ask at the same time.

        `compute` returns the outcome and its time-to-live (as for `put`).
        """
        if (cached := self.get(key)) is not None:
            return cached
        if (pending := self._inflight.get(key)) is not None:
            try:
                return await asyncio.shield(pending)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if pending.cancelled() and task is not None and not task.cancelling():
                    # The caller computing it was cancelled, not us: compute it ourselves.
                    return await self.get_or_compute(key, compute)
                raise
        future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            value, ttl = await compute()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            # Waiters see the exception; nobody else needs to retrieve it.
            future.exception()
            raise
        finally:
            self._inflight.pop(key, None)
        self.put(key, value, ttl)
        future.set_result(value)
        return value
