"""Keep the leases of claimed work alive while it is sent, and know when one is no longer ours.

A claim in the store lasts `lease` seconds; a batch may take longer (a 429 pause, a slow
Telegram, a group at 20 messages a minute). `Leases` renews every outstanding claim in one
store statement every third of the lease and remembers, on our own monotonic clock, until when
each claim is safely ours: the start of its last successful claim or renewal plus `SAFETY` of
the lease. A sender asks `held(key)` right before each send; a claim that another instance took
(the renewal did not return it) or that could not be renewed in time is not sent — its row is
claimed again once its lease lapses, by whichever instance gets there first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterable, Sequence
from time import monotonic
from typing import Generic, TypeVar

from bot.errors import StoreError

log = logging.getLogger(__name__)

# A claim counts as ours for this fraction of its lease after the claim or renewal started;
# the rest is the margin for a send already under way and for clock drift between hosts.
SAFETY = 0.8
# Renewals per lease: a missed renewal still leaves time for the next before SAFETY runs out.
BEATS_PER_LEASE = 3

K = TypeVar("K", bound=Hashable)
Renew = Callable[[Sequence[K], float], Awaitable[Sequence[K]]]


class Leases(Generic[K]):
    """The claims one sender is working through, kept alive by a background heartbeat."""

    def __init__(
        self,
        renew: Renew[K],
        lease_seconds: float,
        *,
        clock: Callable[[], float] = monotonic,
    ) -> None:
        self._renew = renew
        self._lease = lease_seconds
        self._clock = clock
        self._valid_until: dict[K, float] = {}

    def start_claim(self) -> float:
        """The moment to pass to `add` — taken *before* calling the store's claim."""
        return self._clock()

    def add(self, keys: Iterable[K], claimed_at: float) -> None:
        """Claims just taken (`claimed_at` from `start_claim`)."""
        until = claimed_at + self._lease * SAFETY
        for key in keys:
            self._valid_until[key] = until

    def held(self, key: K) -> bool:
        """Whether `key` may be sent now: still ours and well inside its lease."""
        until = self._valid_until.get(key)
        return until is not None and self._clock() < until

    def held_all(self, keys: Iterable[K]) -> bool:
        """`held` for every key (one message carrying several rows)."""
        return all(self.held(key) for key in keys)

    def done(self, key: K) -> None:
        """Settled (or given up): no longer renewed."""
        self._valid_until.pop(key, None)

    def moved(self, old: K, new: K) -> None:
        """The claim now goes by another key (a group migrated to a supergroup)."""
        until = self._valid_until.pop(old, None)
        if until is not None:
            self._valid_until[new] = until

    @contextlib.asynccontextmanager
    async def kept(self) -> AsyncIterator[Leases[K]]:
        """Renew outstanding claims in the background until the block ends."""
        heartbeat = asyncio.create_task(self._beat())
        try:
            yield self
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat

    async def renew_now(self) -> None:
        """Renew every outstanding claim in one store call; forget those no longer ours."""
        keys = list(self._valid_until)
        if not keys:
            return
        started = self._clock()
        try:
            held = set(await self._renew(keys, self._lease))
        except StoreError as exc:
            # Not fatal: the claims stay valid locally until their SAFETY point, then lapse.
            log.warning("could not renew %d claims: %s", len(keys), exc)
            return
        until = started + self._lease * SAFETY
        lost = 0
        for key in keys:
            if key in held:
                if key in self._valid_until:
                    self._valid_until[key] = until
            elif self._valid_until.pop(key, None) is not None:
                lost += 1
        if lost:
            log.warning("%d claims were lost to another instance and will not be sent", lost)

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self._lease / BEATS_PER_LEASE)
            await self.renew_now()
