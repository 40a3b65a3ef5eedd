"""Reading now: /latest, /summarize and a bare link sent in a private chat."""

from __future__ import annotations

from typing import Any

from telegram import MessageEntity, Update
from telegram.ext import Application, MessageHandler, filters

from bot.i18n.labels import post_labels
from bot.service import reading
from bot.text.render import render_digest, render_html
from bot.tg.bot_data import Services, services
from bot.tg.common import Context, arguments, message_of, reply, translator_of


async def _points(svc: Services, chat_id: int) -> int:
    chat = await svc.store.get_chat(chat_id)
    return chat.settings.points if chat is not None else svc.settings.summarizer.max_points


async def latest(update: Update, context: Context) -> None:
    """The newest summaries of one source or of everything the chat follows."""
    target, count = reading.parse_latest_args(arguments(context, "latest", most=2))
    svc = services(context)
    chat_id = message_of(update).chat_id
    summaries = await reading.latest(
        svc.store,
        svc.settings,
        svc.fetcher,
        svc.summarizer,
        chat_id,
        target=target,
        count=count,
        max_points=await _points(svc, chat_id),
    )
    _ = await translator_of(update, context)
    if not summaries:
        await reply(
            update, _("Nothing to show yet; new posts appear as soon as they are published.")
        )
        return
    labels = post_labels(_)
    for text in render_digest(summaries, labels=labels):
        await reply(update, text)


async def _summarize(update: Update, context: Context, url: str) -> None:
    svc = services(context)
    points = await _points(svc, message_of(update).chat_id)
    summary = await reading.summarize_link(svc.fetcher, svc.summarizer, url, points)
    labels = post_labels(await translator_of(update, context))
    await reply(update, render_html(summary, max_points=points, labels=labels))


async def summarize(update: Update, context: Context) -> None:
    """Summarise the page at a link."""
    (url,) = arguments(context, "summarize", least=1, most=1)
    await _summarize(update, context, url)


async def bare_link(update: Update, context: Context) -> None:
    """A link sent without a command in a private chat: summarise its first link."""
    message = message_of(update)
    links = message.parse_entities([MessageEntity.URL, MessageEntity.TEXT_LINK])
    first = min(links, key=lambda entity: entity.offset)
    await _summarize(update, context, first.url or links[first])


def register_link_handler(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Summarise bare links in private chats (a fallback: commands come first)."""
    links = filters.Entity(MessageEntity.URL) | filters.Entity(MessageEntity.TEXT_LINK)
    application.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND & links, bare_link)
    )
