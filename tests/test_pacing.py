"""Telegram pacing on a fake clock: overall rate, per-chat gap, per-group window, 429 pause."""

from __future__ import annotations

import asyncio
import heapq
import itertools

from bot.errors import StoreError
from bot.service.pacing import GROUP_WINDOW, Limits, Pacer


class FakeTime:
    """A clock that only moves when someone sleeps; concurrent sleepers wake in time order."""

    def __init__(self, overshoot: float = 0.0) -> None:
        self.now = 0.0
        self.overshoot = overshoot
        self._waiters: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(
            self._waiters, (self.now + seconds + self.overshoot, next(self._seq), future)
        )
        await future

    async def run(self, *coros: object) -> None:
        """Run coroutines to completion, advancing the clock whenever all of them are asleep."""
        tasks = [asyncio.ensure_future(c) for c in coros]  # type: ignore[arg-type]
        while not all(t.done() for t in tasks):
            for _ in range(20):
                await asyncio.sleep(0)
            if self._waiters:
                when, _, future = heapq.heappop(self._waiters)
                self.now = max(self.now, when)
                future.set_result(None)
        for task in tasks:
            task.result()


def max_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def send_all(fake: FakeTime, pacer: Pacer, chats: list[int]) -> list[float]:
    times: list[float] = []

    async def one(chat: int) -> None:
        await pacer.acquire(chat)
        times.append(fake.now)

    await fake.run(*(one(c) for c in chats))
    return times


async def test_overall_rate_is_sustained_and_never_exceeds_thirty_in_any_second() -> None:
    fake = FakeTime()
    pacer = Pacer(Limits(global_rate=29), clock=fake.clock, sleep=fake.sleep)
    times = await send_all(fake, pacer, list(range(1, 581)))
    assert len(times) == 580
    assert max_in_window(times, 1.0) <= 30
    rate = (len(times) - 1) / (max(times) - min(times))
    assert 28.9 <= rate <= 29.1


async def test_sleep_overshoot_does_not_lower_the_sustained_rate() -> None:
    fake = FakeTime(overshoot=0.003)
    pacer = Pacer(Limits(global_rate=29), clock=fake.clock, sleep=fake.sleep)
    times = await send_all(fake, pacer, list(range(1, 291)))
    assert max_in_window(times, 1.0) <= 30
    assert (len(times) - 1) / (max(times) - min(times)) >= 28.9


async def test_same_chat_waits_at_least_the_per_chat_interval() -> None:
    fake = FakeTime()
    pacer = Pacer(
        Limits(global_rate=None, per_chat_interval=1.0), clock=fake.clock, sleep=fake.sleep
    )
    times = await send_all(fake, pacer, [7, 7, 7, 7])
    gaps = [b - a for a, b in itertools.pairwise(sorted(times))]
    assert all(gap >= 1.0 for gap in gaps)


async def test_a_waiting_chat_does_not_hold_up_other_chats() -> None:
    fake = FakeTime()
    pacer = Pacer(
        Limits(global_rate=None, per_chat_interval=1.0), clock=fake.clock, sleep=fake.sleep
    )
    sent: list[tuple[int, float]] = []

    async def one(chat: int) -> None:
        await pacer.acquire(chat)
        sent.append((chat, fake.now))

    await fake.run(one(5), one(5), one(6))
    assert (6, 0.0) in sent
    assert (5, 1.0) in sent


async def test_a_group_gets_at_most_twenty_messages_a_minute() -> None:
    fake = FakeTime()
    pacer = Pacer(
        Limits(global_rate=None, per_chat_interval=0.0, group_per_minute=20),
        clock=fake.clock,
        sleep=fake.sleep,
    )
    group = [-100123] * 45
    times = await send_all(fake, pacer, group)
    assert len(times) == 45
    assert max_in_window(times, GROUP_WINDOW) <= 20
    assert max(times) >= 2 * GROUP_WINDOW


async def test_private_chats_are_not_held_to_the_group_limit() -> None:
    fake = FakeTime()
    pacer = Pacer(
        Limits(global_rate=None, per_chat_interval=0.0, group_per_minute=20),
        clock=fake.clock,
        sleep=fake.sleep,
    )
    times = await send_all(fake, pacer, [42] * 45)
    assert max(times) == 0.0


async def test_retry_after_pauses_every_chat() -> None:
    fake = FakeTime()
    pacer = Pacer(Limits(global_rate=29), clock=fake.clock, sleep=fake.sleep)
    await send_all(fake, pacer, [1])
    await pacer.pause(5.0)
    assert pacer.paused_for == 5.0
    times = await send_all(fake, pacer, [2, 3, 4])
    assert min(times) >= 5.0
    assert max_in_window(times, 1.0) <= 30


async def test_a_shorter_retry_after_never_shortens_a_pause() -> None:
    fake = FakeTime()
    pacer = Pacer(Limits(global_rate=29), clock=fake.clock, sleep=fake.sleep)
    await pacer.pause(10.0)
    await pacer.pause(2.0)
    times = await send_all(fake, pacer, [9])
    assert times == [10.0]


async def test_a_pause_arriving_while_waiting_delays_queued_messages() -> None:
    fake = FakeTime()
    pacer = Pacer(Limits(global_rate=1.0), clock=fake.clock, sleep=fake.sleep)
    sent: list[float] = []

    async def one(chat: int) -> None:
        await pacer.acquire(chat)
        sent.append(fake.now)
        if len(sent) == 1:
            await pacer.pause(30.0)

    await fake.run(*(one(c) for c in (1, 2, 3)))
    assert sent[0] == 0.0
    assert min(sent[1:]) >= 30.0


ONE_A_SECOND = Limits(global_rate=1.0, per_chat_interval=0.0)


async def test_admit_uses_the_slot_the_service_was_just_granted_for_that_chat() -> None:
    """A message paced by the service and again at the last gate is counted once."""
    fake = FakeTime()
    pacer = Pacer(ONE_A_SECOND, clock=fake.clock, sleep=fake.sleep)

    async def paced_then_admitted() -> None:
        for chat in (1, 2, 3):
            await pacer.acquire(chat)
            await pacer.admit(chat)

    await fake.run(paced_then_admitted())
    # Three slots at 1 a second: t = 0, 1, 2 (a second slot per message would end at t = 5).
    assert fake.now == 2.0


async def test_admit_takes_a_slot_for_another_chat_a_stale_grant_or_no_grant() -> None:
    fake = FakeTime()
    pacer = Pacer(ONE_A_SECOND, clock=fake.clock, sleep=fake.sleep)
    times: list[float] = []

    async def mixed() -> None:
        await pacer.acquire(1)  # slot 0 (t = 0)
        await pacer.admit(2)  # another chat: slot 1 (t = 1)
        times.append(fake.now)
        await pacer.acquire(3)  # slot 2 (t = 2)
        await fake.sleep(5)  # the grant goes stale (t = 7)
        await pacer.admit(3)  # a slot of its own, at once: the schedule is idle
        # No grant at all: the next slot, one interval after the last (less the catch-up SLACK
        # an idle schedule allows): t = 7.5.
        await pacer.admit(4)
        times.append(fake.now)

    await fake.run(mixed())
    assert times == [1.0, 7.5]


async def test_a_grant_is_used_once() -> None:
    fake = FakeTime()
    pacer = Pacer(ONE_A_SECOND, clock=fake.clock, sleep=fake.sleep)

    async def twice() -> None:
        await pacer.acquire(1)
        await pacer.admit(1)
        await pacer.admit(1)

    await fake.run(twice())
    assert fake.now == 1.0


class UnreachableBudget:
    """A shared budget whose database is away: every call fails like the store does."""

    async def reserve_send_slot(self, bucket: str, interval: float, slack: float) -> float:
        raise StoreError("database error: connection refused")

    async def reserve_chat_slot(self, chat_id: int, interval: float) -> float:
        raise StoreError("database error: connection refused")

    async def pause_sending(self, seconds: float) -> None:
        raise StoreError("database error: connection refused")

    async def sending_paused_for(self) -> float:
        raise StoreError("database error: connection refused")


async def test_with_the_shared_budget_unreachable_messages_are_paced_in_process() -> None:
    """A reply saying the bot is in trouble still goes out, at the rate the limits allow."""
    fake = FakeTime()
    pacer = Pacer(
        Limits(global_rate=29), shared=UnreachableBudget(), clock=fake.clock, sleep=fake.sleep
    )
    await pacer.pause(2.0)
    times = await send_all(fake, pacer, list(range(60)))
    assert min(times) >= 2.0
    assert max_in_window(times, 1.0) <= 30


async def test_messages_held_back_by_a_pause_leave_one_chat_spaced_after_it() -> None:
    fake = FakeTime()
    limits = Limits(global_rate=None, per_chat_interval=1.0)
    pacer = Pacer(limits, clock=fake.clock, sleep=fake.sleep)
    await pacer.pause(5.0)
    times = await send_all(fake, pacer, [7, 7, 7])
    assert sorted(times) == [5.0, 6.0, 7.0]
