"""The data that flows through newsbot, one public face over two rooms.

`bot.model.pipeline`: values passed between the pipeline's stages (`FeedResponse`, `Feed`,
`Entry`, `Article`, `Summary`). `bot.model.records`: what the store persists (chats, feeds and
their `FeedState`, items, deliveries, broadcasts). Every name stays importable from `bot.model`.
"""

from bot.model.pipeline import (
    DEFAULT_POINTS,
    MAX_POINTS,
    MIN_POINTS,
    Article,
    Entry,
    Feed,
    FeedResponse,
    Summary,
)
from bot.model.records import (
    Broadcast,
    BroadcastDraft,
    BroadcastOutcome,
    BroadcastStatus,
    ChannelRoute,
    Chat,
    ChatKind,
    ChatSettings,
    Delivery,
    DeliveryMode,
    DeliveryRequest,
    DeliveryState,
    FeedState,
    Item,
    RouteOptions,
    StoredFeed,
    StoreStats,
    Subscriber,
    Subscription,
)

__all__ = [
    "DEFAULT_POINTS",
    "MAX_POINTS",
    "MIN_POINTS",
    "Article",
    "Broadcast",
    "BroadcastDraft",
    "BroadcastOutcome",
    "BroadcastStatus",
    "ChannelRoute",
    "Chat",
    "ChatKind",
    "ChatSettings",
    "Delivery",
    "DeliveryMode",
    "DeliveryRequest",
    "DeliveryState",
    "Entry",
    "Feed",
    "FeedResponse",
    "FeedState",
    "Item",
    "RouteOptions",
    "StoreStats",
    "StoredFeed",
    "Subscriber",
    "Subscription",
    "Summary",
]
