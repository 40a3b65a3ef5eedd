"""One command table feeds the handlers, the command menu, /help and the usage lines."""

from __future__ import annotations

from pathlib import Path

from telegram.ext import CommandHandler

from bot.i18n import translator
from bot.tg.command_table import COMMANDS, help_text, menu, usage_line
from tests.fakes import FakeTelegram
from tests.tg_app import USER, ask, subscriber_bot
from tests.tg_harness import ADMIN

ENGLISH = translator("en")


async def test_every_registered_command_comes_from_the_table(tmp_path: Path) -> None:
    """No command is registered outside the table, and every row is registered once."""
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path) as application:
        registered = [
            name
            for handlers in application.handlers.values()
            for handler in handlers
            if isinstance(handler, CommandHandler)
            for name in handler.commands
        ]
    assert sorted(registered) == sorted(c.name for c in COMMANDS)


async def test_the_menu_help_and_usage_lines_are_generated_from_the_table(tmp_path: Path) -> None:
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path):
        user_help = (await ask(tg, USER, "/help")).text
        admin_help = (await ask(tg, ADMIN, "/help")).text
        usage = (await ask(tg, USER, "/latest a b c")).text
        published = tg.calls_to("setMyCommands")
    english = next(c for c in published if "language_code" not in c.params)
    assert [(c["command"], c["description"]) for c in english.params["commands"]] == menu(ENGLISH)
    for command in COMMANDS:
        if command.help is None:
            continue
        assert (f"/{command.name}" in user_help) is not command.admin, command.name
        assert f"/{command.name}" in admin_help, command.name
    assert usage == "⚠️ " + usage_line("latest", ENGLISH)
    example = "e.g. <code>/latest example 3</code>"
    assert f"Usage: /latest [<i>source</i>] [<i>number</i>], {example}" in usage


def test_operator_commands_stay_out_of_the_public_menu_and_help() -> None:
    public = {name for name, _ in menu(ENGLISH)}
    operators = {c.name for c in COMMANDS if c.admin}
    assert operators
    assert not operators & public
    text = help_text(ENGLISH)
    assert not any(f"/{name} " in text or f"/{name}\n" in text for name in operators)
    assert "/broadcast" in help_text(ENGLISH, admin=True)


def test_a_command_without_arguments_says_so() -> None:
    assert usage_line("list", ENGLISH) == "This command takes no arguments."
    assert usage_line("import", ENGLISH) == "Send me an .opml file, or reply /import to one."
