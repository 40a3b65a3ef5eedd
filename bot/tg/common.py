"""Small helpers every handler uses: the reply, the arguments, who may change a group.

Handlers raise `bot.errors` types for anything the user got wrong; `bot.tg.error_handler`
turns those into the friendly reply, so the helpers here never catch.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import ContextTypes

from bot.errors import InputError, NotAllowedError, UsageError
from bot.i18n import N_, Translator, negotiate, translator
from bot.model import ChatKind
from bot.tg.bot_data import services
from bot.tg.texts import STALE_BUTTON, split_lines

Context = ContextTypes.DEFAULT_TYPE
ADMINS_ONLY = N_("only this group's admins can change what it follows")
_ADMINS = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
_KINDS: dict[str, ChatKind] = {
    ChatType.PRIVATE: "private",
    ChatType.GROUP: "group",
    ChatType.SUPERGROUP: "supergroup",
    ChatType.CHANNEL: "channel",
}


def message_of(update: Update) -> Message:
    """The update's message; handlers are registered only for updates that have one."""
    message = update.effective_message
    if message is None:
        raise InputError(N_("this update carries no message"))
    return message


def chat_kind(update: Update) -> ChatKind:
    """Our name for the update's chat type."""
    chat = update.effective_chat
    return _KINDS.get(chat.type, "private") if chat is not None else "private"


async def translator_of(update: Update, context: Context) -> Translator:
    """The texts for this chat: its stored language, else its user's Telegram language."""
    chat = update.effective_chat
    found = await services(context).store.get_chat(chat.id) if chat is not None else None
    if found is not None and found.language:
        return translator(found.language)
    user = update.effective_user
    return translator(negotiate(user.language_code if user is not None else None))


async def reply(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None, **kwargs: Any
) -> Message:
    """Answer in the same chat (and forum topic) with HTML."""
    return await message_of(update).reply_text(text, reply_markup=markup, do_quote=False, **kwargs)


async def reply_long(update: Update, text: str) -> None:
    """Answer with a listing that may need several messages."""
    for part in split_lines(text):
        await reply(update, part)


def callback_fields(data: str | None, count: int) -> list[str]:
    """The `count` fields after the prefix of a button's `prefix:a:b` data.

    Callback data comes from the client and can be anything (an old button, a forged one):
    anything else is an `InputError` the error handler answers with a short alert.
    """
    fields = (data or "").split(":", count)[1:]
    if len(fields) != count or not all(fields):
        raise InputError(STALE_BUTTON)
    return fields


def arguments(
    context: Context, command: str, *, least: int = 0, most: int | None = None
) -> list[str]:
    """The command's arguments, or `UsageError` (its usage line) when there are too few/many."""
    args = list(context.args or [])
    if len(args) < least or (most is not None and len(args) > most):
        raise UsageError(command=command)
    return args


async def ensure_may_change(update: Update, context: Context) -> None:
    """In groups only admins (or the group itself, posting anonymously) change subscriptions.

    In a channel, commands are posted by its admins; a button under a post, though, can be
    pressed by any viewer, so the presser must be an admin there too.
    """
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    pressed = update.callback_query is not None
    if chat.type == ChatType.CHANNEL and not pressed:
        return
    message = update.effective_message
    if not pressed and message is not None and message.sender_chat is not None:
        if message.sender_chat.id == chat.id:
            return
        raise NotAllowedError(ADMINS_ONLY)
    user = update.effective_user
    if user is not None:
        member = await context.bot.get_chat_member(chat.id, user.id)
        if member.status in _ADMINS:
            return
    raise NotAllowedError(ADMINS_ONLY)
