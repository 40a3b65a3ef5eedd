"""Telegram's sending rules, written once for posts, digests and broadcasts.

`send` paces one message, checks right before each attempt that the caller may still send
(its claim has not lapsed, the broadcast was not cancelled), then sends it:

- 429 (`RetryLaterError`): every sender pauses for `retry_after` (the shared `Pacer`), then
  the same message is tried again;
- a group became a supergroup (`ChatMigratedError`): the store learns the new id and the
  message goes there;
- the chat is gone (`ChatGoneError`) → `Outcome` "gone": never message it again;
- Telegram refused this message (`DeliveryRejectedError`) → "rejected": it can never be sent;
- Telegram is unreachable (`TelegramUnavailableError`) → "unavailable": retry per `RETRIES`.

A transient failure is retried `RETRIES.max_attempts` times in all, whoever sends. Ledger rows
(posts) are retried by a later delivery pass, so they wait longer (`LEDGER_RETRY_BASE`);
a broadcast retries its leased target in place (`INLINE_RETRY_BASE`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from bot.errors import (
    ChatGoneError,
    ChatMigratedError,
    DeliveryRejectedError,
    RetryLaterError,
    TelegramUnavailableError,
)
from bot.service.pacing import Pacer
from bot.service.ports import Messenger, Store

log = logging.getLogger(__name__)

Failure = Literal["gone", "rejected", "unavailable", "withdrawn"]


@dataclass(frozen=True, slots=True)
class Retries:
    """How a transient failure is retried: `max_attempts` in all, waiting `base` * 2**(n-1)."""

    max_attempts: int

    def delay(self, attempts: int, base: float) -> float | None:
        """Seconds to wait after the `attempts`-th failure, or None: give up."""
        if attempts >= self.max_attempts:
            return None
        return float(base * 2 ** (attempts - 1))


RETRIES = Retries(max_attempts=5)
# Back-off bases (seconds): a post waits for a later pass, a broadcast target is retried in place.
LEDGER_RETRY_BASE = 30.0
INLINE_RETRY_BASE = 1.0


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one `send` ended: sent (`message_id`), or why not; `chat_id` is where it went."""

    chat_id: int
    message_id: int | None = None
    failure: Failure | None = None
    error: str = ""


async def send(
    messenger: Messenger,
    pacer: Pacer,
    store: Store,
    chat_id: int,
    html: str,
    *,
    may_send: Callable[[], bool],
    thread_id: int | None = None,
    link_preview: bool = False,
    on_migrated: Callable[[int, int], None] | None = None,
    paid: bool = False,
) -> Outcome:
    """Send one message under Telegram's rules; "withdrawn" when `may_send()` said no first.

    `paid`: a paid broadcast message (`allow_paid_broadcast`), paced on the paid schedule.
    """
    while True:
        await pacer.acquire(chat_id, paid=paid)
        if not may_send():
            return Outcome(chat_id, failure="withdrawn")
        try:
            message_id = await messenger.send(
                chat_id, html, thread_id=thread_id, link_preview=link_preview, paid=paid
            )
        except RetryLaterError as exc:
            await pacer.pause(exc.retry_after)
        except ChatMigratedError as exc:
            log.info("chat %d migrated to %d", chat_id, exc.new_chat_id)
            await store.migrate_chat(chat_id, exc.new_chat_id)
            if on_migrated is not None:
                on_migrated(chat_id, exc.new_chat_id)
            chat_id = exc.new_chat_id
        except ChatGoneError as exc:
            return Outcome(chat_id, failure="gone", error=str(exc))
        except DeliveryRejectedError as exc:
            return Outcome(chat_id, failure="rejected", error=str(exc))
        except TelegramUnavailableError as exc:
            return Outcome(chat_id, failure="unavailable", error=str(exc))
        else:
            return Outcome(chat_id, message_id=message_id)
