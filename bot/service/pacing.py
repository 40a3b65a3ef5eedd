"""Telegram's sending limits as one async gate every outgoing message passes through.

Telegram allows about 30 messages a second overall, one a second to the same chat and 20 a
minute to the same group; a 429 names how long *every* sender of the bot must wait. `Pacer`
enforces all four with plain arithmetic on an injected clock, so tests run on a fake clock.

The overall rate is a virtual schedule (GCRA): slot k is due `k / rate` seconds after the first,
so a sleep that overshoots by a millisecond does not slow the sustained rate, and a late slot may
catch up by at most `SLACK` of an interval, which keeps any one-second window at or under
`rate + 1` messages. Per-chat and per-group waits happen before the global queue, so a chat that
must wait does not hold up everyone else.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

# Fraction of one global interval a late slot may catch up (less than 1 keeps windows exact).
SLACK = 0.5
# Length of the per-group window Telegram counts in (seconds).
GROUP_WINDOW = 60.0
# Forget per-chat bookkeeping after this many chats, keeping only chats still inside a window.
PRUNE_AT = 10_000

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Limits:
    """How fast we may send; `global_rate=None` lifts the overall cap (benchmarks, fakes)."""

    global_rate: float | None = 29.0
    per_chat_interval: float = 1.0
    group_per_minute: int = 20


def is_group(chat_id: int) -> bool:
    """Groups, supergroups and channels have negative ids; private chats positive."""
    return chat_id < 0


class Pacer:
    """Waits until a message to a chat may go out under every Telegram limit at once."""

    def __init__(
        self,
        limits: Limits,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._limits = limits
        self._clock = clock
        self._sleep = sleep
        self._interval = 1.0 / limits.global_rate if limits.global_rate else 0.0
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._chat_next: dict[int, float] = {}
        self._group_sent: dict[int, deque[float]] = {}
        self._lock = asyncio.Lock()

    @property
    def paused_for(self) -> float:
        """Seconds left of the current flood-control pause (0 when not paused)."""
        return max(0.0, self._paused_until - self._clock())

    def pause(self, seconds: float) -> None:
        """Telegram answered 429: nobody sends for `seconds` (a longer pause is never shortened)."""
        self._paused_until = max(self._paused_until, self._clock() + max(seconds, 0.0))

    async def acquire(self, chat_id: int) -> None:
        """Return when one message to `chat_id` may be sent now; the slot is then used up."""
        await self._wait_until(self._reserve_chat(chat_id))
        if self._interval:
            async with self._lock:
                await self._take_global_slot()
        await self._wait_until(self._paused_until)

    def _reserve_chat(self, chat_id: int) -> float:
        """Book the earliest time this chat may receive again and return it."""
        now = self._clock()
        if len(self._chat_next) > PRUNE_AT:
            self._prune(now)
        at = max(now, self._chat_next.get(chat_id, 0.0))
        if is_group(chat_id):
            sent = self._group_sent.setdefault(chat_id, deque(maxlen=self._limits.group_per_minute))
            if len(sent) == sent.maxlen:
                at = max(at, sent[0] + GROUP_WINDOW)
            sent.append(at)
        self._chat_next[chat_id] = at + self._limits.per_chat_interval
        return at

    async def _take_global_slot(self) -> None:
        while True:
            now = self._clock()
            slot = max(self._next_slot, now - SLACK * self._interval)
            due = max(slot, self._paused_until)
            if due <= now:
                self._next_slot = slot + self._interval
                return
            await self._sleep(due - now)

    async def _wait_until(self, when: float) -> None:
        while (delay := when - self._clock()) > 0:
            await self._sleep(delay)
            # A 429 that arrived meanwhile extends the wait.
            when = max(when, self._paused_until)

    def _prune(self, now: float) -> None:
        self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
        self._group_sent = {
            c: d for c, d in self._group_sent.items() if d and d[-1] + GROUP_WINDOW > now
        }
