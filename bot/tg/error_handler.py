"""The one error handler: friendly answers for what the user got wrong, logs for our bugs.

Expected failures arrive as `bot.errors` types (bad arguments, refused URLs, unreachable sites);
they are answered with a short explanation and logged at INFO. Anything else is logged with the
update's context and the user is told something went wrong, without details.
"""

from __future__ import annotations

import html
import logging

from telegram import Update
from telegram.error import TelegramError

from bot.errors import (
    BodyTooLargeError,
    ContentTypeError,
    ExtractionError,
    FetchError,
    FetchTimeoutError,
    HTTPStatusError,
    InputError,
    NewsbotError,
    ParseError,
    TooManyRedirectsError,
    UnsafeURLError,
    UsageError,
)
from bot.i18n import N_, Translator, translator
from bot.tg.command_table import usage_line
from bot.tg.common import Context, translator_of
from bot.tg.texts import GENERIC_FAILURE, clip, escape, problem

log = logging.getLogger(__name__)

# Telegram's limit for the text of a callback answer.
ALERT_LIMIT = 200
# An error message may quote what the user typed; at most this much of it is repeated.
QUOTE_LIMIT = 500

_FETCH_TEXTS: tuple[tuple[type[FetchError], str], ...] = (
    (UnsafeURLError, N_("I can't open that link: only public http(s) sites are allowed.")),
    (FetchTimeoutError, N_("That site took too long to answer. Try again later.")),
    (ContentTypeError, N_("That link is not a web page or a feed I can read.")),
    (BodyTooLargeError, N_("That page is too large for me to read.")),
    (TooManyRedirectsError, N_("That link redirects too many times.")),
)


def friendly(error: BaseException, _: Translator) -> str | None:
    """What to tell the user about an expected failure; None for a bug."""
    text = explain(error, _)
    return None if text is None else problem(text)


def explain(error: BaseException, _: Translator) -> str | None:  # noqa: PLR0911 - one per kind
    """The HTML explanation of an expected failure (no internal details); None for a bug."""
    if isinstance(error, InputError):
        # A usage line is our own HTML; any other message may quote what the user typed.
        if isinstance(error, UsageError):
            return usage_line(error.command, _) if error.command else str(error)
        # The template is plain text: escape it and what it quotes (each cut short), then fill it.
        params = {key: escape(clip(str(value), QUOTE_LIMIT)) for key, value in error.params.items()}
        return escape(_(error.template)).format(**params)
    if isinstance(error, HTTPStatusError):
        return _("That site answered with an error ({status}).", status=error.status)
    if isinstance(error, FetchError):
        text = next((t for kind, t in _FETCH_TEXTS if isinstance(error, kind)), None)
        return _(text or N_("I couldn't fetch that link. Is it right?"))
    if isinstance(error, ParseError):
        return _("That is not a feed I can read.")
    if isinstance(error, ExtractionError):
        return _("I couldn't find an article on that page.")
    return None


async def _translator(update: object, context: Context) -> Translator:
    """The chat's language; English when even that cannot be looked up (e.g. the store is down)."""
    if not isinstance(update, Update):
        return translator(None)
    try:
        return await translator_of(update, context)
    except NewsbotError:
        return translator(None)


def _describe(update: object) -> str:
    if not isinstance(update, Update):
        return "no update"
    chat = update.effective_chat
    user = update.effective_user
    message = update.effective_message
    command = (message.text or "").split(maxsplit=1)[0][:40] if message and message.text else ""
    return (
        f"update={update.update_id} chat={chat.id if chat else None} "
        f"user={user.id if user else None} command={command!r}"
    )


async def on_error(update: object, context: Context) -> None:
    """Log with context; tell the user what went wrong (or that something did)."""
    error = context.error
    _ = await _translator(update, context)
    text = friendly(error, _) if error is not None else None
    if text is not None:
        log.info("refused %s: %s: %s", _describe(update), type(error).__name__, error)
    elif isinstance(error, NewsbotError | TelegramError):
        log.warning("failed %s: %s: %s", _describe(update), type(error).__name__, error)
    else:
        log.error("handler crashed on %s", _describe(update), exc_info=error)
    if not isinstance(update, Update):
        return
    answer = text or _(GENERIC_FAILURE)
    try:
        if update.callback_query is not None:
            alert = html.unescape(answer.removeprefix("⚠️ "))[:ALERT_LIMIT]
            await update.callback_query.answer(alert, show_alert=True)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(answer, do_quote=False)
    except TelegramError as exc:
        log.warning("could not tell chat about the failure: %s", exc)
