"""The python-telegram-bot `Bot` as the service's `Messenger`, and the one Telegram-error policy.

Every `telegram.error` the Bot API can raise while we send is translated here, once, into the
`bot.errors.DeliveryError` subclass whose type tells the service what to do:

- 403 Forbidden (blocked, kicked, user deactivated) → `ChatGoneError`: deactivate the chat;
- 400 "chat not found" and kin → `ChatGoneError`;
- ChatMigrated (group → supergroup) → `ChatMigratedError`: follow the new id;
- 429 RetryAfter → `RetryLaterError`: pause all sending;
- any other 400 (too long, bad markup, topic gone) → `DeliveryRejectedError`: give this one up;
- TimedOut, NetworkError, 5xx, unknown errors → `TelegramUnavailableError`: bounded retries.

Matching on the description text is unavoidable for 400s (Telegram has no finer code) and is
confined to this module.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.errors import (
    ChatGoneError,
    ChatMigratedError,
    DeliveryError,
    DeliveryRejectedError,
    RetryLaterError,
    TelegramUnavailableError,
)
from bot.ops import metrics
from bot.service.ports import Keyboard

# 400 descriptions that mean the chat itself is unreachable for good, not just this message.
_GONE_DESCRIPTIONS = (
    "chat not found",
    "user not found",
    "peer_id_invalid",
    "bot was kicked",
    "have no rights to send a message",
    "need administrator rights in the channel chat",
    "group chat was deactivated",
)
# Editing a message to the text it already has: nothing to do.
_NOT_MODIFIED = "message is not modified"
_DISABLED_PREVIEW = LinkPreviewOptions(is_disabled=True)
_ENABLED_PREVIEW = LinkPreviewOptions(is_disabled=False)


def seconds(value: float | timedelta) -> float:
    """A time period as seconds, whichever type PTB gave it as (int, or timedelta when opted in:
    `bot.cli.main` opts the process in, see `bot.cli.PTB_TIMEDELTA`)."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def translate(exc: TelegramError) -> DeliveryError:
    """Map a Telegram error to our policy type and count it by kind."""
    error: DeliveryError
    if isinstance(exc, RetryAfter):
        label = "retry_after"
        error = RetryLaterError(exc.message, seconds(exc.retry_after))
    elif isinstance(exc, ChatMigrated):
        label = "chat_migrated"
        error = ChatMigratedError(exc.message, int(exc.new_chat_id))
    elif isinstance(exc, Forbidden):
        label = "forbidden"
        error = ChatGoneError(exc.message)
    elif isinstance(exc, BadRequest):
        label = "bad_request"
        lowered = exc.message.lower()
        if any(text in lowered for text in _GONE_DESCRIPTIONS):
            error = ChatGoneError(exc.message)
        else:
            error = DeliveryRejectedError(exc.message)
    elif isinstance(exc, TimedOut):
        label = "timed_out"
        error = TelegramUnavailableError(exc.message or "timed out")
    elif isinstance(exc, NetworkError):
        label = "network"
        error = TelegramUnavailableError(exc.message)
    else:
        label = "other"
        error = TelegramUnavailableError(f"{type(exc).__name__}: {exc.message}")
    metrics.TELEGRAM_ERRORS.labels(label).inc()
    return error


def _markup(keyboard: Keyboard | None) -> InlineKeyboardMarkup | None:
    if keyboard is None:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.text, callback_data=b.data, url=b.url) for b in row]
            for row in keyboard
        ]
    )


class TelegramMessenger:
    """Sends through a python-telegram-bot `Bot` (whose request pool sets the concurrency)."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

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
        """Send one HTML message; Telegram's message id once it confirmed."""
        try:
            message = await self._bot.send_message(
                chat_id,
                html,
                parse_mode=ParseMode.HTML,
                message_thread_id=thread_id,
                link_preview_options=_ENABLED_PREVIEW if link_preview else _DISABLED_PREVIEW,
                reply_markup=_markup(reply_markup),
                allow_paid_broadcast=paid or None,
            )
        except TelegramError as exc:
            raise translate(exc) from exc
        return message.message_id

    async def edit(
        self,
        chat_id: int,
        message_id: int,
        html: str,
        *,
        reply_markup: Keyboard | None = None,
    ) -> None:
        """Replace a message's text; editing to the same text is not an error."""
        try:
            await self._bot.edit_message_text(
                html,
                chat_id=chat_id,
                message_id=message_id,
                parse_mode=ParseMode.HTML,
                link_preview_options=_DISABLED_PREVIEW,
                reply_markup=_markup(reply_markup),
            )
        except BadRequest as exc:
            if _NOT_MODIFIED in exc.message.lower():
                return
            raise translate(exc) from exc
        except TelegramError as exc:
            raise translate(exc) from exc
