"""The `Store` protocol: everything the service layer persists, as async use-case methods.

Delivery semantics (see docs/storage.md): a delivery or broadcast row is *claimed* with a lease
before sending and marked sent with Telegram's message id only after Telegram confirms. Claims
whose lease expired are claimed again, so a crashed instance's work is re-driven; on SQLite (one
instance by design) `recover()` at start releases every claim at once. A sender renews the leases
of what it still has to send while it works (`renew_*`), and sends nothing whose lease it cannot
vouch for (`bot.service.leases`).

Times are timezone-aware UTC. Methods that take `now` use the current time when it is None;
tests pass it to control leases and windows. Database failures (unreachable, constraint
refused — e.g. subscribing a chat never upserted) raise `bot.errors.StoreError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.model import (
    Broadcast,
    BroadcastDraft,
    BroadcastOutcome,
    BroadcastStatus,
    ChannelRoute,
    Chat,
    ChatKind,
    ChatSettings,
    Delivery,
    DeliveryRequest,
    FeedState,
    Item,
    RouteOptions,
    StoredFeed,
    StoreStats,
    Subscriber,
    Subscription,
    Summary,
)


class Store(Protocol):
    """Persistence for chats, feeds, subscriptions, items, the delivery ledger and broadcasts."""

    @property
    def instance_id(self) -> str:
        """This process's claim owner: unique per opened store."""

    @property
    def dialect(self) -> str:
        """ "sqlite" or "postgresql"."""

    async def aclose(self) -> None:
        """Release connections; the store is unusable afterwards."""

    async def ping(self) -> bool:
        """True when the database answers (health checks)."""

    async def recover(self, now: datetime | None = None) -> int:
        """Re-drive stale claims at start-up; returns how many deliveries were released.

        SQLite: every claim (the previous process is gone). PostgreSQL: claims whose lease expired.
        """

    # --- chats -------------------------------------------------------------------------------

    async def upsert_chat(
        self,
        chat_id: int,
        kind: ChatKind,
        title: str | None = None,
        language: str | None = None,
        *,
        reactivate: bool = True,
    ) -> Chat:
        """Create or refresh a chat; an update from a chat proves it is reachable again."""

    async def get_chat(self, chat_id: int) -> Chat | None:
        """The chat, or None if unknown (or forgotten)."""

    async def update_chat_settings(self, chat_id: int, settings: ChatSettings) -> None:
        """Replace a chat's settings (use `dataclasses.replace` on `Chat.settings`).

        Pending deliveries follow a change of delivery mode (digest ↔ instant).
        """

    async def set_chat_active(self, chat_id: int, active: bool) -> None:
        """Deactivate on 403/kicked (never messaged again); reactivate when it comes back.

        Deactivating skips the chat's pending deliveries ("chat inactive") for good.
        """

    async def migrate_chat(self, old_id: int, new_id: int) -> None:
        """Follow a group's migration to a supergroup: the new id takes over every row."""

    async def forget_chat(self, chat_id: int) -> None:
        """`/stop`: delete the chat, its subscriptions, routes and pending deliveries."""

    async def active_chat_ids(self, include_groups: bool = False) -> list[int]:
        """Active private chats (plus groups and supergroups if asked) — broadcast targets."""

    async def digest_chats(self) -> list[Chat]:
        """Active chats in digest mode (the digest job decides whose HH:MM has come)."""

    # --- feeds -------------------------------------------------------------------------------

    async def get_or_create_feed(
        self, url: str, title: str | None = None, source_id: str | None = None
    ) -> StoredFeed:
        """The feed with this URL, created due-now if new; a given title/source_id is kept."""

    async def get_feed(self, feed_id: int) -> StoredFeed | None:
        """The feed by id."""

    async def get_feed_by_url(self, url: str) -> StoredFeed | None:
        """The feed by exact URL."""

    async def list_feeds(self, source_ids: Sequence[str] | None = None) -> list[StoredFeed]:
        """All feeds, or those of the given catalogue sources."""

    async def claim_due_feeds(
        self, limit: int, lease_seconds: float, now: datetime | None = None
    ) -> list[StoredFeed]:
        """Lease up to `limit` active feeds due for polling that someone reads.

        A feed is claimed by one instance at a time (SKIP LOCKED on PostgreSQL); the lease ends
        with `save_feed_state` or when it expires.
        """

    async def save_feed_state(
        self, feed_id: int, state: FeedState, title: str | None = None
    ) -> None:
        """Store a poll's outcome (validators, failures, next poll) and end the lease."""

    async def failing_feeds(self, min_failures: int = 1) -> list[StoredFeed]:
        """Feeds with at least `min_failures` consecutive failures, worst first."""

    # --- subscriptions -----------------------------------------------------------------------

    async def subscribe(self, chat_id: int, feed_id: int, thread_id: int | None = None) -> bool:
        """Subscribe; True if new, False if it already existed (thread id updated)."""

    async def unsubscribe(self, chat_id: int, feed_id: int) -> bool:
        """Unsubscribe; True if there was a subscription."""

    async def list_subscriptions(self, chat_id: int) -> list[Subscription]:
        """A chat's subscriptions with feed titles and filters, oldest first."""

    async def set_filters(
        self, chat_id: int, feed_id: int, include: Sequence[str], exclude: Sequence[str]
    ) -> bool:
        """Replace a subscription's keyword filter; False if not subscribed."""

    async def count_subscriptions(self, chat_id: int) -> int:
        """How many feeds a chat follows (for the per-chat cap)."""

    async def subscribers(self, feed_id: int) -> list[Subscriber]:
        """Active chats subscribed to a feed, with filters, thread ids and settings."""

    # --- channel routes ----------------------------------------------------------------------

    async def add_routes(
        self, chat_id: int, feed_ids: Sequence[int], options: RouteOptions | None = None
    ) -> None:
        """Route feeds to a channel (idempotent; options and active flag are refreshed)."""

    async def remove_routes(self, chat_id: int, feed_ids: Sequence[int] | None = None) -> int:
        """Delete a channel's routes (all if `feed_ids` is None); returns how many."""

    async def list_routes(self, chat_id: int | None = None) -> list[ChannelRoute]:
        """Routes of one channel, or all routes."""

    async def routes_for_feed(self, feed_id: int) -> list[ChannelRoute]:
        """Active routes of a feed whose channel is active."""

    async def deactivate_routes(self, chat_id: int) -> int:
        """Bot removed from a channel: switch its routes off; returns how many."""

    # --- items -------------------------------------------------------------------------------

    async def add_item(
        self,
        feed_id: int,
        identity: str,
        *,
        url: str | None = None,
        title: str | None = None,
        published: datetime | None = None,
        now: datetime | None = None,
    ) -> Item | None:
        """Record a feed entry; the new `Item`, or None if (feed, identity) was seen before."""

    async def find_duplicate(
        self,
        url: str | None,
        title: str | None,
        since: datetime,
        exclude_feed_id: int | None = None,
    ) -> Item | None:
        """An item first seen since `since` with the same canonical URL or normalised title.

        Titles are compared after `bot.store.normalise_title` (case, punctuation, spacing).
        """

    async def get_item(self, item_id: int) -> Item | None:
        """The item with its summary."""

    async def get_items(self, item_ids: Sequence[int]) -> list[Item]:
        """Several items by id (order unspecified; unknown ids are left out)."""

    async def set_item_summary(self, item_id: int, summary: Summary) -> None:
        """Store the item's summary (JSON of the Summary fields)."""

    async def latest_items(self, feed_ids: Sequence[int], limit: int) -> list[Item]:
        """Newest summarised items of these feeds, newest first (for /latest)."""

    # --- delivery ledger ---------------------------------------------------------------------

    async def enqueue_deliveries(
        self, requests: Sequence[DeliveryRequest], now: datetime | None = None
    ) -> int:
        """Insert pending rows in one transaction; existing (chat, item) rows are left alone.

        Requests for inactive or unknown chats are dropped. Returns how many rows are new.
        """

    async def claim_deliveries(
        self,
        limit: int,
        lease_seconds: float,
        *,
        chat_id: int | None = None,
        include_digest: bool = False,
        now: datetime | None = None,
    ) -> list[Delivery]:
        """Lease up to `limit` pending deliveries, oldest first.

        Rows of digest-mode chats are left for the digest unless `include_digest` or `chat_id`
        names the chat. Rows waiting for `retry_at` are skipped.
        """

    async def renew_deliveries(
        self, delivery_ids: Sequence[int], lease_seconds: float, now: datetime | None = None
    ) -> list[int]:
        """Extend this instance's leases on these rows to `now + lease_seconds`, in one statement.

        Returns the ids still held: a row settled meanwhile, or claimed by another instance
        after our lease lapsed, is left alone and missing from the answer — do not send it.
        """

    async def mark_sent(
        self, delivery_id: int, message_id: int, now: datetime | None = None
    ) -> None:
        """Telegram confirmed: record its message id. Call only after the confirmation.

        Applied whoever holds the lease: the message went out, and a sent row is never sent
        again (should another instance have lost the row to us, it finds it gone on renewal).
        """

    async def mark_sent_many(
        self, sent: Sequence[tuple[int, int]], now: datetime | None = None
    ) -> None:
        """`mark_sent` for several (delivery id, message id) pairs in one transaction."""

    async def mark_failed(
        self,
        delivery_id: int,
        error: str,
        retry_at: datetime | None = None,
        now: datetime | None = None,
    ) -> None:
        """Count a failed attempt; retried after `retry_at`, or failed for good when None.

        Ignored for a row another instance holds a live lease on (we lost our claim to it).
        """

    async def mark_skipped(self, delivery_id: int, reason: str) -> None:
        """Not sent on purpose (filtered, duplicate story, chat gone).

        Ignored for a row another instance holds a live lease on, like `mark_failed`.
        """

    async def pending_deliveries(self, chat_id: int) -> list[Delivery]:
        """A chat's pending rows, oldest first (what a digest would contain)."""

    async def get_delivery(self, chat_id: int, item_id: int) -> Delivery | None:
        """The ledger row for (chat, item)."""

    # --- broadcasts --------------------------------------------------------------------------

    async def create_broadcast(
        self, text: str, author_id: int, include_groups: bool = False
    ) -> Broadcast:
        """Create a running broadcast and, in the same transaction, its target rows."""

    async def materialise_broadcast(self, broadcast_id: int) -> int:
        """Add target rows for active chats not yet targeted (idempotent); returns how many."""

    async def claim_broadcast_batch(
        self, broadcast_id: int, limit: int, lease_seconds: float, now: datetime | None = None
    ) -> list[int]:
        """Lease up to `limit` unsent target chat ids of a running broadcast."""

    async def renew_broadcast_targets(
        self,
        broadcast_id: int,
        chat_ids: Sequence[int],
        lease_seconds: float,
        now: datetime | None = None,
    ) -> list[int]:
        """`renew_deliveries` for broadcast targets: the chat ids whose lease we still hold."""

    async def mark_broadcast_delivery(
        self,
        broadcast_id: int,
        chat_id: int,
        outcome: BroadcastOutcome,
        message_id: int | None = None,
        error: str | None = None,
    ) -> None:
        """Record one target's final outcome (after Telegram answered)."""

    async def get_broadcast(self, broadcast_id: int) -> Broadcast | None:
        """The broadcast with live counters (sent, blocked, failed, remaining)."""

    async def set_broadcast_status(self, broadcast_id: int, status: BroadcastStatus) -> None:
        """ "cancelled" stops claiming; "done" when nothing remains."""

    async def unfinished_broadcasts(self) -> list[Broadcast]:
        """Running broadcasts, to resume after a restart."""

    # --- broadcast drafts ---------------------------------------------------------------------

    async def save_broadcast_draft(
        self, author_id: int, text: str, now: datetime | None = None
    ) -> BroadcastDraft:
        """Keep a previewed broadcast under a new random key, for its author's button press."""

    async def get_broadcast_draft(self, key: str) -> BroadcastDraft | None:
        """The draft, or None once it was confirmed, dropped or pruned."""

    async def confirm_broadcast_draft(
        self, key: str, author_id: int, include_groups: bool = False
    ) -> Broadcast | None:
        """Turn the author's draft into a running broadcast, in one transaction.

        None if there is no such draft of this author (any more): a second press creates nothing.
        """

    async def drop_broadcast_draft(self, key: str, author_id: int) -> bool:
        """Delete the author's draft; False if there was none."""

    # --- the sending budget shared by instances (PostgreSQL; see bot.service.ports.SendBudget) --

    async def reserve_send_slot(self, bucket: str, interval: float, slack: float) -> float:
        """Take a bucket's next slot; when it is due (Unix time, the database's clock)."""

    async def reserve_chat_slot(self, chat_id: int, interval: float) -> float:
        """Book a chat's next message `interval` after its previous one; seconds to wait."""

    async def pause_sending(self, seconds: float) -> None:
        """A 429: every bucket gives no slot for `seconds` (and counts it as throttled)."""

    async def sending_paused_for(self) -> float:
        """Seconds left of the longest 429 pause any instance reported."""

    # --- housekeeping ------------------------------------------------------------------------

    async def acquire_leadership(
        self, name: str, ttl_seconds: float, now: datetime | None = None
    ) -> bool:
        """Take or renew the named leader lease; True while this instance holds it."""

    async def release_leadership(self, name: str) -> None:
        """Give the lease up (clean shutdown) so another instance takes over at once."""

    async def prune(self, older_than: datetime, batch_size: int = 1000) -> int:
        """Delete ledger rows, items and drafts older than the cut-off; returns rows deleted."""

    async def stats(self, now: datetime | None = None) -> StoreStats:
        """Counts for `/stats`."""
