"""Telegram's sending limits as one async gate every outgoing message passes through.

Telegram allows about 30 messages a second overall, one a second to the same chat and 20 a
minute to the same group; a 429 names how long *every* sender of the bot must wait. A paid
broadcast (`allow_paid_broadcast`) may send up to 1,000 a second in all. `Pacer` enforces these
with plain arithmetic on an injected clock, so tests run on a fake clock.

The overall rate is a virtual schedule (GCRA): slot k is due `k / rate` seconds after the first,
so a sleep that overshoots by a millisecond does not slow the sustained rate, and a late slot may
catch up by at most `SLACK` of an interval, which keeps any one-second window at or under
`rate + 1` messages. Paid broadcast messages have a schedule of their own, at `paid_rate`
(Telegram's 1,000 less the free rate, so both together stay within 1,000). Per-chat and
per-group waits happen before the global queue, so a chat that must wait does not hold up
everyone else.

Several instances of one bot share one budget (Telegram counts per token): given a `SendBudget`
(the PostgreSQL store), the schedules and each chat's next slot live in the database and every
instance takes its slots there; a group is then spaced evenly (`60 / group_per_minute` seconds)
instead of counting a sliding minute. Without one (SQLite: one instance) all is in process, and
while the database cannot be reached each instance paces its messages in process (and says so).

A message the service paces and then hands to a messenger may meet a second gate on its way
(`bot.tg.send_gate`, which paces what handlers send). `acquire` leaves a grant for the message in
the calling task's context, and `admit` honours a fresh grant for the same chat instead of taking
a second slot, so a message is counted once whichever gates it passes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass

from bot.errors import StoreError
from bot.ops import metrics
from bot.service.ports import SendBudget

log = logging.getLogger(__name__)

# Fraction of one global interval a late slot may catch up (less than 1 keeps windows exact).
SLACK = 0.5
# A shared slot used later than this fraction of an interval (or LATE_FLOOR seconds, if more)
# after it was due is given up and another taken, at most LATE_TRIES times in a row.
LATE = 0.5
LATE_FLOOR = 0.02
LATE_TRIES = 3
# Length of the per-group window Telegram counts in (seconds).
GROUP_WINDOW = 60.0
# Forget per-chat bookkeeping after this many chats, keeping only chats still inside a window.
PRUNE_AT = 10_000
# Telegram's ceiling for a bot whose broadcasts pay (`allow_paid_broadcast`), messages a second.
PAID_CEILING = 1000.0
# Seconds between warnings that the shared budget is unreachable (messages are paced in process).
UNSHARED_WARNING_INTERVAL = 60.0
# Seconds a slot granted by `acquire` stays good for the message it was taken for (`admit`):
# no longer than a shared slot may be late, so a message never leaves later than its slot allows.
GRANT_TTL = LATE_FLOOR

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Limits:
    """How fast we may send; `global_rate=None` lifts the overall cap (benchmarks, fakes).

    `paid_rate` is the rate of paid broadcast messages (None: broadcasts do not pay).
    """

    global_rate: float | None = 29.0
    per_chat_interval: float = 1.0
    group_per_minute: int = 20
    paid_rate: float | None = None


@dataclass(frozen=True, slots=True)
class _Grant:
    """A slot `acquire` took for one message to `chat_id` at `at` (the pacer's clock)."""

    pacer: Pacer
    chat_id: int | None
    at: float


# The slot this task took last and has not used yet.
_GRANT: ContextVar[_Grant | None] = ContextVar("newsbot_send_grant", default=None)


def is_group(chat_id: int) -> bool:
    """Groups, supergroups and channels have negative ids; private chats positive."""
    return chat_id < 0


class _Schedule:
    """One GCRA schedule in process: the next slot's due time."""

    def __init__(self, rate: float | None) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self.next_slot = 0.0
        self.lock = asyncio.Lock()


class Pacer:
    """Waits until a message to a chat may go out under every Telegram limit at once."""

    def __init__(
        self,
        limits: Limits,
        *,
        shared: SendBudget | None = None,
        clock: Clock = time.monotonic,
        wall: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._limits = limits
        # Shared slots are due at Unix times of the database's clock (hosts keep NTP time).
        self._wall = wall
        self._shared = shared
        self._clock = clock
        self._sleep = sleep
        self._free = _Schedule(limits.global_rate)
        self._paid = _Schedule(limits.paid_rate) if limits.paid_rate else self._free
        self._paused_until = 0.0
        self._warned_at = float("-inf")
        self._chat_next: dict[int, float] = {}
        self._group_sent: dict[int, deque[float]] = {}

    @property
    def shared(self) -> bool:
        """Whether the budget is shared with other instances (in the database)."""
        return self._shared is not None

    @property
    def paused_for(self) -> float:
        """Seconds left of the current flood-control pause (0 when not paused)."""
        return max(0.0, self._paused_until - self._clock())

    async def pause(self, seconds: float) -> None:
        """Telegram answered 429: nobody sends for `seconds` (a longer pause is never shortened).

        With a shared budget every instance pauses: the pause is in the database at once.
        """
        self._paused_until = max(self._paused_until, self._clock() + max(seconds, 0.0))
        metrics.BUDGET_THROTTLED.inc()
        if self._shared is not None:
            try:
                await self._shared.pause_sending(seconds)
            except StoreError as exc:
                self._warn_unshared(exc)

    async def pause_left(self) -> float:
        """Seconds left of the pause every sender keeps: this instance's, or with a shared budget
        the longest any instance reported."""
        if self._shared is None:
            return self.paused_for
        return max(self.paused_for, await self._shared.sending_paused_for())

    async def acquire(self, chat_id: int | None, *, paid: bool = False) -> None:
        """Return when one message to `chat_id` may be sent now; the slot is then used up.

        `chat_id` None: a message whose chat is unknown (an inline message) or named by
        @username, which only the overall rate can govern. `paid`: the message is a paid
        broadcast and takes a slot of the paid schedule.
        """
        schedule = self._paid if paid else self._free
        if self._shared is None:
            await self._acquire_local(chat_id, schedule)
        else:
            try:
                await self._acquire_shared(self._shared, chat_id, schedule)
            except StoreError as exc:
                # The database is away: pace this message in process rather than not send it
                # (a reply telling the user the bot is in trouble must still get out).
                self._warn_unshared(exc)
                await self._acquire_local(chat_id, schedule)
        await self._wait_until(self._paused_until)
        _GRANT.set(_Grant(self, chat_id, self._clock()))

    async def _acquire_local(self, chat_id: int | None, schedule: _Schedule) -> None:
        if chat_id is not None:
            await self._wait_until(self._reserve_chat(chat_id))
        if schedule.interval:
            async with schedule.lock:
                await self._take_slot(schedule)

    def _warn_unshared(self, exc: StoreError) -> None:
        """Say (at most once a minute) that this instance paces alone for now."""
        now = self._clock()
        if now - self._warned_at >= UNSHARED_WARNING_INTERVAL:
            self._warned_at = now
            log.warning("shared sending budget unreachable, pacing in this process: %s", exc)

    async def admit(self, chat_id: int | None) -> bool:
        """Pace a message at the last gate before Telegram: use the slot this task was just
        granted for the same chat, otherwise take one. True when the grant was used (whoever
        paced the message handles its 429s), False when the slot was taken here."""
        grant = _GRANT.get()
        _GRANT.set(None)
        if (
            grant is not None
            and grant.pacer is self
            and grant.chat_id == chat_id
            and self._clock() - grant.at <= GRANT_TTL
        ):
            return True
        await self.acquire(chat_id)
        _GRANT.set(None)  # taken for this message: nothing is left for the next one to use
        return False

    async def _acquire_shared(
        self, shared: SendBudget, chat_id: int | None, schedule: _Schedule
    ) -> None:
        if chat_id is not None and (interval := self._chat_interval(chat_id)):
            await self._wait_for(await shared.reserve_chat_slot(chat_id, interval))
        if not schedule.interval:
            return
        name = "paid" if schedule is self._paid and self._paid is not self._free else "free"
        allowed = max(LATE * schedule.interval, LATE_FLOOR)
        for _ in range(LATE_TRIES):
            # No catch-up in the shared schedule: slots are never due in the past.
            due = await shared.reserve_send_slot(name, schedule.interval, 0.0)
            await self._wait_for(due - self._wall())
            # Woken too late (a busy loop, a slow answer), the message would bunch with the next
            # slots' and overfill someone's second: give the slot up and take the next free one.
            if self._wall() - due <= allowed:
                return
            metrics.BUDGET_LATE.inc()

    def _chat_interval(self, chat_id: int) -> float:
        """Spacing for one chat in the shared budget (a group evenly under its minute limit)."""
        if is_group(chat_id):
            return max(self._limits.per_chat_interval, GROUP_WINDOW / self._limits.group_per_minute)
        return self._limits.per_chat_interval

    def _reserve_chat(self, chat_id: int) -> float:
        """Book the earliest time this chat may receive again and return it.

        Not before a 429 pause ends: messages held back by it must not leave the chat together.
        """
        now = self._clock()
        if len(self._chat_next) > PRUNE_AT:
            self._prune(now)
        at = max(now, self._chat_next.get(chat_id, 0.0), self._paused_until)
        if is_group(chat_id):
            sent = self._group_sent.setdefault(chat_id, deque(maxlen=self._limits.group_per_minute))
            if len(sent) == sent.maxlen:
                at = max(at, sent[0] + GROUP_WINDOW)
            sent.append(at)
        self._chat_next[chat_id] = at + self._limits.per_chat_interval
        return at

    async def _take_slot(self, schedule: _Schedule) -> None:
        while True:
            now = self._clock()
            slot = max(schedule.next_slot, now - SLACK * schedule.interval)
            due = max(slot, self._paused_until)
            if due <= now:
                schedule.next_slot = slot + schedule.interval
                return
            await self._wait_for(due - now)

    async def _wait_for(self, delay: float) -> None:
        if delay > 0:
            metrics.BUDGET_WAITS.inc()
            metrics.BUDGET_WAIT_SECONDS.inc(delay)
            await self._sleep(delay)

    async def _wait_until(self, when: float) -> None:
        while (delay := when - self._clock()) > 0:
            await self._wait_for(delay)
            # A 429 that arrived meanwhile extends the wait.
            when = max(when, self._paused_until)

    def _prune(self, now: float) -> None:
        self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
        self._group_sent = {
            c: d for c, d in self._group_sent.items() if d and d[-1] + GROUP_WINDOW > now
        }
