"""Records `bot.store` reads and writes: chats, feeds and their polling state, items, the
delivery ledger, broadcasts. Frozen, data only; times are timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.model.pipeline import DEFAULT_POINTS, Summary


@dataclass(frozen=True, slots=True)
class FeedState:
    """Polling state of one feed, computed by `bot.feeds.policy` and persisted by the store."""

    consecutive_failures: int = 0
    last_error: str | None = None
    # None: poll as soon as possible.
    next_poll_at: datetime | None = None
    etag: str | None = None
    last_modified: str | None = None
    active: bool = True


ChatKind = Literal["private", "group", "supergroup", "channel"]
DeliveryMode = Literal["instant", "digest"]
DeliveryState = Literal["pending", "sent", "failed", "skipped"]
BroadcastStatus = Literal["running", "cancelled", "done"]
BroadcastOutcome = Literal["sent", "blocked", "failed"]


@dataclass(frozen=True, slots=True)
class ChatSettings:
    """A chat's delivery preferences (`/settings`)."""

    points: int = DEFAULT_POINTS
    link_preview: bool = False
    delivery_mode: DeliveryMode = "instant"
    # Local wall-clock time of the daily digest, "HH:MM", in `timezone` (an IANA name).
    digest_time: str = "08:00"
    timezone: str = "UTC"


@dataclass(frozen=True, slots=True)
class Chat:
    """A Telegram chat the bot talks to; inactive chats (403, kicked) are never messaged."""

    id: int
    kind: ChatKind
    title: str | None = None
    language: str | None = None
    settings: ChatSettings = ChatSettings()
    active: bool = True
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoredFeed:
    """A feed the bot polls: its URL, catalogue source (None for user-added) and fetch state."""

    id: int
    url: str
    title: str | None = None
    source_id: str | None = None
    state: FeedState = FeedState()


@dataclass(frozen=True, slots=True)
class Subscription:
    """One chat's subscription to one feed, with its keyword filter and forum topic."""

    chat_id: int
    feed_id: int
    feed_url: str
    feed_title: str | None = None
    source_id: str | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    thread_id: int | None = None


@dataclass(frozen=True, slots=True)
class Subscriber:
    """An active chat subscribed to a feed: what delivery needs to filter and address a post."""

    chat_id: int
    kind: ChatKind
    settings: ChatSettings
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    thread_id: int | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class RouteOptions:
    """How a channel route renders its posts."""

    points: int = DEFAULT_POINTS
    hashtags: bool = False
    link_preview: bool = False
    # The interface language of the posts' labels ("Source", "via"); None: the channel's own.
    language: str | None = None


@dataclass(frozen=True, slots=True)
class ChannelRoute:
    """A channel that receives every item of a feed."""

    chat_id: int
    feed_id: int
    options: RouteOptions = RouteOptions()
    active: bool = True


@dataclass(frozen=True, slots=True)
class Item:
    """A feed entry seen once; `summary` is filled after summarising."""

    id: int
    feed_id: int
    identity: str
    url: str | None = None
    title: str | None = None
    published: datetime | None = None
    summary: Summary | None = None
    first_seen: datetime | None = None


@dataclass(frozen=True, slots=True)
class DeliveryRequest:
    """Ask for one item to reach one chat (optionally in a forum topic)."""

    chat_id: int
    item_id: int
    thread_id: int | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """A ledger row: one item for one chat; claimed before sending, marked sent after Telegram."""

    id: int
    chat_id: int
    item_id: int
    state: DeliveryState
    thread_id: int | None = None
    message_id: int | None = None
    attempts: int = 0
    last_error: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Broadcast:
    """An admin broadcast and its live counters."""

    id: int
    text: str
    author_id: int
    include_groups: bool
    status: BroadcastStatus
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    remaining: int = 0
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class BroadcastDraft:
    """A previewed broadcast: only its author may send or drop it, from any instance."""

    key: str
    author_id: int
    text: str


@dataclass(frozen=True, slots=True)
class StoreStats:
    """Figures for `/stats`; "today" means since 00:00 UTC."""

    chats: int
    active_chats: int
    private_chats: int
    group_chats: int
    channels: int
    subscriptions: int
    feeds: int
    failing_feeds: int
    items_today: int
    deliveries_today: int
    pending_deliveries: int
