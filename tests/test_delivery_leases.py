"""Claims outlasting their lease: two instances on one database still send everything once.

Leases here last a second or three so that a slow Telegram or a 429 pause outlasts them; the
receiving side is the fake Bot API server, which counts what it accepted per chat.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.errors import StoreError
from bot.model import DeliveryRequest, Summary
from bot.service.broadcast import Broadcaster
from bot.service.deliver import Deliverer
from bot.service.leases import SAFETY, Leases
from bot.service.pacing import Limits, Pacer
from bot.service.ports import Keyboard, Messenger
from bot.store import Store, open_store
from tests.fakes.telegram_api import FakeTelegram
from tests.tg_harness import add_private_chats, messenger_for, sends_per_chat

UNLIMITED = Limits(global_rate=None, per_chat_interval=0.0)


class SlowTelegram:
    """The real messenger whose answers arrive `delay` seconds after Telegram took the message."""

    def __init__(self, inner: Messenger, delay: float) -> None:
        self._inner = inner
        self._delay = delay

    async def send(
        self,
        chat_id: int,
        html: str,
        *,
        thread_id: int | None = None,
        link_preview: bool = False,
        reply_markup: Keyboard | None = None,
        paid: bool = False,
    ) -> int:
        message_id = await self._inner.send(
            chat_id,
            html,
            thread_id=thread_id,
            link_preview=link_preview,
            reply_markup=reply_markup,
            paid=paid,
        )
        await asyncio.sleep(self._delay)
        return message_id

    async def edit(
        self, chat_id: int, message_id: int, html: str, *, reply_markup: Keyboard | None = None
    ) -> None:
        await self._inner.edit(chat_id, message_id, html, reply_markup=reply_markup)


async def _posts(store: Store, chats: list[int], stories: int) -> None:
    await add_private_chats(store, chats)
    feed = await store.get_or_create_feed("https://example.org/feed.xml", "Example")
    for n in range(stories):
        item = await store.add_item(feed.id, f"story-{n}", title=f"Story {n}")
        assert item is not None
        await store.set_item_summary(
            item.id, Summary(headline=f"Story {n}", key_points=("A point.",), source="Example")
        )
        await store.enqueue_deliveries([DeliveryRequest(c, item.id) for c in chats])


async def _drain(deliverer: Deliverer, store: Store) -> int:
    """Deliver until the ledger has nothing pending, like the periodic job; messages sent."""
    sent = 0
    while (await store.stats()).pending_deliveries:
        sent += (await deliverer.deliver_pending()).sent
        await asyncio.sleep(0.05)
    return sent


async def test_sends_slower_than_the_lease_beside_a_second_instance_reach_each_chat_once(
    store: Store, store_url: str
) -> None:
    chats = list(range(1, 9))
    await _posts(store, chats, stories=2)
    other = await open_store(store_url)
    try:
        async with FakeTelegram() as tg, messenger_for(tg) as messenger:
            slow = SlowTelegram(messenger, delay=1.5)
            first = Deliverer(store, slow, Pacer(UNLIMITED), lease_seconds=1.0)
            second = Deliverer(other, slow, Pacer(UNLIMITED), lease_seconds=1.0)
            sent = await asyncio.wait_for(
                asyncio.gather(_drain(first, store), _drain(second, other)), timeout=60
            )
    finally:
        await other.aclose()

    assert sum(sent) == 16
    per_chat = sends_per_chat(tg, "Story")
    assert set(per_chat) == set(chats)
    assert set(per_chat.values()) == {2}
    for chat_id in chats:
        assert await store.pending_deliveries(chat_id) == []


async def test_a_row_lost_to_another_instance_during_a_429_pause_is_not_sent(
    store: Store, store_url: str
) -> None:
    await _posts(store, [1], stories=1)
    thief = await open_store(store_url)
    try:
        async with FakeTelegram() as tg, messenger_for(tg) as messenger:
            tg.retry_after(2, times=1, method="sendMessage")
            deliverer = Deliverer(store, messenger, Pacer(UNLIMITED), lease_seconds=3.0)
            delivering = asyncio.create_task(deliverer.deliver_pending())
            await tg.wait_for(lambda call: call.status == 429)
            # As if our lease had lapsed unnoticed: another instance takes the row over.
            taken = await thief.claim_deliveries(
                10, 60, now=datetime.now(UTC) + timedelta(seconds=10)
            )
            report = await asyncio.wait_for(delivering, timeout=30)
    finally:
        await thief.aclose()

    assert len(taken) == 1
    assert report.sent == 0
    assert tg.sent() == []  # the one attempt was the 429; none after the pause


async def test_a_broadcast_paused_by_a_429_longer_than_its_lease_keeps_its_targets(
    store: Store, store_url: str
) -> None:
    chats = list(range(1, 31))
    await add_private_chats(store, chats)
    other = await open_store(store_url)
    try:
        async with FakeTelegram() as tg, messenger_for(tg) as messenger:
            tg.retry_after(3, times=1, method="sendMessage")
            first = Broadcaster(store, messenger, Pacer(UNLIMITED), lease_seconds=1.0)
            second = Broadcaster(other, messenger, Pacer(UNLIMITED), lease_seconds=1.0)
            created = await first.create("paused broadcast", author_id=1)
            reports = await asyncio.wait_for(
                asyncio.gather(first.run(created.id), second.run(created.id)), timeout=60
            )
    finally:
        await other.aclose()

    assert reports[-1].sent == 30
    assert len(tg.calls_to("sendMessage")) >= 31  # the 429 was really answered
    per_chat = sends_per_chat(tg, "paused broadcast")
    assert set(per_chat) == set(chats)
    assert set(per_chat.values()) == {1}


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_a_claim_that_cannot_be_renewed_stops_being_sendable_before_its_lease_ends() -> None:
    clock = FakeClock()

    async def unreachable(keys: object, lease: float) -> list[int]:
        raise StoreError("database error: connection refused")

    leases: Leases[int] = Leases(unreachable, 10.0, clock=clock)
    leases.add([1, 2], leases.start_claim())
    clock.now += 10.0 * SAFETY - 0.01
    await leases.renew_now()
    assert leases.held(1)
    clock.now += 0.02
    assert not leases.held(1)
    assert not leases.held(2)


async def test_renewal_extends_what_is_still_ours_and_drops_what_was_lost() -> None:
    clock = FakeClock()
    asked: list[list[int]] = []

    async def renew(keys: list[int], lease: float) -> list[int]:
        asked.append(sorted(keys))
        return [key for key in keys if key != 2]

    leases: Leases[int] = Leases(renew, 10.0, clock=clock)
    leases.add([1, 2, 3, 4], leases.start_claim())
    leases.done(4)
    leases.moved(3, 30)
    clock.now += 5.0
    await leases.renew_now()
    clock.now += 10.0 * SAFETY - 0.01  # past the first lease's safe part, inside the renewed one
    assert asked == [[1, 2, 30]]
    assert (leases.held(1), leases.held(30)) == (True, True)
    assert (leases.held(2), leases.held(3), leases.held(4)) == (False, False, False)


async def test_on_postgresql_a_claim_that_cannot_be_renewed_is_not_sent_after_its_safe_time(
    fresh_postgres_url: str,
) -> None:
    """Another session locks the row, so renewals hang: the local check alone stops the send."""
    store = await open_store(fresh_postgres_url)
    locker = create_async_engine(fresh_postgres_url)
    try:
        await _posts(store, [1], stories=1)
        async with FakeTelegram() as tg, messenger_for(tg) as messenger:
            tg.retry_after(3, times=1, method="sendMessage")
            deliverer = Deliverer(store, messenger, Pacer(UNLIMITED), lease_seconds=1.5)
            delivering = asyncio.create_task(deliverer.deliver_pending())
            await tg.wait_for(lambda call: call.status == 429)
            async with locker.begin() as connection:
                await connection.execute(text("SELECT id FROM deliveries FOR UPDATE"))
                report = await asyncio.wait_for(delivering, timeout=30)
            assert report.sent == 0
            assert tg.sent() == []
            # Once the lock is gone and the lease lapsed, the row goes out — once.
            await asyncio.sleep(1.6)
            assert (await deliverer.deliver_pending()).sent == 1
        assert sends_per_chat(tg) == {1: 1}
    finally:
        await locker.dispose()
        await store.aclose()
