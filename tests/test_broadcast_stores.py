"""Broadcasts and posts on both stores: SQLite and PostgreSQL, one instance or two sharing work."""

from __future__ import annotations

import asyncio

from bot.model import DeliveryRequest, Summary
from bot.service.broadcast import Broadcaster
from bot.service.deliver import Deliverer
from bot.service.pacing import Limits, Pacer
from bot.store import Store, open_store
from tests.fakes.telegram_api import FakeTelegram
from tests.tg_harness import add_private_chats, messenger_for, sends_per_chat

UNLIMITED = Limits(global_rate=None, per_chat_interval=0.0)


async def test_a_broadcast_reports_exactly_on_each_store(store: Store) -> None:
    chats = list(range(1, 401))
    blocked = set(chats[::20])
    async with FakeTelegram() as tg, messenger_for(tg) as messenger:
        await add_private_chats(store, chats)
        for chat_id in blocked:
            tg.block(chat_id)
        tg.retry_after(1, times=1, method="sendMessage", chat_id=chats[7])
        broadcaster = Broadcaster(store, messenger, Pacer(UNLIMITED))
        created = await broadcaster.create("each store", author_id=1)
        report = await broadcaster.run(created.id)

    assert (report.sent, report.blocked, report.failed, report.remaining) == (380, 20, 0, 0)
    per_chat = sends_per_chat(tg, "each store")
    assert set(per_chat) == set(chats) - blocked
    assert set(per_chat.values()) == {1}


async def test_two_instances_share_a_broadcast_and_message_nobody_twice(
    store: Store, store_url: str
) -> None:
    chats = list(range(1, 601))
    await add_private_chats(store, chats)
    other = await open_store(store_url)
    try:
        async with FakeTelegram() as tg, messenger_for(tg) as messenger:
            first = Broadcaster(store, messenger, Pacer(UNLIMITED), batch=50, concurrency=8)
            second = Broadcaster(other, messenger, Pacer(UNLIMITED), batch=50, concurrency=8)
            created = await first.create("shared work", author_id=1)
            reports = await asyncio.gather(first.run(created.id), second.run(created.id))
    finally:
        await other.aclose()

    assert reports[-1].sent == 600
    per_chat = sends_per_chat(tg, "shared work")
    assert set(per_chat) == set(chats)
    assert set(per_chat.values()) == {1}


async def test_two_instances_share_pending_posts_and_send_each_once(
    store: Store, store_url: str
) -> None:
    chats = list(range(1, 201))
    await add_private_chats(store, chats)
    feed = await store.get_or_create_feed("https://example.org/feed.xml", "Example")
    item_ids = []
    for n in range(3):
        item = await store.add_item(feed.id, f"story-{n}", title=f"Story {n}")
        assert item is not None
        await store.set_item_summary(
            item.id, Summary(headline=f"Story {n}", key_points=("A point.",), source="Example")
        )
        item_ids.append(item.id)
    await store.enqueue_deliveries([DeliveryRequest(c, i) for c in chats for i in item_ids])
    other = await open_store(store_url)
    try:
        async with FakeTelegram() as tg, messenger_for(tg) as messenger:
            pacer = Pacer(UNLIMITED)
            first = Deliverer(store, messenger, pacer, batch=40)
            second = Deliverer(other, messenger, pacer, batch=40)
            reports = await asyncio.gather(first.deliver_pending(), second.deliver_pending())
    finally:
        await other.aclose()

    assert reports[0].sent + reports[1].sent == 600
    assert reports[0].sent > 0
    assert reports[1].sent > 0
    per_chat = sends_per_chat(tg)
    assert set(per_chat) == set(chats)
    assert set(per_chat.values()) == {3}
