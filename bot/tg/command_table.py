"""The one table of commands: registration, the command menu, /help and usage lines.

Each `Command` names its handler and carries its texts as English msgids (marked with `N_`,
translated when shown): the short menu description, the arguments in HTML, what it does, and
an example. `register` adds a `CommandHandler` per row, `menu` feeds `setMyCommands`,
`help_text` and `usage_line` are built from the same rows, so a command cannot be registered
without being documented (or the other way round).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.i18n import N_, Translator
from bot.tg import admin, commands, opml_cmd, reading_cmd, settings_cmd
from bot.tg.bot_data import services
from bot.tg.common import Context, reply, translator_of

Callback = Callable[[Update, Context], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class Command:
    """One bot command and everything a reader is told about it."""

    name: str
    callback: Callback
    # Menu description (setMyCommands); None keeps the command out of the public menu.
    menu: str | None
    # What it does, for /help; None leaves it out of /help (e.g. /start, /help itself).
    help: str | None = None
    # The arguments as Telegram HTML, shown after the command in /help and the usage line.
    args: str = ""
    # A complete example, shown in the usage line.
    example: str = ""
    # A usage line of its own, for commands whose use is not "/name args".
    usage: str | None = None
    # Operator commands: listed in /help only for admins.
    admin: bool = False


async def help_command(update: Update, context: Context) -> None:
    """List every command (and, for operators, theirs)."""
    user = update.effective_user
    operator = user is not None and user.id in services(context).settings.admins
    await reply(update, help_text(await translator_of(update, context), admin=operator))


COMMANDS: tuple[Command, ...] = (
    Command("start", commands.start, N_("What this bot does")),
    Command(
        "sources",
        commands.sources,
        N_("Browse the news sources"),
        N_("browse the sources and tap to follow"),
    ),
    Command(
        "subscribe",
        commands.subscribe,
        N_("Follow a source, feed or site"),
        N_("follow a source or any site with a feed"),
        N_("<i>source id | feed URL | site URL</i>"),
        "/subscribe example.org",
    ),
    Command(
        "unsubscribe",
        commands.unsubscribe,
        N_("Stop following one"),
        N_("stop following it"),
        N_("<i>source id | feed URL | number from /list</i>"),
    ),
    Command(
        "list",
        commands.list_command,
        N_("Your subscriptions"),
        N_("what this chat follows, with filters"),
    ),
    Command(
        "filter",
        commands.filter_command,
        N_("Keywords to include or exclude"),
        N_("only posts with (or without) these words; <code>off</code> clears it"),
        N_("<i>source</i> +word -word"),
        "/filter example +tram -football",
    ),
    Command(
        "latest",
        reading_cmd.latest,
        N_("The newest summaries now"),
        N_("the newest summaries right now"),
        N_("[<i>source</i>] [<i>number</i>]"),
        "/latest example 3",
    ),
    Command(
        "summarize",
        reading_cmd.summarize,
        N_("Summarise a link"),
        N_("summarise a page (in a private chat just send the link)"),
        N_("<i>link</i>"),
    ),
    Command(
        "settings",
        settings_cmd.settings_command,
        N_("Points, previews, digest time, language"),
        N_("key points, link previews, instant posts or a daily digest, language"),
        N_("points 3 | preview on | mode digest | digest 08:30 | tz Europe/Berlin | language uk"),
    ),
    Command(
        "export",
        opml_cmd.export,
        N_("Your subscriptions as OPML"),
        N_("your subscriptions as an OPML file"),
    ),
    Command(
        "import",
        opml_cmd.import_command,
        N_("Subscribe from an OPML file"),
        N_("send an .opml file (or reply /import to one)"),
        usage=N_("Send me an .opml file, or reply /import to one."),
    ),
    Command(
        "stop",
        commands.stop,
        N_("Unsubscribe from everything"),
        N_("unsubscribe from everything and forget this chat"),
    ),
    Command("help", help_command, N_("How to use the bot")),
    Command(
        "broadcast",
        admin.broadcast,
        None,
        N_("send a message to every chat (preview first)"),
        N_("<i>text</i>"),
        usage=N_("Usage: /broadcast <i>text</i>, or reply /broadcast to a message"),
        admin=True,
    ),
    Command(
        "broadcast_cancel",
        admin.broadcast_cancel,
        None,
        N_("stop the running broadcast"),
        admin=True,
    ),
    Command("stats", admin.stats, None, N_("counts of chats, feeds and deliveries"), admin=True),
    Command("health", admin.health, None, N_("failing feeds and their errors"), admin=True),
    Command(
        "channel",
        admin.channel,
        None,
        N_("route sources to a channel"),
        N_(
            "add @channel <i>source…</i> [points=N] [hashtags] [preview] [lang=uk] | "
            "remove @channel [<i>source…</i>] | list"
        ),
        admin=True,
    ),
)
_BY_NAME = {command.name: command for command in COMMANDS}
# Operator commands follow the subscriber ones; /help gives them a heading of their own.
FIRST_OPERATOR_COMMAND = next(c.name for c in COMMANDS if c.admin)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add a `CommandHandler` for every row of the table."""
    for command in COMMANDS:
        application.add_handler(CommandHandler(command.name, command.callback))


def menu(_: Translator) -> list[tuple[str, str]]:
    """The public command menu as (command, description) pairs, in the reader's language."""
    return [(c.name, _(c.menu)) for c in COMMANDS if c.menu is not None]


def usage_line(name: str, _: Translator) -> str:
    """The HTML usage line of a command ("Usage: /latest [source] [number]")."""
    command = _BY_NAME[name]
    if command.usage is not None:
        return _(command.usage)
    if not command.args:
        return _("This command takes no arguments.")
    call = f"/{command.name} {_(command.args)}"
    if command.example:
        example = f"<code>{command.example}</code>"
        return _("Usage: {call}, e.g. {example}", call=call, example=example)
    return _("Usage: {call}", call=call)


def help_text(_: Translator, *, admin: bool = False) -> str:
    """/help: every command with its arguments; operators also see theirs."""
    lines = [_("<b>What I can do</b>"), ""]
    for command in COMMANDS:
        if command.help is None or (command.admin and not admin):
            continue
        if command.name == FIRST_OPERATOR_COMMAND:
            lines += ["", _("<b>For operators</b>")]
        call = f"/{command.name} {_(command.args)}" if command.args else f"/{command.name}"
        lines.append(f"{call} — {_(command.help)}")
    lines += ["", _("In groups, only the group's admins can change what it follows.")]
    return "\n".join(lines)
