"""Subscriber commands: /start, /help, /sources (with buttons), /subscribe, /unsubscribe,
/list, /filter, /stop, and the fallbacks for unknown commands and plain text.

Each handler parses its arguments, calls `bot.service`, and replies with `bot.tg.texts`; errors
propagate to `bot.tg.error_handler`. `register` also wires the reading, settings and OPML
modules; `register_fallbacks` must run after every other module has added its commands.
"""

from __future__ import annotations

import hashlib
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.config import Settings, SourceSettings
from bot.errors import InputError
from bot.i18n import negotiate
from bot.service import subscriptions
from bot.tg import opml_cmd, reading_cmd, settings_cmd, texts
from bot.tg.bot_data import services
from bot.tg.common import (
    Context,
    arguments,
    chat_kind,
    ensure_may_change,
    message_of,
    reply,
    reply_long,
    translator_of,
)

# Catalogue sources offered as buttons under the welcome message.
POPULAR_SOURCES = 6
# Group in which every update first registers its chat (before any handler runs).
REMEMBER_GROUP = -1


async def remember_chat(update: Update, context: Context) -> None:
    """Record the chat an update comes from, so it can be reached later (and reactivate it)."""
    chat = update.effective_chat
    if chat is None or update.effective_message is None:
        return
    title = chat.title or chat.full_name or chat.username
    store = services(context).store
    found = await store.upsert_chat(chat.id, chat_kind(update), title)
    user = update.effective_user
    if found.language is None and user is not None and user.language_code:
        # First contact: the chat speaks its first user's language until an admin changes it.
        await store.upsert_chat(chat.id, found.kind, language=negotiate(user.language_code))


def source_token(source_id: str) -> str:
    """A short, stable key for a source in callback data (Telegram allows 64 bytes).

    Buttons name the source, not its position, so an operator reordering the catalogue
    never makes an old button toggle a different source.
    """
    return hashlib.sha1(source_id.encode(), usedforsecurity=False).hexdigest()[:10]


def _source_by_token(settings: Settings, token: str) -> SourceSettings | None:
    return next((s for s in settings.sources if source_token(s.id) == token), None)


def _source_button(source: SourceSettings, followed: set[str], data: str) -> InlineKeyboardButton:
    mark = "✅" if source.id in followed else "➕"
    return InlineKeyboardButton(f"{mark} {source.name}", callback_data=data)


def popular_keyboard(settings: Settings, followed: set[str]) -> InlineKeyboardMarkup | None:
    """Two columns of toggle buttons for the first catalogue sources."""
    count = min(POPULAR_SOURCES, len(settings.sources))
    buttons = [
        _source_button(source, followed, f"src:s:{source_token(source.id)}")
        for source in settings.sources[:count]
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return InlineKeyboardMarkup(rows) if rows else None


def catalogue_keyboard(
    settings: Settings, page: int, pages: int, followed: set[str]
) -> InlineKeyboardMarkup | None:
    """One toggle button per source on the page, then ‹ › paging."""
    per_page = subscriptions.SOURCES_PER_PAGE
    first = page * per_page
    last = min(first + per_page, len(settings.sources))
    rows = [
        [_source_button(source, followed, f"src:t:{source_token(source.id)}:{page}")]
        for source in settings.sources[first:last]
    ]
    if pages > 1:
        rows.append(
            [
                InlineKeyboardButton("‹", callback_data=f"src:p:{(page - 1) % pages}"),
                InlineKeyboardButton(f"{page + 1}/{pages}", callback_data="src:n"),
                InlineKeyboardButton("›", callback_data=f"src:p:{(page + 1) % pages}"),
            ]
        )
    return InlineKeyboardMarkup(rows) if rows else None


async def start(update: Update, context: Context) -> None:
    """Welcome the user and offer the popular sources as buttons."""
    svc = services(context)
    chat_id = message_of(update).chat_id
    followed = await subscriptions.subscribed_source_ids(svc.store, svc.settings, chat_id)
    _ = await translator_of(update, context)
    await reply(update, _(texts.WELCOME), popular_keyboard(svc.settings, followed))


async def _catalogue(
    update: Update, context: Context, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    svc = services(context)
    chat_id = message_of(update).chat_id
    page_sources, page, pages = subscriptions.catalogue_page(svc.settings, page)
    followed = await subscriptions.subscribed_source_ids(svc.store, svc.settings, chat_id)
    _ = await translator_of(update, context)
    text = texts.sources_page(page_sources, page, pages, followed, _)
    return text, catalogue_keyboard(svc.settings, page, pages, followed)


async def sources(update: Update, context: Context) -> None:
    """Show the catalogue, one page at a time, with follow/unfollow toggles."""
    arguments(context, "sources", most=0)
    text, markup = await _catalogue(update, context, 0)
    await reply(update, text, markup)


# The catalogue buttons we send: (fields after the kind, whether the last one is a page).
_SOURCE_BUTTONS = {"n": (0, False), "s": (1, False), "t": (2, True), "p": (1, True)}


def _source_data(data: str | None) -> tuple[str, str, int]:
    """(kind, source token, page) of `src:` button data; `InputError` for any we never send."""
    kind, *rest = (data or "").split(":")[1:] or [""]
    fields, paged = _SOURCE_BUTTONS.get(kind, (-1, False))
    if len(rest) != fields or (paged and not rest[-1].isdigit()):
        raise InputError(texts.STALE_BUTTON)
    return kind, rest[0] if rest else "", int(rest[-1]) if paged else 0


async def source_button(update: Update, context: Context) -> None:
    """A catalogue button: toggle a source (`src:t`, `src:s`) or turn the page (`src:p`)."""
    query = update.callback_query
    assert query is not None
    svc = services(context)
    chat_id = message_of(update).chat_id
    kind, token, page = _source_data(query.data)
    note = ""
    _ = await translator_of(update, context)
    if kind == "n":
        await query.answer()
        return
    if kind in ("t", "s"):
        await ensure_may_change(update, context)
        source = _source_by_token(svc.settings, token)
        if source is None:
            await query.answer(_("That source is no longer in the catalogue."), show_alert=True)
            return
        now_on = await subscriptions.toggle_source(svc.store, svc.settings, chat_id, source.id)
        note = (
            _("Following {name}", name=source.name)
            if now_on
            else _("Stopped following {name}", name=source.name)
        )
    if kind == "s":
        followed = await subscriptions.subscribed_source_ids(svc.store, svc.settings, chat_id)
        await query.edit_message_reply_markup(popular_keyboard(svc.settings, followed))
    else:
        text, markup = await _catalogue(update, context, page)
        await query.edit_message_text(text, reply_markup=markup)
    await query.answer(note or None)


async def subscribe(update: Update, context: Context) -> None:
    """Follow a catalogue source, a feed URL or a site (its feed is discovered)."""
    (target,) = arguments(context, "subscribe", least=1, most=1)
    await ensure_may_change(update, context)
    svc = services(context)
    message = message_of(update)
    thread_id = message.message_thread_id if message.is_topic_message else None
    result = await subscriptions.subscribe(
        svc.store, svc.settings, svc.fetcher, message.chat_id, target, thread_id=thread_id
    )
    title = texts.escape(result.title)
    _ = await translator_of(update, context)
    if result.created:
        await reply(
            update, _("✅ Following <b>{title}</b>. New posts will appear here.", title=title)
        )
    else:
        await reply(update, _("You already follow <b>{title}</b>.", title=title))


async def unsubscribe(update: Update, context: Context) -> None:
    """Stop following one subscription."""
    (target,) = arguments(context, "unsubscribe", least=1, most=1)
    await ensure_may_change(update, context)
    svc = services(context)
    name = await subscriptions.unsubscribe(
        svc.store, svc.settings, message_of(update).chat_id, target
    )
    _ = await translator_of(update, context)
    await reply(update, _("Stopped following <b>{name}</b>.", name=texts.escape(name)))


async def list_command(update: Update, context: Context) -> None:
    """Show what this chat follows and each filter."""
    arguments(context, "list", most=0)
    svc = services(context)
    found = await svc.store.list_subscriptions(message_of(update).chat_id)
    _ = await translator_of(update, context)
    await reply_long(update, texts.subscriptions_list(found, svc.settings, _))


async def filter_command(update: Update, context: Context) -> None:
    """Show or set a subscription's include/exclude keywords."""
    target, *words = arguments(context, "filter", least=1)
    svc = services(context)
    chat_id = message_of(update).chat_id
    _ = await translator_of(update, context)
    if not words:
        found = await subscriptions.find_subscription(svc.store, svc.settings, chat_id, target)
        name = texts.escape(subscriptions.display_name(found, svc.settings))
        await reply(update, texts.filter_shown(name, texts.filter_words(found, _), _))
        return
    await ensure_may_change(update, context)
    if [w.lower() for w in words] in (["off"], ["clear"], ["none"]):
        words = []
    changed = await subscriptions.set_filter(svc.store, svc.settings, chat_id, target, words)
    name = texts.escape(subscriptions.display_name(changed, svc.settings))
    shown = texts.filter_words(changed, _)
    await reply(update, _("Filter for <b>{name}</b>: {words}", name=name, words=shown))


async def stop(update: Update, context: Context) -> None:
    """Unsubscribe from everything and forget the chat."""
    arguments(context, "stop", most=0)
    await ensure_may_change(update, context)
    _ = await translator_of(update, context)
    await services(context).store.forget_chat(message_of(update).chat_id)
    await reply(update, _(texts.STOPPED))


async def unknown(update: Update, context: Context) -> None:
    """A command we do not have; in groups only when addressed to us (`/cmd@ourbot`)."""
    message = message_of(update)
    command = (message.text or message.caption or "").split(maxsplit=1)[0]
    name, _, addressee = command.partition("@")
    ours = addressee.lower() == services(context).bot_username.lower()
    if (addressee and not ours) or (not addressee and chat_kind(update) != "private"):
        return
    await reply(update, texts.unknown_command(name, await translator_of(update, context)))


async def migrated(update: Update, context: Context) -> None:
    """A group became a supergroup: its subscriptions and settings follow the new id."""
    message = message_of(update)
    if message.migrate_to_chat_id is not None:
        old, new = message.chat_id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id is not None:
        old, new = message.migrate_from_chat_id, message.chat_id
    else:
        return
    await services(context).store.migrate_chat(old, new)


async def private_text(update: Update, context: Context) -> None:
    """Plain text in a private chat that is neither a command nor a link."""
    _ = await translator_of(update, context)
    await reply(update, _(texts.PRIVATE_HINT))


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add what the subscriber commands need besides themselves (see `command_table`)."""
    application.add_handler(TypeHandler(Update, remember_chat), group=REMEMBER_GROUP)
    application.add_handler(CallbackQueryHandler(source_button, pattern=r"^src:"))
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, migrated))
    settings_cmd.register(application)
    opml_cmd.register(application)


def register_fallbacks(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Handlers that must see a message only when no other handler took it."""
    reading_cmd.register_link_handler(application)
    opml_cmd.register_document_handler(application)
    application.add_handler(MessageHandler(filters.COMMAND, unknown))
    application.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, private_text)
    )
