"""What the bot says: fixed texts, usage lines and the HTML of lists, in one place.

Everything user-supplied is escaped here; handlers pass plain values in and send HTML out.
Help and usage lines are generated from `bot.tg.command_table`.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.config import Settings, SourceSettings
from bot.i18n import N_
from bot.model import ChatSettings, Subscription
from bot.service.subscriptions import display_name
from bot.text.render import MAX_MESSAGE_UTF16, escape_html, utf16_len

WELCOME = (
    "👋 <b>Hi! I turn the news into short posts</b>: a headline, the source and a few key "
    "points, so you can skim the day in a minute.\n\n"
    "Tap a source below to follow it, browse them all with /sources, or send me any news link "
    "to get its summary. /help lists everything I can do."
)
PRIVATE_HINT = "Send me a news link and I'll summarise it, or see /help."
GENERIC_FAILURE = N_("😕 Sorry, something went wrong on my side. Please try again in a moment.")
STALE_BUTTON = N_("That button no longer works here; send the command again.")
NOTHING_FOLLOWED = "This chat follows nothing yet. Browse /sources or /subscribe to a site."
NOT_YOUR_DRAFT = N_("Only the admin who wrote this broadcast can send or drop it.")
DRAFT_EXPIRED = N_("This preview has expired; send /broadcast again.")
STOPPED = "👋 Done: I unsubscribed this chat from everything and forgot its settings."

# Handlers escape user-supplied values with the renderer's one escape function.
escape = escape_html


def split_lines(text: str, limit: int = MAX_MESSAGE_UTF16) -> list[str]:
    """Cut a long HTML listing at line breaks into messages Telegram accepts.

    Each line must be balanced HTML on its own (as every line built here is).
    """
    messages: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if current and utf16_len(candidate) > limit:
            messages.append(current)
            candidate = line
        current = candidate
    if current:
        messages.append(current)
    return messages


def clip(text: str, limit: int) -> str:
    """Plain text cut to `limit` characters (with an ellipsis), before it is escaped."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def unknown_command(command: str) -> str:
    """The answer to a command we do not have."""
    return f"I don't know {escape(command)}. /help lists what I can do."


def problem(message_html: str) -> str:
    """A friendly one-line complaint; `message_html` is Telegram HTML (escape what it quotes)."""
    text = message_html.strip()
    return "⚠️ " + text[:1].upper() + text[1:]


def sources_page(
    page_sources: Sequence[SourceSettings], page: int, pages: int, followed: set[str]
) -> str:
    """The `/sources` message for one page of the catalogue."""
    if not page_sources:
        return "There are no sources in the catalogue yet; /subscribe to any site instead."
    lines = [f"📰 <b>Sources</b> (page {page + 1} of {pages}) — tap to follow or unfollow\n"]
    for source in page_sources:
        mark = "✅" if source.id in followed else "▫️"
        category = f" · {escape(source.category)}" if source.category else ""
        lines.append(f"{mark} <b>{escape(source.name)}</b> <code>{source.id}</code>{category}")
    return "\n".join(lines)


def subscriptions_list(subscriptions: Sequence[Subscription], settings: Settings) -> str:
    """`/list`: numbered subscriptions with their filters."""
    if not subscriptions:
        return NOTHING_FOLLOWED
    lines = [f"<b>This chat follows {len(subscriptions)}:</b>"]
    for number, subscription in enumerate(subscriptions, start=1):
        name = escape(display_name(subscription, settings))
        key = subscription.source_id or subscription.feed_url
        lines.append(f"{number}. <b>{name}</b> — <code>{escape(key)}</code>")
        if subscription.include or subscription.exclude:
            lines.append(f"    filter: {filter_words(subscription)}")
    return "\n".join(lines)


def filter_shown(name_html: str, words_html: str) -> str:
    """`/filter source`: the filter as it is, and how to change it."""
    return (
        f"Filter for <b>{name_html}</b>: {words_html}\n"
        "Change it with /filter <i>source</i> +word -word, or <code>off</code> to clear it."
    )


def filter_words(subscription: Subscription) -> str:
    """A filter as the user typed it: `+word -word`, or "none"."""
    words = [f"+{w}" for w in subscription.include] + [f"-{w}" for w in subscription.exclude]
    return escape(" ".join(words)) if words else "none"


def chat_settings(settings: ChatSettings) -> str:
    """`/settings`: the current preferences."""
    if settings.delivery_mode == "digest":
        mode = f"a daily digest at {settings.digest_time} ({escape(settings.timezone)})"
    else:
        mode = "each post as soon as it appears"
    return (
        "⚙️ <b>Settings</b>\n"
        f"Key points per post: <b>{settings.points}</b>\n"
        f"Link previews: <b>{'on' if settings.link_preview else 'off'}</b>\n"
        f"Delivery: <b>{mode}</b>\n\n"
        "Tap to change, or e.g. <code>/settings digest 08:30</code>, "
        "<code>/settings tz Europe/Berlin</code>."
    )
