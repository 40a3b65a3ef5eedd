"""/settings: show a chat's preferences with buttons, or change one from arguments.

The interface language is one of them (`/settings language uk`, or the 🌐 button and its list
of languages); a group's language, like its other settings, is changed by its admins.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler

from bot.errors import UsageError
from bot.i18n import LANGUAGES, Translator, language_name
from bot.model import MAX_POINTS, MIN_POINTS, Chat
from bot.service.chat_settings import LANGUAGE_KEYS, apply_setting, parse_language
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
    translator_of,
)

# Callback data of the 🌐 button that opens the list of languages.
LANGUAGE_LIST = "set:languages:list"


def settings_keyboard(chat: Chat, _: Translator) -> InlineKeyboardMarkup:
    """Buttons for the common changes: points −/+, previews, instant/digest, language."""
    current = chat.settings
    fewer = max(MIN_POINTS, current.points - 1)
    more = min(MAX_POINTS, current.points + 1)
    if current.link_preview:
        preview = InlineKeyboardButton(_("Previews off"), callback_data="set:preview:off")
    else:
        preview = InlineKeyboardButton(_("Previews on"), callback_data="set:preview:on")
    if current.delivery_mode == "digest":
        mode = InlineKeyboardButton(_("Switch to instant"), callback_data="set:mode:instant")
    else:
        mode = InlineKeyboardButton(_("Switch to digest"), callback_data="set:mode:digest")
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(_("− point"), callback_data=f"set:points:{fewer}"),
                InlineKeyboardButton(_("+ point"), callback_data=f"set:points:{more}"),
            ],
            [preview],
            [mode],
            [InlineKeyboardButton(_("🌐 Language"), callback_data=LANGUAGE_LIST)],
        ]
    )


def language_keyboard(current: str) -> InlineKeyboardMarkup:
    """One button per shipped language, each in its own name; the current one is ticked."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"{'✅ ' if code == current else ''}{language_name(code)}",
                    callback_data=f"set:language:{code}",
                )
            ]
            for code in LANGUAGES
        ]
    )


async def _chat(update: Update, context: Context) -> Chat:
    store = services(context).store
    chat_id = message_of(update).chat_id
    return await store.get_chat(chat_id) or await store.upsert_chat(chat_id, chat_kind(update))


async def _change(update: Update, context: Context, key: str, value: str) -> Chat:
    await ensure_may_change(update, context)
    store = services(context).store
    chat = await _chat(update, context)
    if key.lower() in LANGUAGE_KEYS:
        return await store.upsert_chat(chat.id, chat.kind, language=parse_language(value))
    changed = apply_setting(chat.settings, key, value)
    await store.update_chat_settings(chat.id, changed)
    return dataclasses.replace(chat, settings=changed)


async def _view(update: Update, context: Context, chat: Chat) -> tuple[str, InlineKeyboardMarkup]:
    """The settings message in the chat's language (after a change: the new one)."""
    _ = await translator_of(update, context)
    return texts.chat_settings(chat.settings, _.language, _), settings_keyboard(chat, _)


async def settings_command(update: Update, context: Context) -> None:
    """Without arguments show the settings; with `key value` change one."""
    args = arguments(context, "settings", most=2)
    if len(args) == 1:
        raise UsageError(command="settings")
    chat = await _change(update, context, *args) if args else await _chat(update, context)
    text, markup = await _view(update, context, chat)
    await reply(update, text, markup)


async def settings_button(update: Update, context: Context) -> None:
    """A settings button: `set:<key>:<value>`, or `set:languages:list` for the language list."""
    query = update.callback_query
    assert query is not None
    key, value = callback_fields(query.data, 2)
    if key == "languages":
        current = await translator_of(update, context)
        await query.edit_message_reply_markup(language_keyboard(current.language))
    else:
        text, markup = await _view(update, context, await _change(update, context, key, value))
        await query.edit_message_text(text, reply_markup=markup)
    await query.answer()


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add the /settings buttons (the command itself is in `command_table`)."""
    application.add_handler(CallbackQueryHandler(settings_button, pattern=r"^set:"))
