"""The last gate before Telegram: every message the bot sends is paced by the runtime's `Pacer`.

The service paces what it sends itself (`bot.service.sending`), but replies to commands, button
edits and the error handler's answers go straight through python-telegram-bot's `Bot`. Telegram
counts them all against one token, so with several instances on one database a burst of
replies on one instance and a broadcast on another would together overfill a second. This
python-telegram-bot rate limiter sends each message-making request through `Pacer.admit`: a
message the service already paced passes on the slot it was granted, anything else takes one
of the shared budget. A 429 on a reply pauses every sender and the reply goes again once the
pause is over (at most `REPLY_ATTEMPTS` tries); the service handles 429s of its own messages.

Requests that make no message (answering a button, reading a chat, getUpdates) are not paced.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.service.pacing import Pacer
from bot.tg.messenger import seconds

# Bot API methods that put a message in a chat or change one; Telegram's limits count these.
MESSAGE_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendVideo",
        "sendAnimation",
        "sendAudio",
        "sendVoice",
        "sendSticker",
        "sendMediaGroup",
        "sendPoll",
        "sendLocation",
        "sendContact",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
        "editMessageText",
        "editMessageCaption",
        "editMessageMedia",
        "editMessageReplyMarkup",
    }
)

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]
# Tries of a reply Telegram answers with 429, each after the pause it asked for.
REPLY_ATTEMPTS = 3


def chat_of(data: dict[str, Any]) -> int | None:
    """The numeric chat a request writes to; None for @usernames and inline messages."""
    chat = data.get("chat_id")
    if isinstance(chat, int):
        return chat
    if isinstance(chat, str) and chat.lstrip("-").isdigit():
        return int(chat)
    return None


class SendGate(BaseRateLimiter[None]):
    """Paces message-making requests once the runtime's pacer is attached (at `post_init`)."""

    def __init__(self) -> None:
        self.pacer: Pacer | None = None

    async def initialize(self) -> None:
        """Nothing to open: the pacer belongs to the runtime."""

    async def shutdown(self) -> None:
        """Nothing to close: the pacer belongs to the runtime."""

    async def process_request(  # noqa: PLR0917 - PTB's BaseRateLimiter signature
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> JSONResult:
        """Wait for the message's slot and send it; after a 429 pause every sender and, unless
        the service sends this message (it retries its own), try again once the pause is over."""
        pacer = self.pacer
        if pacer is None or endpoint not in MESSAGE_METHODS:
            return await callback(*args, **kwargs)
        chat = chat_of(data)
        paced_by_service = await pacer.admit(chat)
        attempt = 1
        while True:
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if paced_by_service:
                    raise  # `bot.service.sending` pauses everyone and decides what comes next
                await pacer.pause(seconds(exc.retry_after))
                if attempt == REPLY_ATTEMPTS:
                    raise
            attempt += 1
            await pacer.admit(chat)  # a slot of its own, leaving no grant behind
