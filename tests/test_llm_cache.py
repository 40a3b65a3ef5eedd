"""Outcomes are remembered by content and settings, bounded, expiring, and computed once."""

import asyncio

import pytest

from bot.llm.cache import OutcomeCache, cache_key


def test_the_key_changes_with_content_and_every_setting() -> None:
    base = cache_key("text", "title", model="m", points=4)
    assert base == cache_key("text", "title", points=4, model="m")
    assert base != cache_key("text!", "title", model="m", points=4)
    assert base != cache_key("text", "other", model="m", points=4)
    assert base != cache_key("text", "title", model="n", points=4)
    assert base != cache_key("text", "title", model="m", points=5)


def test_least_recently_used_entries_are_evicted() -> None:
    cache: OutcomeCache[str] = OutcomeCache(max_entries=2)
    cache.put("a", "A")
    cache.put("b", "B")
    assert cache.get("a") == "A"
    cache.put("c", "C")
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c")) == ("A", "C")


def test_entries_expire_after_their_ttl() -> None:
    now = [100.0]
    cache: OutcomeCache[str] = OutcomeCache(clock=lambda: now[0])
    cache.put("a", "A", ttl=10)
    cache.put("b", "B", ttl=0)
    now[0] += 9
    assert cache.get("a") == "A"
    assert cache.get("b") is None
    now[0] += 1
    assert cache.get("a") is None


async def test_concurrent_requests_for_one_key_compute_once() -> None:
    cache: OutcomeCache[str] = OutcomeCache()
    calls = 0

    async def compute() -> tuple[str, float | None]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return "value", None

    results = await asyncio.gather(*(cache.get_or_compute("k", compute) for _ in range(10)))
    assert results == ["value"] * 10
    assert calls == 1
    assert await cache.get_or_compute("k", compute) == "value"
    assert calls == 1


async def test_a_failed_computation_reaches_every_waiter_and_is_not_cached() -> None:
    cache: OutcomeCache[str] = OutcomeCache()

    async def fail() -> tuple[str, float | None]:
        await asyncio.sleep(0.01)
        raise ValueError("boom")

    results = await asyncio.gather(
        *(cache.get_or_compute("k", fail) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, ValueError) for r in results)
    assert cache.get("k") is None


async def test_a_waiter_computes_itself_when_the_first_caller_is_cancelled() -> None:
    cache: OutcomeCache[str] = OutcomeCache()
    started = asyncio.Event()

    async def slow() -> tuple[str, float | None]:
        started.set()
        await asyncio.sleep(10)
        return "slow", None

    async def quick() -> tuple[str, float | None]:
        return "quick", None

    first = asyncio.create_task(cache.get_or_compute("k", slow))
    await started.wait()
    second = asyncio.create_task(cache.get_or_compute("k", quick))
    await asyncio.sleep(0)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    assert await second == "quick"
