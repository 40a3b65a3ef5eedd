"""Operator commands: /broadcast, /broadcast_cancel, /stats, /health and /channel.

Only user ids listed in `admins` may use them; anyone else gets a polite refusal. A broadcast is
previewed and confirmed with a button, then runs in the background while one status message is
edited with its progress. `my_chat_member` updates switch a channel's routes off when the bot is
removed from it (and mark a private chat that blocked the bot inactive).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any

from telegram import ChatMember, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
)

from bot.errors import InputError, NotAllowedError, UsageError
from bot.i18n import N_, Translator
from bot.model import DEFAULT_POINTS, MAX_POINTS, MIN_POINTS, RouteOptions
from bot.ops import metrics
from bot.service.broadcast import BroadcastProgress, format_progress
from bot.service.chat_settings import parse_language
from bot.text.render import escape_html
from bot.tg import texts
from bot.tg.bot_data import Services, services, services_of
from bot.tg.common import Context, callback_fields, message_of, reply, reply_long, translator_of
from bot.tg.status import StatusMessage
from bot.tg.workers import workers_of

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]
# Handler group for membership updates, apart from the subscriber modules' handlers.
MEMBER_GROUP = 5
REFUSAL = N_("this command is only for the bot's operators.")
# /health cuts a feed's name and its last error to these many characters.
NAME_LIMIT = 100
ERROR_LIMIT = 300
_GONE = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)


def _require_admin(update: Update, context: Context) -> Services:
    found = services(context)
    user = update.effective_user
    if user is None or user.id not in found.settings.admins:
        raise NotAllowedError(REFUSAL)
    return found


# -- /broadcast ---------------------------------------------------------------------------------


def _broadcast_html(update: Update) -> str:
    """The text to send: the replied-to message, or what follows the command (formatting kept)."""
    message = message_of(update)
    if message.reply_to_message is not None and (message.reply_to_message.text is not None):
        return message.reply_to_message.text_html
    text = message.text_html or ""
    parts = text.split(maxsplit=1)
    if len(parts) < 2:
        raise UsageError(command="broadcast")
    return parts[1].strip()


async def broadcast(update: Update, context: Context) -> None:
    """Preview a broadcast and ask for confirmation (the draft waits in the store)."""
    found = _require_admin(update, context)
    text = _broadcast_html(update)
    user = update.effective_user
    assert user is not None  # _require_admin checked it
    private = len(await found.store.active_chat_ids())
    everyone = len(await found.store.active_chat_ids(include_groups=True))
    key = (await found.store.save_broadcast_draft(user.id, text)).key
    _ = await translator_of(update, context)
    await reply(update, text)
    to_private = _.ngettext("Send to {n} private chat", "Send to {n} private chats", private)
    buttons = [[InlineKeyboardButton(to_private, callback_data=f"bc:p:{key}")]]
    if everyone > private:
        to_all = _.ngettext(
            "Send to {n} chat incl. groups", "Send to {n} chats incl. groups", everyone
        )
        buttons.append([InlineKeyboardButton(to_all, callback_data=f"bc:g:{key}")])
    buttons.append([InlineKeyboardButton(_("Cancel"), callback_data=f"bc:x:{key}")])
    await reply(update, _("☝️ This is the preview. Send it?"), InlineKeyboardMarkup(buttons))


async def _cosmetic(what: str, call: Awaitable[object]) -> None:
    """Answer or edit for the admin's eyes only: a failure is logged and never stops the work."""
    try:
        await call
    except Exception as exc:  # noqa: BLE001 - deleted, too old, 429, timeout, an odd answer
        log.info("broadcast: %s failed: %s", what, exc)


async def broadcast_button(update: Update, context: Context) -> None:
    """Start (or drop) a previewed broadcast; only the draft's author may, on any instance."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    found = _require_admin(update, context)
    choice, key = callback_fields(query.data, 2)
    author = query.from_user.id
    _ = await translator_of(update, context)
    draft = await found.store.get_broadcast_draft(key)
    if draft is not None and draft.author_id != author:
        await _cosmetic("answer", query.answer(_(texts.NOT_YOUR_DRAFT), show_alert=True))
        return
    await _cosmetic("answer", query.answer())
    if choice == "x":
        dropped = draft is not None and await found.store.drop_broadcast_draft(key, author)
        outcome = _("Broadcast dropped.") if dropped else _(texts.DRAFT_EXPIRED)
        await _cosmetic("edit", query.edit_message_text(outcome))
        return
    workers = workers_of(context.application)
    created = await workers.broadcaster.confirm(key, author, include_groups=choice == "g")
    if created is None:
        await _cosmetic("edit", query.edit_message_text(_(texts.DRAFT_EXPIRED)))
        return
    status = query.message
    chat_id = status.chat.id if status is not None else author
    message_id = status.message_id if status is not None else None
    # The broadcast starts first: the status edit below is cosmetic and may fail.
    shown = start_broadcast(context.application, created.id, chat_id, message_id, _)
    starting = _.ngettext(
        "Broadcast #{id} starting: {n} chat.",
        "Broadcast #{id} starting: {n} chats.",
        created.remaining,
        id=created.id,
    )
    await shown.show(starting)


def start_broadcast(
    application: App, broadcast_id: int, chat_id: int, message_id: int | None, _: Translator
) -> StatusMessage:
    """Run a broadcast in the background, showing its progress in one status message."""
    status = StatusMessage(services_of(application).messenger, chat_id, message_id or None)
    workers = workers_of(application)

    async def show(progress: BroadcastProgress) -> None:
        await status.show(format_progress(progress, _))

    task = application.create_task(
        workers.broadcaster.run(broadcast_id, show), name=f"broadcast-{broadcast_id}"
    )
    workers.tasks.add(task)
    task.add_done_callback(workers.tasks.discard)
    return status


async def broadcast_cancel(update: Update, context: Context) -> None:
    """Stop the running broadcast(s)."""
    found = _require_admin(update, context)
    broadcaster = workers_of(context.application).broadcaster
    running = await found.store.unfinished_broadcasts()
    cancelled = [b.id for b in running if await broadcaster.cancel(b.id)]
    _ = await translator_of(update, context)
    if not cancelled:
        await reply(update, _("No broadcast is running."))
        return
    numbers = ", ".join(f"#{number}" for number in cancelled)
    await reply(update, _("Cancelled broadcast {numbers}.", numbers=numbers))


# -- /stats and /health -------------------------------------------------------------------------


async def stats(update: Update, context: Context) -> None:
    """Counts of chats, subscriptions, feeds, items and deliveries."""
    found = _require_admin(update, context)
    s = await found.store.stats()
    _ = await translator_of(update, context)
    lines = [
        _("📊 <b>Stats</b>"),
        _(
            "Chats: {chats} ({active} active: {private} private, {groups} groups, "
            "{channels} channels)",
            chats=s.chats,
            active=s.active_chats,
            private=s.private_chats,
            groups=s.group_chats,
            channels=s.channels,
        ),
        _("Subscriptions: {count}", count=s.subscriptions),
        _("Feeds: {feeds} ({failing} failing)", feeds=s.feeds, failing=s.failing_feeds),
        _("Items today: {count}", count=s.items_today),
        _(
            "Deliveries today: {count} ({pending} pending)",
            count=s.deliveries_today,
            pending=s.pending_deliveries,
        ),
    ]
    await reply(update, "\n".join(lines))


async def health(update: Update, context: Context) -> None:
    """Failing feeds with their last error, a 429 pause, and what this instance does."""
    found = _require_admin(update, context)
    failing = await found.store.failing_feeds()
    workers = workers_of(context.application)
    paused = await workers.pacer.pause_left()
    budget = metrics.budget_totals()
    _ = await translator_of(update, context)
    lines = [_("🩺 <b>Health</b>")]
    if paused:
        lines.append(_("Sending paused by Telegram for {duration}.", duration=_.duration(paused)))
    if workers.pacer.shared:
        lines.append(
            _("This instance leads: it polls the feeds and sends posts and broadcasts.")
            if workers.leader
            else _("Another instance leads (feeds, posts, broadcasts); this one answers commands.")
        )
    lines.append(
        _(
            "Sending budget here: waited {duration} in all; 429 answers: {count}.",
            duration=_.duration(budget.wait_seconds),
            count=budget.throttled_429,
        )
    )
    if not failing:
        lines.append(_("All feeds are healthy."))
    for feed in failing[:20]:
        failures = feed.state.consecutive_failures
        state = (
            _.ngettext("{n} failure", "{n} failures", failures)
            if feed.state.active
            else _("switched off")
        )
        error = escape_html(texts.clip(feed.state.last_error or _("unknown error"), ERROR_LIMIT))
        name = escape_html(texts.clip(feed.title or feed.url, NAME_LIMIT))
        lines.append(f"• {name} ({state}): {error}")
    if len(failing) > 20:
        lines.append(_("…and {count} more", count=len(failing) - 20))
    await reply_long(update, "\n".join(lines))


# -- /channel -----------------------------------------------------------------------------------


def _route_options(words: list[str]) -> tuple[list[str], RouteOptions]:
    sources: list[str] = []
    points, hashtags, preview, language = DEFAULT_POINTS, False, False, None
    for word in words:
        if word.startswith("points="):
            try:
                points = max(MIN_POINTS, min(MAX_POINTS, int(word.removeprefix("points="))))
            except ValueError:
                raise InputError(
                    N_("points= takes a number from {least} to {most}"),
                    least=MIN_POINTS,
                    most=MAX_POINTS,
                ) from None
        elif word.startswith(("lang=", "language=")):
            language = parse_language(word.split("=", 1)[1])
        elif word == "hashtags":
            hashtags = True
        elif word == "preview":
            preview = True
        else:
            sources.append(word)
    return sources, RouteOptions(points, hashtags, preview, language)


async def _feed_ids(found: Services, source_ids: list[str]) -> list[int]:
    ids = []
    for source_id in source_ids:
        source = found.settings.source(source_id)
        if source is None:
            raise InputError(N_("there is no source “{source}”; see /sources"), source=source_id)
        feed = await found.store.get_or_create_feed(source.url, source.name, source.id)
        ids.append(feed.id)
    return ids


async def _may_post(context: Context, chat_id: int) -> bool:
    member: ChatMember = await context.bot.get_chat_member(chat_id, context.bot.id)
    if member.status == ChatMemberStatus.OWNER:
        return True
    return member.status == ChatMemberStatus.ADMINISTRATOR and bool(
        getattr(member, "can_post_messages", False)
    )


async def channel(update: Update, context: Context) -> None:
    """Add, remove or list channel routes."""
    found = _require_admin(update, context)
    args = list(context.args or [])
    if not args or args[0] not in ("add", "remove", "list"):
        raise UsageError(command="channel")
    if args[0] == "list":
        await reply(update, await _list_routes(found, await translator_of(update, context)))
        return
    if len(args) < 2 or (args[0] == "add" and len(args) < 3):
        raise UsageError(command="channel")
    try:
        chat = await context.bot.get_chat(args[1])
    except TelegramError:
        raise InputError(
            N_("I can't see the channel {channel}; add me to it first"), channel=args[1]
        ) from None
    source_ids, options = _route_options(args[2:])
    feed_ids = await _feed_ids(found, source_ids)
    title = escape_html(chat.title or args[1])
    _ = await translator_of(update, context)
    if args[0] == "remove":
        removed = await found.store.remove_routes(chat.id, feed_ids or None)
        text = _.ngettext(
            "Removed {n} route from {channel}.",
            "Removed {n} routes from {channel}.",
            removed,
            channel=title,
        )
        await reply(update, text)
        return
    if chat.type != ChatType.CHANNEL:
        raise InputError(N_("{channel} is not a channel"), channel=args[1])
    if not await _may_post(context, chat.id):
        raise InputError(
            N_("make me an admin of {channel} with the right to post messages first"),
            channel=args[1],
        )
    await found.store.upsert_chat(chat.id, "channel", chat.title)
    await found.store.add_routes(chat.id, feed_ids, options)
    sources = escape_html(", ".join(source_ids))
    await reply(update, _("✅ {channel} now receives {sources}.", channel=title, sources=sources))


async def _list_routes(found: Services, _: Translator) -> str:
    routes = await found.store.list_routes()
    if not routes:
        return _("No channel routes yet: /channel add @channel <i>source</i> adds one.")
    lines = [_("📣 <b>Channel routes</b>")]
    for route in routes:
        chat = await found.store.get_chat(route.chat_id)
        feed = await found.store.get_feed(route.feed_id)
        name = escape_html((chat.title if chat else None) or str(route.chat_id))
        source = escape_html((feed.source_id or feed.title or feed.url) if feed else "?")
        state = "" if route.active else " " + _("(off)")
        lines.append(f"• {name} ← {source}{state}")
    return "\n".join(lines)


# -- membership ---------------------------------------------------------------------------------


async def my_membership(update: Update, context: Context) -> None:
    """The bot was removed from a chat (or blocked): stop sending there."""
    change = update.my_chat_member
    if change is None or change.new_chat_member.status not in _GONE:
        return
    store = services(context).store
    chat_id = change.chat.id
    await store.set_chat_active(chat_id, False)
    routes = await store.deactivate_routes(chat_id)
    log.info("removed from chat %d: deactivated with %d route(s)", chat_id, routes)


def register(application: App) -> None:
    """Add the broadcast buttons and the membership handler (commands: `command_table`)."""
    application.add_handler(CallbackQueryHandler(broadcast_button, pattern=r"^bc:"))
    application.add_handler(
        ChatMemberHandler(my_membership, ChatMemberHandler.MY_CHAT_MEMBER), group=MEMBER_GROUP
    )
