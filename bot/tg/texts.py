"""What the bot says: fixed texts and the HTML of lists, in the reader's language.

Every text is an English msgid translated through the chat's `Translator` (`_`); constants are
marked with `N_` and translated where they are sent. Everything user-supplied is escaped here;
handlers pass plain values in and send HTML out. Help and usage lines are generated from
`bot.tg.command_table`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time

from bot.config import Settings, SourceSettings
from bot.i18n import N_, Translator, language_name
from bot.model import ChatSettings, Subscription
from bot.service.subscriptions import display_name
from bot.text.render import MAX_MESSAGE_UTF16, escape_html, utf16_len

WELCOME = N_(
    "👋 <b>Hi! I turn the news into short posts</b>: a headline, the source and a few key "
    "points, so you can skim the day in a minute.\n\n"
    "Tap a source below to follow it, browse them all with /sources, or send me any news link "
    "to get its summary. /help lists everything I can do."
)
PRIVATE_HINT = N_("Send me a news link and I'll summarise it, or see /help.")
GENERIC_FAILURE = N_("😕 Sorry, something went wrong on my side. Please try again in a moment.")
STALE_BUTTON = N_("That button no longer works here; send the command again.")
NOTHING_FOLLOWED = N_("This chat follows nothing yet. Browse /sources or /subscribe to a site.")
NOT_YOUR_DRAFT = N_("Only the admin who wrote this broadcast can send or drop it.")
DRAFT_EXPIRED = N_("This preview has expired; send /broadcast again.")
STOPPED = N_("👋 Done: I unsubscribed this chat from everything and forgot its settings.")

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


def unknown_command(command: str, _: Translator) -> str:
    """The answer to a command we do not have."""
    return _("I don't know {command}. /help lists what I can do.", command=escape(command))


def problem(message_html: str) -> str:
    """A friendly one-line complaint; `message_html` is Telegram HTML (escape what it quotes)."""
    text = message_html.strip()
    return "⚠️ " + text[:1].upper() + text[1:]


def sources_page(
    page_sources: Sequence[SourceSettings],
    page: int,
    pages: int,
    followed: set[str],
    _: Translator,
) -> str:
    """The `/sources` message for one page of the catalogue."""
    if not page_sources:
        return _("There are no sources in the catalogue yet; /subscribe to any site instead.")
    heading = _(
        "📰 <b>Sources</b> (page {page} of {pages}) — tap to follow or unfollow",
        page=page + 1,
        pages=pages,
    )
    lines = [heading + "\n"]
    for source in page_sources:
        mark = "✅" if source.id in followed else "▫️"
        category = f" · {escape(source.category)}" if source.category else ""
        lines.append(f"{mark} <b>{escape(source.name)}</b> <code>{source.id}</code>{category}")
    return "\n".join(lines)


def subscriptions_list(
    subscriptions: Sequence[Subscription], settings: Settings, _: Translator
) -> str:
    """`/list`: numbered subscriptions with their filters."""
    if not subscriptions:
        return _(NOTHING_FOLLOWED)
    count = len(subscriptions)
    lines = [
        _.ngettext(
            "<b>This chat follows {n} feed:</b>", "<b>This chat follows {n} feeds:</b>", count
        )
    ]
    for number, subscription in enumerate(subscriptions, start=1):
        name = escape(display_name(subscription, settings))
        key = subscription.source_id or subscription.feed_url
        lines.append(f"{number}. <b>{name}</b> — <code>{escape(key)}</code>")
        if subscription.include or subscription.exclude:
            lines.append("    " + _("filter: {words}", words=filter_words(subscription, _)))
    return "\n".join(lines)


def filter_shown(name_html: str, words_html: str, _: Translator) -> str:
    """`/filter source`: the filter as it is, and how to change it."""
    return "\n".join(
        [
            _("Filter for <b>{name}</b>: {words}", name=name_html, words=words_html),
            _("Change it with /filter <i>source</i> +word -word, or <code>off</code> to clear it."),
        ]
    )


def filter_words(subscription: Subscription, _: Translator) -> str:
    """A filter as the user typed it: `+word -word`, or "none"."""
    words = [f"+{w}" for w in subscription.include] + [f"-{w}" for w in subscription.exclude]
    return escape(" ".join(words)) if words else _("none")


def _digest_time(value: str, _: Translator) -> str:
    """ "08:30" as the reader writes times (unchanged if it is not a valid HH:MM)."""
    try:
        hour, minute = (int(part) for part in value.split(":", 1))
        return _.time(time(hour, minute))
    except ValueError:
        return value


def chat_settings(settings: ChatSettings, language: str, _: Translator) -> str:
    """`/settings`: the current preferences."""
    if settings.delivery_mode == "digest":
        mode = _(
            "a daily digest at {time} ({zone})",
            time=_digest_time(settings.digest_time, _),
            zone=escape(settings.timezone),
        )
    else:
        mode = _("each post as soon as it appears")
    previews = _("on") if settings.link_preview else _("off")
    return "\n".join(
        [
            _("⚙️ <b>Settings</b>"),
            _("Key points per post: <b>{points}</b>", points=settings.points),
            _("Link previews: <b>{state}</b>", state=previews),
            _("Delivery: <b>{mode}</b>", mode=mode),
            _("Language: <b>{language}</b>", language=language_name(language)),
            "",
            _(
                "Tap to change, or e.g. <code>/settings digest 08:30</code>, "
                "<code>/settings tz Europe/Berlin</code>, <code>/settings language uk</code>."
            ),
        ]
    )
