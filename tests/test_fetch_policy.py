"""Polling policy: back-off arithmetic, Retry-After, deactivation — pure and exact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.errors import FetchTimeoutError, HTTPStatusError, ParseError, RateLimitedError
from bot.feeds import policy
from bot.model import FeedState

NOW = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)


def no_jitter() -> float:
    return 1.0


def test_success_resets_failures_and_schedules_one_interval_ahead() -> None:
    failing = FeedState(consecutive_failures=4, last_error="x", etag="old")
    state = policy.after_success(failing, now=NOW, interval=600, etag='"new"', jitter=no_jitter)
    assert state.consecutive_failures == 0
    assert state.last_error is None
    assert state.next_poll_at == NOW + timedelta(seconds=600)
    assert state.etag == '"new"'


def test_not_modified_keeps_the_old_validators() -> None:
    state = FeedState(etag='"v1"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT")
    after = policy.after_success(state, now=NOW, jitter=no_jitter)
    assert after.etag == '"v1"'
    assert after.last_modified == "Mon, 01 Jan 2024 00:00:00 GMT"


def test_failures_back_off_exponentially_up_to_the_cap() -> None:
    state = FeedState()
    delays = []
    for _ in range(8):
        state = policy.after_failure(
            state, FetchTimeoutError("slow"), now=NOW, interval=900, jitter=no_jitter
        )
        assert state.next_poll_at is not None
        delays.append(state.next_poll_at - NOW)
    assert delays[:4] == [timedelta(minutes=m) for m in (15, 30, 60, 120)]
    assert max(delays) == policy.MAX_BACKOFF
    assert state.consecutive_failures == 8
    assert state.last_error == "FetchTimeoutError: slow"
    assert state.active


def test_jitter_spreads_the_next_poll() -> None:
    state = policy.after_failure(
        FeedState(), ParseError("bad"), now=NOW, interval=900, jitter=lambda: 1.1
    )
    assert state.next_poll_at == NOW + timedelta(seconds=990)


def test_rate_limit_waits_at_least_retry_after() -> None:
    error = RateLimitedError("slow down", 429, retry_after=7200)
    state = policy.after_failure(FeedState(), error, now=NOW, interval=900, jitter=no_jitter)
    assert state.next_poll_at == NOW + timedelta(hours=2)


def test_long_failure_streak_deactivates_the_feed() -> None:
    state = FeedState(consecutive_failures=policy.DEACTIVATE_AFTER_FAILURES - 2)
    state = policy.after_failure(state, ParseError("bad"), now=NOW, jitter=no_jitter)
    assert state.active
    state = policy.after_failure(state, ParseError("bad"), now=NOW, jitter=no_jitter)
    assert not state.active
    assert not policy.is_due(state, NOW + timedelta(days=365))


def test_gone_deactivates_at_once_but_not_found_does_not() -> None:
    gone = policy.after_failure(
        FeedState(), HTTPStatusError("gone", 410), now=NOW, jitter=no_jitter
    )
    missing = policy.after_failure(
        FeedState(), HTTPStatusError("nf", 404), now=NOW, jitter=no_jitter
    )
    assert not gone.active
    assert missing.active


def test_is_due_when_never_polled_or_time_has_come() -> None:
    assert policy.is_due(FeedState(), NOW)
    later = FeedState(next_poll_at=NOW + timedelta(minutes=1))
    assert not policy.is_due(later, NOW)
    assert policy.is_due(later, NOW + timedelta(minutes=1))


def test_random_jitter_stays_in_its_band() -> None:
    factors = [policy.random_jitter() for _ in range(500)]
    assert all(1 - policy.JITTER <= f <= 1 + policy.JITTER for f in factors)
    assert len(set(factors)) > 1
