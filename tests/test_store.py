"""The store's behaviour, run against SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import StoreError
from bot.model import (
    ChatSettings,
    DeliveryRequest,
    FeedState,
    RouteOptions,
    Summary,
)
from bot.store import Store, normalise_title, open_store

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def _feed_with_item(store: Store, url: str = "https://example.org/rss") -> tuple[int, int]:
    feed = await store.get_or_create_feed(url, "Example")
    item = await store.add_item(feed.id, "guid-1", url="https://example.org/a", title="A story")
    assert item is not None
    return feed.id, item.id


# --- chats -----------------------------------------------------------------------------------


async def test_upsert_chat_creates_then_refreshes_and_reactivates(store: Store) -> None:
    created = await store.upsert_chat(10, "private", "Ann", "en")
    assert (created.id, created.kind, created.title, created.language) == (
        10,
        "private",
        "Ann",
        "en",
    )
    assert created.active
    assert created.settings == ChatSettings()
    await store.set_chat_active(10, False)
    assert (await store.get_chat(10)).active is False  # type: ignore[union-attr]
    again = await store.upsert_chat(10, "private", None, None)
    assert again.title == "Ann"
    assert again.language == "en"
    assert again.active
    kept = await store.upsert_chat(10, "private", reactivate=False)
    assert kept.active


async def test_blocked_chat_stays_inactive_when_reactivation_is_not_asked(store: Store) -> None:
    await store.upsert_chat(11, "private")
    await store.set_chat_active(11, False)
    chat = await store.upsert_chat(11, "private", "New name", reactivate=False)
    assert chat.active is False
    assert chat.title == "New name"
    assert await store.active_chat_ids() == []


async def test_settings_round_trip(store: Store) -> None:
    await store.upsert_chat(12, "private")
    wanted = ChatSettings(
        points=6,
        link_preview=True,
        delivery_mode="digest",
        digest_time="07:30",
        timezone="Europe/Kyiv",
    )
    await store.update_chat_settings(12, wanted)
    chat = await store.get_chat(12)
    assert chat is not None
    assert chat.settings == wanted
    assert [c.id for c in await store.digest_chats()] == [12]


async def test_active_chat_ids_include_groups_only_when_asked(store: Store) -> None:
    await store.upsert_chat(1, "private")
    await store.upsert_chat(-2, "group")
    await store.upsert_chat(-1003, "supergroup")
    await store.upsert_chat(-1004, "channel")
    await store.upsert_chat(5, "private")
    await store.set_chat_active(5, False)
    assert await store.active_chat_ids() == [1]
    assert await store.active_chat_ids(include_groups=True) == [-1003, -2, 1]


async def test_forget_chat_removes_its_subscriptions_routes_and_ledger(store: Store) -> None:
    feed_id, item_id = await _feed_with_item(store)
    await store.upsert_chat(20, "private")
    await store.subscribe(20, feed_id)
    await store.enqueue_deliveries([DeliveryRequest(20, item_id)])
    await store.forget_chat(20)
    assert await store.get_chat(20) is None
    assert await store.list_subscriptions(20) == []
    assert await store.get_delivery(20, item_id) is None
    assert await store.count_subscriptions(20) == 0


async def test_migrated_group_keeps_subscriptions_ledger_and_broadcast_targets(
    store: Store,
) -> None:
    feed_id, item_id = await _feed_with_item(store)
    await store.upsert_chat(-5, "group", "Club")
    await store.subscribe(-5, feed_id, thread_id=None)
    await store.set_filters(-5, feed_id, ["war"], ["sport"])
    await store.enqueue_deliveries([DeliveryRequest(-5, item_id)])
    broadcast = await store.create_broadcast("hello", 1, include_groups=True)
    await store.migrate_chat(-5, -1005)
    assert await store.get_chat(-5) is None
    chat = await store.get_chat(-1005)
    assert chat is not None
    assert chat.kind == "supergroup"
    assert chat.title == "Club"
    (subscription,) = await store.list_subscriptions(-1005)
    assert subscription.include == ("war",)
    assert subscription.exclude == ("sport",)
    assert (await store.get_delivery(-1005, item_id)) is not None
    assert await store.claim_broadcast_batch(broadcast.id, 10, 30) == [-1005]


# --- feeds -----------------------------------------------------------------------------------


async def test_get_or_create_feed_is_idempotent_and_keeps_known_title(store: Store) -> None:
    first = await store.get_or_create_feed("https://e.org/rss", "E", "e")
    second = await store.get_or_create_feed("https://e.org/rss")
    assert first == second
    assert second.title == "E"
    assert second.source_id == "e"
    assert await store.get_feed(first.id) == first
    assert await store.get_feed_by_url("https://e.org/rss") == first
    assert await store.get_feed_by_url("https://other.org/rss") is None
    assert [f.id for f in await store.list_feeds(["e"])] == [first.id]
    assert await store.list_feeds(["nope"]) == []


async def test_due_feed_is_claimed_once_until_saved_or_expired(store: Store) -> None:
    feed_id, _ = await _feed_with_item(store)
    unread = await store.get_or_create_feed("https://nobody.reads/rss")
    await store.upsert_chat(1, "private")
    await store.subscribe(1, feed_id)
    claimed = await store.claim_due_feeds(10, lease_seconds=60, now=T0)
    assert [f.id for f in claimed] == [feed_id]  # unread feeds are not polled
    assert unread.id not in [f.id for f in claimed]
    assert await store.claim_due_feeds(10, 60, now=T0 + timedelta(seconds=30)) == []
    # A crashed poller's lease lapses and the feed is claimed again.
    assert [f.id for f in await store.claim_due_feeds(10, 60, now=T0 + timedelta(seconds=61))] == [
        feed_id
    ]
    state = FeedState(
        consecutive_failures=2,
        last_error="HTTP 500",
        next_poll_at=T0 + timedelta(minutes=10),
        etag='"v1"',
        last_modified="Sun, 01 Mar 2026 12:00:00 GMT",
    )
    await store.save_feed_state(feed_id, state, title="Renamed")
    saved = await store.get_feed(feed_id)
    assert saved is not None
    assert saved.state == state
    assert saved.title == "Renamed"
    assert await store.claim_due_feeds(10, 60, now=T0 + timedelta(minutes=9)) == []
    assert len(await store.claim_due_feeds(10, 60, now=T0 + timedelta(minutes=10))) == 1
    assert [f.id for f in await store.failing_feeds()] == [feed_id]
    assert await store.failing_feeds(min_failures=3) == []


async def test_inactive_feed_is_never_claimed(store: Store) -> None:
    feed_id, _ = await _feed_with_item(store)
    await store.upsert_chat(1, "private")
    await store.subscribe(1, feed_id)
    await store.save_feed_state(feed_id, FeedState(active=False))
    assert await store.claim_due_feeds(10, 60) == []


async def test_feed_read_only_by_a_channel_route_is_polled(store: Store) -> None:
    feed_id, _ = await _feed_with_item(store)
    await store.upsert_chat(-1001, "channel")
    await store.add_routes(-1001, [feed_id])
    assert [f.id for f in await store.claim_due_feeds(5, 60)] == [feed_id]


# --- subscriptions and routes ------------------------------------------------------------------


async def test_subscribe_is_idempotent_and_lists_with_titles_and_filters(store: Store) -> None:
    feed_id, _ = await _feed_with_item(store)
    await store.upsert_chat(1, "supergroup")
    assert await store.subscribe(1, feed_id, thread_id=7) is True
    assert await store.subscribe(1, feed_id, thread_id=8) is False
    assert await store.set_filters(1, feed_id, ["ukraine", "nato"], ["football"]) is True
    assert await store.set_filters(1, 999_999, ["x"], []) is False
    (subscription,) = await store.list_subscriptions(1)
    assert subscription.feed_title == "Example"
    assert subscription.feed_url.endswith("/rss")
    assert subscription.include == ("ukraine", "nato")
    assert subscription.exclude == ("football",)
    assert subscription.thread_id == 8
    assert await store.count_subscriptions(1) == 1
    assert await store.unsubscribe(1, feed_id) is True
    assert await store.unsubscribe(1, feed_id) is False
    assert await store.count_subscriptions(1) == 0


async def test_subscribers_are_active_chats_with_their_settings(store: Store) -> None:
    feed_id, _ = await _feed_with_item(store)
    for chat_id in (1, 2, 3):
        await store.upsert_chat(chat_id, "private")
        await store.subscribe(chat_id, feed_id)
    await store.set_chat_active(2, False)
    await store.update_chat_settings(3, ChatSettings(points=2))
    await store.set_filters(3, feed_id, ["a"], ["b"])
    subscribers = await store.subscribers(feed_id)
    assert [s.chat_id for s in subscribers] == [1, 3]
    assert subscribers[1].settings.points == 2
    assert subscribers[1].include == ("a",)


async def test_channel_routes_add_list_deactivate_remove(store: Store) -> None:
    feed_id, _ = await _feed_with_item(store)
    other = await store.get_or_create_feed("https://other.org/rss")
    await store.upsert_chat(-100, "channel")
    options = RouteOptions(points=3, hashtags=True, link_preview=True)
    await store.add_routes(-100, [feed_id, other.id], options)
    await store.add_routes(-100, [feed_id], options)
    routes = await store.list_routes(-100)
    assert {(r.feed_id, r.options) for r in routes} == {(feed_id, options), (other.id, options)}
    assert [r.chat_id for r in await store.routes_for_feed(feed_id)] == [-100]
    assert await store.deactivate_routes(-100) == 2
    assert await store.routes_for_feed(feed_id) == []
    await store.add_routes(-100, [feed_id])  # re-adding switches it back on
    assert [r.active for r in await store.list_routes(-100) if r.feed_id == feed_id] == [True]
    assert await store.remove_routes(-100, [other.id]) == 1
    assert await store.remove_routes(-100) == 1
    assert await store.list_routes() == []


# --- items -----------------------------------------------------------------------------------


async def test_item_is_new_once_per_feed(store: Store) -> None:
    feed_id, _item_id = await _feed_with_item(store)
    assert await store.add_item(feed_id, "guid-1", title="A story") is None
    other = await store.get_or_create_feed("https://other.org/rss")
    assert await store.add_item(other.id, "guid-1") is not None


async def test_cross_feed_duplicate_by_url_or_normalised_title_within_window(
    store: Store,
) -> None:
    feed = await store.get_or_create_feed("https://a.org/rss")
    other = await store.get_or_create_feed("https://b.org/rss")
    first = await store.add_item(
        feed.id, "1", url="https://news.org/x", title="Markets FALL: what now?", now=T0
    )
    assert first is not None
    later = T0 + timedelta(hours=1)
    by_url = await store.find_duplicate(
        "https://news.org/x", None, since=T0, exclude_feed_id=other.id
    )
    by_title = await store.find_duplicate(None, "markets fall — what now", since=T0)
    assert by_url == first
    assert by_title == first
    assert await store.find_duplicate("https://news.org/x", None, since=later) is None
    assert (
        await store.find_duplicate("https://news.org/x", None, T0, exclude_feed_id=feed.id) is None
    )
    assert await store.find_duplicate(None, None, since=T0) is None
    assert normalise_title("Markets FALL: what now?") == "markets fall what now"


async def test_summary_round_trips_and_latest_lists_newest_summarised_first(
    store: Store,
) -> None:
    feed = await store.get_or_create_feed("https://a.org/rss")
    summary = Summary(
        headline="Headline",
        key_points=("one", "two"),
        source="A",
        original_source="Reuters",
        url="https://a.org/1",
        published=T0,
        language="en",
    )
    ids = []
    for n in range(3):
        item = await store.add_item(feed.id, f"id{n}", title=f"t{n}", now=T0 + timedelta(minutes=n))
        assert item is not None
        ids.append(item.id)
    await store.set_item_summary(ids[0], summary)
    await store.set_item_summary(ids[1], dataclasses.replace(summary, headline="Second"))
    latest = await store.latest_items([feed.id], 5)
    assert [i.id for i in latest] == [ids[1], ids[0]]  # the unsummarised one is left out
    assert latest[1].summary == summary
    assert await store.get_item(ids[0]) == latest[1]
    assert {i.id for i in await store.get_items(ids)} == set(ids)
    assert await store.latest_items([], 5) == []


# --- delivery ledger -------------------------------------------------------------------------


async def test_enqueue_is_idempotent_per_chat_and_item(store: Store) -> None:
    _feed_id, item_id = await _feed_with_item(store)
    for chat_id in range(1, 6):
        await store.upsert_chat(chat_id, "private")
    requests = [DeliveryRequest(c, item_id) for c in range(1, 6)]
    assert await store.enqueue_deliveries(requests) == 5
    assert await store.enqueue_deliveries([*requests, DeliveryRequest(1, item_id)]) == 0
    assert len(await store.pending_deliveries(3)) == 1


async def test_claimed_delivery_is_not_claimed_again_until_its_lease_lapses(store: Store) -> None:
    _feed_id, item_id = await _feed_with_item(store)
    await store.upsert_chat(1, "private")
    await store.enqueue_deliveries([DeliveryRequest(1, item_id, thread_id=4)], now=T0)
    (claimed,) = await store.claim_deliveries(10, 30, now=T0)
    assert claimed.chat_id == 1
    assert claimed.thread_id == 4
    assert claimed.state == "pending"
    assert await store.claim_deliveries(10, 30, now=T0 + timedelta(seconds=29)) == []
    (again,) = await store.claim_deliveries(10, 30, now=T0 + timedelta(seconds=31))
    assert again.id == claimed.id
    await store.mark_sent(again.id, 555)
    sent = await store.get_delivery(1, item_id)
    assert sent is not None
    assert sent.state == "sent"
    assert sent.message_id == 555
    assert await store.claim_deliveries(10, 30, now=T0 + timedelta(hours=1)) == []


async def test_recover_re_drives_stale_claims(store: Store) -> None:
    _, item_id = await _feed_with_item(store)
    await store.upsert_chat(1, "private")
    await store.enqueue_deliveries([DeliveryRequest(1, item_id)])
    assert len(await store.claim_deliveries(10, lease_seconds=1)) == 1
    later = datetime.now(UTC) + timedelta(seconds=5)
    assert await store.recover(now=later) == 1
    assert len(await store.claim_deliveries(10, 60)) == 1


async def test_failed_delivery_waits_for_retry_then_fails_for_good(store: Store) -> None:
    _, item_id = await _feed_with_item(store)
    await store.upsert_chat(1, "private")
    await store.enqueue_deliveries([DeliveryRequest(1, item_id)], now=T0)
    (claimed,) = await store.claim_deliveries(1, 30, now=T0)
    await store.mark_failed(claimed.id, "HTTP 500", retry_at=T0 + timedelta(minutes=1), now=T0)
    assert await store.claim_deliveries(1, 30, now=T0 + timedelta(seconds=59)) == []
    (retry,) = await store.claim_deliveries(1, 30, now=T0 + timedelta(minutes=1))
    assert retry.attempts == 1
    assert retry.last_error == "HTTP 500"
    await store.mark_failed(retry.id, "400 Bad Request")
    final = await store.get_delivery(1, item_id)
    assert final is not None
    assert final.state == "failed"
    assert final.attempts == 2
    assert await store.claim_deliveries(1, 30, now=T0 + timedelta(days=1)) == []


async def test_deactivated_chat_is_never_sent_what_was_waiting(store: Store) -> None:
    _feed_id, item_id = await _feed_with_item(store)
    await store.upsert_chat(1, "private")
    await store.upsert_chat(2, "private")
    await store.enqueue_deliveries([DeliveryRequest(1, item_id), DeliveryRequest(2, item_id)])
    await store.set_chat_active(2, False)
    (claimed,) = await store.claim_deliveries(10, 30)
    assert claimed.chat_id == 1
    dropped = await store.get_delivery(2, item_id)
    assert dropped is not None
    assert (dropped.state, dropped.last_error) == ("skipped", "chat inactive")
    await store.upsert_chat(2, "private")  # back again: the old item stays unsent
    assert await store.claim_deliveries(10, 30, now=datetime.now(UTC) + timedelta(minutes=1)) == [
        dataclasses.replace(claimed, id=claimed.id)
    ]


async def test_nothing_is_queued_for_inactive_or_unknown_chats(store: Store) -> None:
    _feed_id, item_id = await _feed_with_item(store)
    await store.upsert_chat(1, "private")
    await store.upsert_chat(2, "private")
    await store.set_chat_active(2, False)
    requests = [DeliveryRequest(c, item_id) for c in (1, 2, 3)]
    assert await store.enqueue_deliveries(requests) == 1
    assert await store.get_delivery(2, item_id) is None


async def test_skipped_delivery_records_why(store: Store) -> None:
    _feed_id, item_id = await _feed_with_item(store)
    await store.upsert_chat(1, "private")
    await store.enqueue_deliveries([DeliveryRequest(1, item_id)])
    (claimed,) = await store.claim_deliveries(10, 30)
    await store.mark_skipped(claimed.id, "filtered")
    skipped = await store.get_delivery(1, item_id)
    assert skipped is not None
    assert (skipped.state, skipped.last_error) == ("skipped", "filtered")
    assert await store.claim_deliveries(10, 30, now=datetime.now(UTC) + timedelta(hours=1)) == []


async def test_digest_chats_rows_wait_for_the_digest(store: Store) -> None:
    _feed_id, item_id = await _feed_with_item(store)
    await store.upsert_chat(1, "private")
    await store.update_chat_settings(1, ChatSettings(delivery_mode="digest"))
    await store.enqueue_deliveries([DeliveryRequest(1, item_id)])
    assert await store.claim_deliveries(10, 30) == []
    assert len(await store.claim_deliveries(10, 30, include_digest=True, now=T0)) == 1
    assert [d.item_id for d in await store.pending_deliveries(1)] == [item_id]
    (claimed,) = await store.claim_deliveries(10, 30, chat_id=1)
    await store.mark_sent_many([(claimed.id, 77)])
    assert await store.pending_deliveries(1) == []


async def test_switching_to_instant_releases_the_waiting_digest(store: Store) -> None:
    feed = await store.get_or_create_feed("https://a.org/rss")
    await store.upsert_chat(1, "private")
    await store.update_chat_settings(1, ChatSettings(delivery_mode="digest"))
    first = await store.add_item(feed.id, "1")
    assert first is not None
    await store.enqueue_deliveries([DeliveryRequest(1, first.id)])
    assert await store.claim_deliveries(10, 30) == []
    await store.update_chat_settings(1, ChatSettings(delivery_mode="instant"))
    assert [d.item_id for d in await store.claim_deliveries(10, 30)] == [first.id]


async def test_claims_are_oldest_first_and_limited(store: Store) -> None:
    feed = await store.get_or_create_feed("https://a.org/rss")
    await store.upsert_chat(1, "private")
    item_ids = []
    for n in range(5):
        item = await store.add_item(feed.id, f"i{n}")
        assert item is not None
        item_ids.append(item.id)
    await store.enqueue_deliveries([DeliveryRequest(1, i) for i in item_ids])
    first = await store.claim_deliveries(3, 30)
    second = await store.claim_deliveries(3, 30)
    assert [d.item_id for d in first] == item_ids[:3]
    assert [d.item_id for d in second] == item_ids[3:]


# --- broadcasts ------------------------------------------------------------------------------


async def test_broadcast_targets_active_chats_counts_outcomes_and_finishes(store: Store) -> None:
    for chat_id in (1, 2, 3, 4):
        await store.upsert_chat(chat_id, "private")
    await store.upsert_chat(-9, "group")
    await store.set_chat_active(4, False)
    broadcast = await store.create_broadcast("News!", author_id=42)
    assert (broadcast.remaining, broadcast.status, broadcast.text) == (3, "running", "News!")
    assert await store.materialise_broadcast(broadcast.id) == 0
    batch = await store.claim_broadcast_batch(broadcast.id, 2, 30)
    assert batch == [1, 2]
    assert await store.claim_broadcast_batch(broadcast.id, 5, 30) == [3]
    await store.mark_broadcast_delivery(broadcast.id, 1, "sent", message_id=11)
    await store.mark_broadcast_delivery(broadcast.id, 2, "blocked", error="Forbidden")
    await store.mark_broadcast_delivery(broadcast.id, 3, "failed", error="Bad Request")
    progress = await store.get_broadcast(broadcast.id)
    assert progress is not None
    assert (progress.sent, progress.blocked, progress.failed, progress.remaining) == (1, 1, 1, 0)
    await store.set_broadcast_status(broadcast.id, "done")
    assert await store.unfinished_broadcasts() == []


async def test_broadcast_resumes_after_restart_without_repeating_anyone(store_url: str) -> None:
    first = await open_store(store_url)
    for chat_id in range(1, 11):
        await first.upsert_chat(chat_id, "private")
    broadcast = await first.create_broadcast("hi", 1, include_groups=True)
    for chat_id in await first.claim_broadcast_batch(broadcast.id, 4, lease_seconds=1):
        await first.mark_broadcast_delivery(broadcast.id, chat_id, "sent", message_id=chat_id)
    await first.claim_broadcast_batch(broadcast.id, 2, lease_seconds=1)  # then "crash"
    await first.aclose()

    second = await open_store(store_url)
    await second.recover(now=datetime.now(UTC) + timedelta(seconds=2))
    (unfinished,) = await second.unfinished_broadcasts()
    assert unfinished.id == broadcast.id
    assert unfinished.sent == 4
    assert unfinished.remaining == 6
    rest = await second.claim_broadcast_batch(broadcast.id, 100, 30)
    assert rest == list(range(5, 11))
    await second.aclose()


async def test_cancelled_broadcast_is_not_claimed(store: Store) -> None:
    await store.upsert_chat(1, "private")
    broadcast = await store.create_broadcast("x", 1)
    await store.set_broadcast_status(broadcast.id, "cancelled")
    assert await store.claim_broadcast_batch(broadcast.id, 10, 30) == []
    assert await store.unfinished_broadcasts() == []


# --- housekeeping ----------------------------------------------------------------------------


async def test_leadership_is_exclusive_and_passes_on_when_the_lease_lapses(
    store_url: str,
) -> None:
    one, two = await open_store(store_url), await open_store(store_url)
    try:
        assert await one.acquire_leadership("jobs", 10, now=T0)
        assert not await two.acquire_leadership("jobs", 10, now=T0 + timedelta(seconds=5))
        assert await one.acquire_leadership("jobs", 10, now=T0 + timedelta(seconds=5))  # renew
        assert not await two.acquire_leadership("jobs", 10, now=T0 + timedelta(seconds=14))
        assert await two.acquire_leadership("jobs", 10, now=T0 + timedelta(seconds=16))
        assert not await one.acquire_leadership("jobs", 10, now=T0 + timedelta(seconds=17))
        await two.release_leadership("jobs")
        assert await one.acquire_leadership("jobs", 10, now=T0 + timedelta(seconds=18))
    finally:
        await one.aclose()
        await two.aclose()


async def test_prune_deletes_old_items_and_ledger_rows_in_batches(store: Store) -> None:
    feed = await store.get_or_create_feed("https://a.org/rss")
    await store.upsert_chat(1, "private")
    old_ids, new_ids = [], []
    for n in range(7):
        when = T0 - timedelta(days=40) if n < 5 else T0
        item = await store.add_item(feed.id, f"i{n}", now=when)
        assert item is not None
        (old_ids if n < 5 else new_ids).append(item.id)
        await store.enqueue_deliveries([DeliveryRequest(1, item.id)], now=when)
    removed = await store.prune(T0 - timedelta(days=30), batch_size=2)
    assert removed == 10
    assert await store.get_items(old_ids) == []
    assert len(await store.get_items(new_ids)) == 2
    assert len(await store.pending_deliveries(1)) == 2


async def test_stats_count_what_admins_see(store: Store) -> None:
    feed_id, item_id = await _feed_with_item(store)
    await store.upsert_chat(1, "private")
    await store.upsert_chat(-2, "group")
    await store.upsert_chat(-1003, "channel")
    await store.subscribe(1, feed_id)
    await store.subscribe(-2, feed_id)
    await store.save_feed_state(feed_id, FeedState(consecutive_failures=1))
    await store.enqueue_deliveries([DeliveryRequest(1, item_id), DeliveryRequest(-2, item_id)])
    (first, _second) = await store.claim_deliveries(10, 30)
    await store.mark_sent(first.id, 1)
    stats = await store.stats()
    assert (stats.chats, stats.active_chats, stats.private_chats) == (3, 3, 1)
    assert (stats.group_chats, stats.channels, stats.subscriptions) == (1, 1, 2)
    assert (stats.feeds, stats.failing_feeds, stats.items_today) == (1, 1, 1)
    assert (stats.deliveries_today, stats.pending_deliveries) == (1, 1)
    assert await store.ping()


async def test_bad_url_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="unsupported driver"):
        await open_store("mysql://localhost/x")


async def test_two_instances_claim_disjoint_work_at_the_same_time(store_url: str) -> None:
    """Feeds, deliveries and broadcast targets claimed concurrently go to one instance each."""
    one, two = await open_store(store_url), await open_store(store_url)
    try:
        feed_ids = []
        for n in range(40):
            feed = await one.get_or_create_feed(f"https://f{n}.org/rss")
            feed_ids.append(feed.id)
        await one.upsert_chat(1, "private")
        for feed_id in feed_ids:
            await one.subscribe(1, feed_id)
        item = await one.add_item(feed_ids[0], "x")
        assert item is not None
        for chat_id in range(2, 102):
            await one.upsert_chat(chat_id, "private")
        await one.enqueue_deliveries([DeliveryRequest(c, item.id) for c in range(1, 102)])
        broadcast = await one.create_broadcast("hi", 1)

        async def drain(store: Store) -> tuple[list[int], list[int], list[int]]:
            feeds, rows, targets = [], [], []
            while batch := await store.claim_due_feeds(3, 60):
                feeds += [f.id for f in batch]
            while claimed := await store.claim_deliveries(7, 60):
                rows += [d.id for d in claimed]
            while chats := await store.claim_broadcast_batch(broadcast.id, 9, 60):
                targets += chats
            return feeds, rows, targets

        (f1, d1, b1), (f2, d2, b2) = await asyncio.gather(drain(one), drain(two))
        assert sorted(f1 + f2) == sorted(feed_ids)
        assert len(d1) + len(d2) == len(set(d1) | set(d2)) == 101
        assert sorted(b1 + b2) == list(range(1, 102))
    finally:
        await one.aclose()
        await two.aclose()


async def test_subscribing_an_unknown_chat_is_a_store_error(store: Store) -> None:
    feed = await store.get_or_create_feed("https://a.org/rss")
    with pytest.raises(StoreError, match="refused by the database"):
        await store.subscribe(404, feed.id)
    assert await store.count_subscriptions(404) == 0
