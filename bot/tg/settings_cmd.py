"""/settings: show a chat's preferences with buttons, or change one from arguments."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler

from bot.errors import UsageError
from bot.model import MAX_POINTS, MIN_POINTS, ChatSettings
from bot.service.chat_settings import apply_setting
from bot.tg import texts
from bot.tg.bot_data import services
from bot.tg.common import (
    Context,
    arguments,
    callback_fields,
    chat_kind,
    ensure_may_change,
    message_of,
    reply,
)


def settings_keyboard(current: ChatSettings) -> InlineKeyboardMarkup:
    """Buttons for the common changes: points −/+, previews, instant/digest."""
    fewer = max(MIN_POINTS, current.points - 1)
    more = min(MAX_POINTS, current.points + 1)
    preview = "off" if current.link_preview else "on"
    mode = "instant" if current.delivery_mode == "digest" else "digest"
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("− point", callback_data=f"set:points:{fewer}"),
                InlineKeyboardButton("+ point", callback_data=f"set:points:{more}"),
            ],
            [InlineKeyboardButton(f"Previews {preview}", callback_data=f"set:preview:{preview}")],
            [InlineKeyboardButton(f"Switch to {mode}", callback_data=f"set:mode:{mode}")],
        ]
    )


async def _change(update: Update, context: Context, key: str, value: str) -> ChatSettings:
    await ensure_may_change(update, context)
    store = services(context).store
    message = message_of(update)
    chat = await store.get_chat(message.chat_id) or await store.upsert_chat(
        message.chat_id, chat_kind(update)
    )
    changed = apply_setting(chat.settings, key, value)
    await store.update_chat_settings(chat.id, changed)
    return changed


async def settings_command(update: Update, context: Context) -> None:
    """Without arguments show the settings; with `key value` change one."""
    args = arguments(context, "settings", most=2)
    if len(args) == 1:
        raise UsageError(command="settings")
    if args:
        current = await _change(update, context, args[0], args[1])
    else:
        chat = await services(context).store.get_chat(message_of(update).chat_id)
        current = chat.settings if chat is not None else ChatSettings()
    await reply(update, texts.chat_settings(current), settings_keyboard(current))


async def settings_button(update: Update, context: Context) -> None:
    """A settings button: `set:<key>:<value>`."""
    query = update.callback_query
    assert query is not None
    key, value = callback_fields(query.data, 2)
    current = await _change(update, context, key, value)
    await query.edit_message_text(
        texts.chat_settings(current), reply_markup=settings_keyboard(current)
    )
    await query.answer()


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add the /settings buttons (the command itself is in `command_table`)."""
    application.add_handler(CallbackQueryHandler(settings_button, pattern=r"^set:"))
