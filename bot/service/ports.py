"""Every port the service layer needs, so it imports no adapter (web, store, LLM, Telegram).

- `Web`: feed fetching and reading (`FeedReader`) and page extraction (`PageReader`);
  `bot.feeds.fetch.Fetcher` implements it, with its URL safety and limits.
- `Store`: persistence; the protocol lives beside its implementations in `bot.store.protocol`
  (the SQL stores and the migrations depend on it) and is named here for the service.
- `Summarizer`: the text core's protocol; `bot.llm` implements it too. A backend never raises
  `SummarizerError` to the service: the LLM backend falls back to the extractive summary
  itself (`bot.llm.summarizer`, the one fallback); only text nothing can summarise raises.
- `Catalogue`: the operator's sources and the per-chat limit (`bot.config.Settings` is one).
- `SendBudget`: Telegram's limits shared by every instance of one bot (the PostgreSQL store
  implements it; one instance on SQLite paces in process and needs none).
- `Messenger`: Telegram. `bot.tg.messenger.TelegramMessenger` implements it over
  python-telegram-bot; tests and benchmarks may implement it over anything.

`bot.runtime` hands the service its adapters. Every messenger failure is one of the
`DeliveryError` subclasses in `bot.errors`, so policy (deactivate, follow a migration, pause,
give up) is decided from the type:

- `ChatGoneError`: never message this chat again;
- `ChatMigratedError`: resend to `new_chat_id`;
- `RetryLaterError`: pause *all* sending for `retry_after` seconds, then retry;
- `DeliveryRejectedError`: this message can never be sent; record it and move on;
- `TelegramUnavailableError`: transient; retry a bounded number of times.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.config import LimitSettings, SourceSettings
from bot.model import Article, Entry, FeedResponse
from bot.store.protocol import Store
from bot.text.summarize import Summarizer

__all__ = [
    "Button",
    "Catalogue",
    "FeedReader",
    "Keyboard",
    "Messenger",
    "PageReader",
    "SendBudget",
    "Store",
    "Summarizer",
    "Web",
]


class FeedReader(Protocol):
    """Fetch feeds (conditionally) and find a site's feeds; raises `bot.errors.FetchError`."""

    async def fetch_feed(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        trusted: bool = False,
    ) -> FeedResponse:
        """The parsed feed, or `not_modified` when the validators still hold."""
        ...

    async def discover_feeds(self, url: str, *, trusted: bool = False) -> list[str]:
        """Feed URLs for a site (the URL itself when it is a feed)."""
        ...


class PageReader(Protocol):
    """Read an article from its page, or from a feed entry when the page will not do."""

    async def fetch_page(self, url: str, *, trusted: bool = False) -> Article:
        """The page's article; raises `FetchError` or `ExtractionError`."""
        ...

    def article_from_entry(self, entry: Entry, site_name: str | None = None) -> Article:
        """The entry's own content as an article, marked as the feed's excerpt."""
        ...

    def is_usable(self, article: Article) -> bool:
        """Whether a page gave enough text to summarise instead of the feed's excerpt."""
        ...


class Web(FeedReader, PageReader, Protocol):
    """Everything the service reads from the web."""


class Catalogue(Protocol):
    """The operator's catalogue of sources and per-chat limits (`Settings` is one)."""

    @property
    def sources(self) -> tuple[SourceSettings, ...]:
        """The catalogue, in the operator's order."""
        ...

    @property
    def limits(self) -> LimitSettings:
        """Per-chat limits (`max_subscriptions_per_chat`)."""
        ...

    def source(self, source_id: str) -> SourceSettings | None:
        """The catalogue entry with this id, if any."""
        ...


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button: either a callback (`data`) or a link (`url`)."""

    text: str
    data: str | None = None
    url: str | None = None


# Rows of inline buttons under a message.
Keyboard = tuple[tuple[Button, ...], ...]


class Messenger(Protocol):
    """Send and edit HTML messages; raises `bot.errors.DeliveryError` subclasses."""

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
        """Send one HTML message and return Telegram's message id once Telegram confirmed it.

        `paid`: send it as a paid broadcast (`allow_paid_broadcast`, charged per message).
        """
        ...

    async def edit(
        self,
        chat_id: int,
        message_id: int,
        html: str,
        *,
        reply_markup: Keyboard | None = None,
    ) -> None:
        """Replace the text of a message the bot sent (an unchanged text is not an error)."""
        ...


class SendBudget(Protocol):
    """Slots of Telegram's limits shared by every instance, however many send at once."""

    async def reserve_send_slot(self, bucket: str, interval: float, slack: float) -> float:
        """Take the next slot of a bucket sending one message every `interval` seconds.

        Answers when the slot is due, as Unix time (the database's clock: keep hosts on NTP).
        """
        ...

    async def reserve_chat_slot(self, chat_id: int, interval: float) -> float:
        """Book this chat's next message at least `interval` after its previous one.

        Answers the seconds to wait for it.
        """
        ...

    async def pause_sending(self, seconds: float) -> None:
        """Telegram answered 429: no bucket gives a slot for `seconds` (counted as throttled)."""
        ...

    async def sending_paused_for(self) -> float:
        """Seconds left of the longest pause any instance reported."""
        ...
