"""What the service layer needs from Telegram, without importing Telegram.

`bot.tg.messenger.TelegramMessenger` implements `Messenger` over python-telegram-bot; tests and
benchmarks may implement it over anything. Every failure is one of the `DeliveryError`
subclasses in `bot.errors`, so policy (deactivate, follow a migration, pause, give up) is decided
from the type:

- `ChatGoneError`: never message this chat again;
- `ChatMigratedError`: resend to `new_chat_id`;
- `RetryLaterError`: pause *all* sending for `retry_after` seconds, then retry;
- `DeliveryRejectedError`: this message can never be sent; record it and move on;
- `TelegramUnavailableError`: transient; retry a bounded number of times.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


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
    ) -> int:
        """Send one HTML message and return Telegram's message id once Telegram confirmed it."""
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
