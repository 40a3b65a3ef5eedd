"""When to poll a feed next: the back-off and deactivation numbers, and pure arithmetic on them.

Every number that decides how politely we treat a failing feed lives here, so the service
never invents its own. The functions take `now` and a `jitter` source so tests are exact.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from bot.errors import HTTPStatusError, NewsbotError, RateLimitedError
from bot.model import FeedState

# Poll interval used when a source does not name its own (seconds).
DEFAULT_INTERVAL = 900
# Never poll a healthy feed more often than this (seconds); the config's own floor for
# `sources[].poll_interval`, which issue 7 requires to work down to 5 s.
MIN_INTERVAL = 5
# A failing feed waits interval * BACKOFF_FACTOR ** (failures - 1), capped at MAX_BACKOFF.
BACKOFF_FACTOR = 2.0
MAX_BACKOFF = timedelta(hours=6)
# Spread polls by ±JITTER so a thousand feeds added together do not stay in lockstep.
JITTER = 0.1
# After this many failures in a row the feed is switched off and the operator is told.
DEACTIVATE_AFTER_FAILURES = 30
# Statuses that say the feed is gone for good: deactivate at once.
GONE_STATUSES = frozenset({410})
# Entries read from one feed document (the newest): a 55,000-item feed must not cost a minute
# of parsing and a database round trip per item on every poll.
MAX_ENTRIES = 200
# A poll stops looking at older entries after this many in a row that are already stored.
KNOWN_RUN = 10

Jitter = Callable[[], float]


def random_jitter() -> float:
    """A factor in [1 - JITTER, 1 + JITTER]; not security-sensitive."""
    return random.uniform(1 - JITTER, 1 + JITTER)  # noqa: S311 - scheduling spread, not crypto


def _interval(seconds: int | None) -> timedelta:
    return timedelta(seconds=max(MIN_INTERVAL, seconds or DEFAULT_INTERVAL))


def is_due(state: FeedState, now: datetime) -> bool:
    """Whether an active feed should be polled at `now`."""
    return state.active and (state.next_poll_at is None or state.next_poll_at <= now)


def after_success(
    state: FeedState,
    *,
    now: datetime,
    interval: int | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    jitter: Jitter = random_jitter,
) -> FeedState:
    """State after a successful poll (200 or 304): failures reset, validators kept or updated."""
    return replace(
        state,
        consecutive_failures=0,
        last_error=None,
        next_poll_at=now + _interval(interval) * jitter(),
        etag=etag if etag is not None else state.etag,
        last_modified=last_modified if last_modified is not None else state.last_modified,
        active=True,
    )


def backoff_delay(failures: int, interval: int | None = None) -> timedelta:
    """Delay before the next attempt after `failures` consecutive failures (no jitter)."""
    if failures <= 0:
        return _interval(interval)
    grown = _interval(interval) * BACKOFF_FACTOR ** min(failures - 1, 32)
    return min(grown, max(MAX_BACKOFF, _interval(interval)))


def after_failure(
    state: FeedState,
    error: NewsbotError,
    *,
    now: datetime,
    interval: int | None = None,
    jitter: Jitter = random_jitter,
) -> FeedState:
    """State after a failed poll: back off exponentially, honour Retry-After, maybe deactivate."""
    failures = state.consecutive_failures + 1
    delay = backoff_delay(failures, interval) * jitter()
    if isinstance(error, RateLimitedError):
        delay = max(delay, timedelta(seconds=error.retry_after))
    gone = isinstance(error, HTTPStatusError) and error.status in GONE_STATUSES
    return replace(
        state,
        consecutive_failures=failures,
        last_error=f"{type(error).__name__}: {error}"[:500],
        next_poll_at=now + delay,
        active=not gone and failures < DEACTIVATE_AFTER_FAILURES,
    )
