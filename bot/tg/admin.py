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
from bot.model import DEFAULT_POINTS, MAX_POINTS, MIN_POINTS, RouteOptions
from bot.service.broadcast import BroadcastProgress, format_progress
from bot.text.render import escape_html
from bot.tg import texts
from bot.tg.bot_data import Services, services, services_of
from bot.tg.common import Context, callback_fields, message_of, reply, reply_long
from bot.tg.status import StatusMessage
from bot.tg.workers import workers_of

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]
# Handler group for membership updates, apart from the subscriber modules' handlers.
MEMBER_GROUP = 5
REFUSAL = "this command is only for the bot's operators."
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
    await reply(update, text)
    buttons = [
        [InlineKeyboardButton(f"Send to {private} private chats", callback_data=f"bc:p:{key}")]
    ]
    if everyone > private:
        buttons.append(
            [
                InlineKeyboardButton(
                    f"Send to {everyone} chats incl. groups", callback_data=f"bc:g:{key}"
                )
            ]
        )
    buttons.append([InlineKeyboardButton("Cancel", callback_data=f"bc:x:{key}")])
    await reply(update, "☝️ This is the preview. Send it?", InlineKeyboardMarkup(buttons))


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
    draft = await found.store.get_broadcast_draft(key)
    if draft is not None and draft.author_id != author:
        await _cosmetic("answer", query.answer(texts.NOT_YOUR_DRAFT, show_alert=True))
        return
    await _cosmetic("answer", query.answer())
    if choice == "x":
        dropped = draft is not None and await found.store.drop_broadcast_draft(key, author)
        outcome = "Broadcast dropped." if dropped else texts.DRAFT_EXPIRED
        await _cosmetic("edit", query.edit_message_text(outcome))
        return
    workers = workers_of(context.application)
    created = await workers.broadcaster.confirm(key, author, include_groups=choice == "g")
    if created is None:
        await _cosmetic("edit", query.edit_message_text(texts.DRAFT_EXPIRED))
        return
    status = query.message
    chat_id = status.chat.id if status is not None else author
    message_id = status.message_id if status is not None else None
    # The broadcast starts first: the status edit below is cosmetic and may fail.
    shown = start_broadcast(context.application, created.id, chat_id, message_id)
    await shown.show(f"Broadcast #{created.id} starting: {created.remaining} chats.")


def start_broadcast(
    application: App, broadcast_id: int, chat_id: int, message_id: int | None
) -> StatusMessage:
    """Run a broadcast in the background, showing its progress in one status message."""
    status = StatusMessage(services_of(application).messenger, chat_id, message_id or None)
    workers = workers_of(application)

    async def show(progress: BroadcastProgress) -> None:
        await status.show(format_progress(progress))

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
    if not cancelled:
        await reply(update, "No broadcast is running.")
        return
    await reply(update, f"Cancelled broadcast #{', #'.join(map(str, cancelled))}.")


# -- /stats and /health -------------------------------------------------------------------------


async def stats(update: Update, context: Context) -> None:
    """Counts of chats, subscriptions, feeds, items and deliveries."""
    found = _require_admin(update, context)
    s = await found.store.stats()
    await reply(
        update,
        "📊 <b>Stats</b>\n"
        f"Chats: {s.chats} ({s.active_chats} active: {s.private_chats} private, "
        f"{s.group_chats} groups, {s.channels} channels)\n"
        f"Subscriptions: {s.subscriptions}\n"
        f"Feeds: {s.feeds} ({s.failing_feeds} failing)\n"
        f"Items today: {s.items_today}\n"
        f"Deliveries today: {s.deliveries_today} ({s.pending_deliveries} pending)",
    )


async def health(update: Update, context: Context) -> None:
    """Failing feeds with their last error."""
    found = _require_admin(update, context)
    failing = await found.store.failing_feeds()
    paused = workers_of(context.application).pacer.paused_for
    lines = ["🩺 <b>Health</b>"]
    if paused:
        lines.append(f"Sending paused by Telegram for {paused:.0f} s.")
    if not failing:
        lines.append("All feeds are healthy.")
    for feed in failing[:20]:
        state = "off" if not feed.state.active else f"{feed.state.consecutive_failures} failures"
        error = escape_html(texts.clip(feed.state.last_error or "unknown error", ERROR_LIMIT))
        name = escape_html(texts.clip(feed.title or feed.url, NAME_LIMIT))
        lines.append(f"• {name} ({state}): {error}")
    if len(failing) > 20:
        lines.append(f"…and {len(failing) - 20} more.")
    await reply_long(update, "\n".join(lines))


# -- /channel -----------------------------------------------------------------------------------


def _route_options(words: list[str]) -> tuple[list[str], RouteOptions]:
    sources: list[str] = []
    points, hashtags, preview = DEFAULT_POINTS, False, False
    for word in words:
        if word.startswith("points="):
            try:
                points = max(MIN_POINTS, min(MAX_POINTS, int(word.removeprefix("points="))))
            except ValueError:
                raise InputError(
                    f"points= takes a number from {MIN_POINTS} to {MAX_POINTS}"
                ) from None
        elif word == "hashtags":
            hashtags = True
        elif word == "preview":
            preview = True
        else:
            sources.append(word)
    return sources, RouteOptions(points=points, hashtags=hashtags, link_preview=preview)


async def _feed_ids(found: Services, source_ids: list[str]) -> list[int]:
    ids = []
    for source_id in source_ids:
        source = found.settings.source(source_id)
        if source is None:
            raise InputError(f"there is no source {source_id!r}; see /sources")
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
        await reply(update, await _list_routes(found))
        return
    if len(args) < 2 or (args[0] == "add" and len(args) < 3):
        raise UsageError(command="channel")
    try:
        chat = await context.bot.get_chat(args[1])
    except TelegramError:
        raise InputError(f"I can't see the channel {args[1]}; add me to it first") from None
    source_ids, options = _route_options(args[2:])
    feed_ids = await _feed_ids(found, source_ids)
    title = escape_html(chat.title or args[1])
    if args[0] == "remove":
        removed = await found.store.remove_routes(chat.id, feed_ids or None)
        await reply(update, f"Removed {removed} route(s) from {title}.")
        return
    if chat.type != ChatType.CHANNEL:
        raise InputError(f"{args[1]} is not a channel")
    if not await _may_post(context, chat.id):
        raise InputError(f"make me an admin of {args[1]} with the right to post messages first")
    await found.store.upsert_chat(chat.id, "channel", chat.title)
    await found.store.add_routes(chat.id, feed_ids, options)
    await reply(update, f"✅ {title} now receives {', '.join(source_ids)}.")


async def _list_routes(found: Services) -> str:
    routes = await found.store.list_routes()
    if not routes:
        return "No channel routes yet: /channel add @channel <i>source</i> adds one."
    lines = ["📣 <b>Channel routes</b>"]
    for route in routes:
        chat = await found.store.get_chat(route.chat_id)
        feed = await found.store.get_feed(route.feed_id)
        name = escape_html((chat.title if chat else None) or str(route.chat_id))
        source = escape_html((feed.source_id or feed.title or feed.url) if feed else "?")
        state = "" if route.active else " (off)"
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
