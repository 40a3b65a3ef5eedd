"""The last gate before Telegram: every message the bot sends is paced by the runtime's `Pacer`.

The service paces what it sends itself (`bot.service.sending`), but replies to commands, button
edits and the error handler's answers go straight through python-telegram-bot's `Bot`. Telegram
counts them all against one token, so with several instances on one database a burst of
replies on one instance and a broadcast on another would together overfill a second. This
python-telegram-bot rate limiter sends each message-making request through `Pacer.admit`: a
message the service already paced passes on the slot it was granted, anything else takes one
of the shared budget. A 429 on any request pauses every sender.

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
        """Wait for the message's slot, send it, and share a 429 with every sender."""
        pacer = self.pacer
        if pacer is not None and endpoint in MESSAGE_METHODS:
            await pacer.admit(chat_of(data))
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as exc:
            if pacer is not None:
                await pacer.pause(seconds(exc.retry_after))
            raise
