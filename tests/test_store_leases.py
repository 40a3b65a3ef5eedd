"""Lease renewal and lease-aware marking, on SQLite and PostgreSQL alike.

Two opened stores are two instances (each has its own claim owner id) sharing one database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.model import DeliveryRequest
from bot.store import Store, open_store

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def other(store_url: str, store: Store) -> AsyncIterator[Store]:
    """A second instance on the same (already migrated) database."""
    opened = await open_store(store_url)
    yield opened
    await opened.aclose()


async def _two_pending_rows(store: Store) -> tuple[int, int]:
    feed = await store.get_or_create_feed("https://example.org/rss")
    item = await store.add_item(feed.id, "guid-1")
    assert item is not None
    for chat_id in (1, 2):
        await store.upsert_chat(chat_id, "private")
    await store.enqueue_deliveries([DeliveryRequest(c, item.id) for c in (1, 2)], now=T0)
    first, second = await store.pending_deliveries(1), await store.pending_deliveries(2)
    return first[0].id, second[0].id


async def test_a_renewed_delivery_claim_outlives_its_first_lease_and_an_unrenewed_one_does_not(
    store: Store, other: Store
) -> None:
    renewed, unrenewed = await _two_pending_rows(store)
    assert [d.id for d in await store.claim_deliveries(10, 30, now=T0)] == [renewed, unrenewed]

    assert await store.renew_deliveries([renewed], 30, now=T0 + timedelta(seconds=20)) == [renewed]

    # 40 s after the claim the original 30 s lease is over: only the unrenewed row moves.
    taken = await other.claim_deliveries(10, 30, now=T0 + timedelta(seconds=40))
    assert [d.id for d in taken] == [unrenewed]
    # The renewed lease (to T0 + 50 s) lapses in its turn when it is not renewed again.
    retaken = await other.claim_deliveries(10, 30, now=T0 + timedelta(seconds=51))
    assert [d.id for d in retaken] == [renewed]


async def test_renewal_returns_only_claims_still_held(store: Store, other: Store) -> None:
    lost, settled = await _two_pending_rows(store)
    await store.claim_deliveries(10, 30, now=T0)
    await other.claim_deliveries(10, 30, now=T0 + timedelta(seconds=31))  # takes both
    await other.mark_sent(settled, 77)

    assert await store.renew_deliveries([lost, settled], 30, now=T0 + timedelta(seconds=32)) == []
    # Someone else's claim is not extended by our renewal: it still lapses on time.
    again = await store.claim_deliveries(10, 30, now=T0 + timedelta(seconds=62))
    assert [d.id for d in again] == [lost]


async def test_a_failure_marked_by_an_instance_that_lost_the_claim_leaves_the_row_alone(
    store: Store, other: Store
) -> None:
    row_id, skipped_id = await _two_pending_rows(store)
    # Our lease ran out two minutes ago; the other instance now holds both rows.
    await store.claim_deliveries(10, 60, now=datetime.now(UTC) - timedelta(minutes=3))
    assert len(await other.claim_deliveries(10, 60)) == 2

    await store.mark_failed(row_id, "timeout", retry_at=datetime.now(UTC))
    await store.mark_skipped(skipped_id, "chat gone")

    for chat_id in (1, 2):
        (row,) = await store.pending_deliveries(chat_id)
        assert (row.state, row.attempts, row.last_error) == ("pending", 0, None)
    # Still the other instance's: nobody can claim them, and it can settle them.
    assert await store.claim_deliveries(10, 60) == []
    await other.mark_failed(row_id, "timeout")
    await other.mark_skipped(skipped_id, "chat gone")
    assert [await store.pending_deliveries(c) for c in (1, 2)] == [[], []]


async def test_a_renewed_broadcast_claim_outlives_its_first_lease_and_an_unrenewed_one_does_not(
    store: Store, other: Store
) -> None:
    for chat_id in (1, 2, 3):
        await store.upsert_chat(chat_id, "private")
    broadcast = await store.create_broadcast("hi", author_id=1)
    assert await store.claim_broadcast_batch(broadcast.id, 10, 30, now=T0) == [1, 2, 3]
    await store.mark_broadcast_delivery(broadcast.id, 3, "sent", message_id=5)

    renewed = await store.renew_broadcast_targets(
        broadcast.id, [1, 3], 30, now=T0 + timedelta(seconds=20)
    )
    assert renewed == [1]  # 3 is settled: nothing left to hold

    assert await other.claim_broadcast_batch(broadcast.id, 10, 30, T0 + timedelta(seconds=40)) == [
        2
    ]
    assert await store.renew_broadcast_targets(
        broadcast.id, [1, 2], 30, T0 + timedelta(seconds=45)
    ) == [1]
    # Our renewal skipped 2 (the other's now): at T0 + 72 s only its lapsed claim is free,
    # while 1, renewed to T0 + 75 s, is free only after that.
    late = T0 + timedelta(seconds=72)
    assert await other.claim_broadcast_batch(broadcast.id, 10, 30, late) == [2]
    later = T0 + timedelta(seconds=76)
    assert await other.claim_broadcast_batch(broadcast.id, 10, 30, later) == [1]
