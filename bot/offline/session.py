"""`newsbot try`: a local chat with the real bot, in the terminal.

The real `Application` from `bot.tg.app.build_application` (every handler, job and service, as
`newsbot run` builds them) long-polls `LocalBotAPI` on 127.0.0.1. Each line the user types
becomes a message in the chat (a number presses that button of the newest keyboard); every
message the bot sends or edits is printed as the terminal can show it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import SecretStr

from bot.config import Settings
from bot.offline.botapi import LOCAL_TOKEN, LocalBotAPI
from bot.offline.terminal import keyboard_lines, to_terminal
from bot.offline.tg_wire import JSON, Call
from bot.tg.app import App, build_application, running

ChatType = Literal["private", "group", "channel"]
# The person at the terminal, and the chats they try the bot in.
USER_ID = 1001
GROUP_ID = -1001000000002
CHANNEL_ID = -1001000000003
GROUP: JSON = {"id": GROUP_ID, "type": "supergroup", "title": "newsbot try group"}
CHANNEL: JSON = {
    "id": CHANNEL_ID,
    "type": "channel",
    "title": "newsbot try channel",
    "username": "newsbot_try_channel",
}
# How long the bot must have nothing to do before the next line is sent.
_SETTLE = 0.15
_TICK = 0.05
_SHOWN_METHODS = ("sendMessage", "editMessageText", "editMessageReplyMarkup")


@dataclass
class Transcript:
    """What the terminal shows: each bot message once sent or edited, with numbered buttons."""

    write: Callable[[str], None]
    chat_id: int
    styled: bool
    buttons: list[tuple[JSON, str]] = field(default_factory=list)

    def show(self, call: Call) -> None:
        """Print a message the bot sent or edited (to any chat; other chats are named)."""
        if call.ok and call.method == "answerCallbackQuery" and call.params.get("text"):
            self.write(f"bot (notice): {call.params['text']}\n")
            return
        if not call.ok or call.method not in _SHOWN_METHODS or not isinstance(call.result, dict):
            return
        message: JSON = call.result
        chat = message.get("chat", {})
        where = "" if chat.get("id") == self.chat_id else f" → {chat.get('title', chat.get('id'))}"
        edited = " (edited)" if call.method != "sendMessage" else ""
        lines, data = keyboard_lines(message.get("reply_markup"))
        if data:
            self.buttons = [(message, d) for d in data]
        body = to_terminal(str(message.get("text", "")), styled=self.styled)
        if call.method == "editMessageReplyMarkup":
            body = "(buttons changed)"
        self.write(f"bot{where}{edited}:\n{_indent(body)}")
        for line in lines:
            self.write(f"    {line}")
        self.write("")


def _indent(text: str) -> str:
    return "\n".join("  " + line if line else "" for line in text.split("\n"))


def try_settings(base: Settings, api: LocalBotAPI) -> Settings:
    """`base` talking to the local Bot API by long polling, with the terminal's user as admin."""
    telegram = base.telegram.model_copy(
        update={
            "base_url": api.base_url,
            "base_file_url": api.base_file_url,
            "mode": "polling",
            "token": SecretStr(api.token),
        }
    )
    return base.model_copy(update={"telegram": telegram, "admins": (USER_ID,)})


def _prepare_chat(api: LocalBotAPI, chat_type: ChatType) -> int:
    """Register the chats for `chat_type`; the id of the chat the user types in."""
    if chat_type == "group":
        api.add_chat(GROUP)
        api.set_member(GROUP_ID, USER_ID, "creator")
        return GROUP_ID
    if chat_type == "channel":
        api.add_chat(CHANNEL)
        api.set_member(CHANNEL_ID, api.bot_user["id"], "administrator")
        api.set_member(CHANNEL_ID, USER_ID, "creator")
    return USER_ID


async def _settle(application: App, api: LocalBotAPI) -> None:
    """Wait until every update is fetched and handled and the bot has been idle a moment."""
    quiet = 0.0
    while quiet < _SETTLE:
        await asyncio.sleep(_TICK)
        busy = (
            api.pending_updates
            or not application.update_queue.empty()
            or application.update_processor.current_concurrent_updates
        )
        quiet = 0.0 if busy else quiet + _TICK


async def chat(
    base: Settings,
    lines: AsyncIterator[str],
    write: Callable[[str], None],
    *,
    chat_type: ChatType = "private",
    styled: bool = False,
    echo: bool = False,
) -> None:
    """Run the bot on a local Bot API and hold the conversation `lines` with it."""
    async with LocalBotAPI(token=LOCAL_TOKEN, bot_username="newsbot_try_bot") as api:
        chat_id = _prepare_chat(api, chat_type)
        transcript = Transcript(write, chat_id, styled)
        api.watch(transcript.show)
        settings = try_settings(base, api)
        application = build_application(settings)
        async with running(application, settings):
            await _settle(application, api)
            async for line in lines:
                text = line.strip()
                if not text:
                    continue
                if echo:
                    write(f"you: {text}")
                _say(api, transcript, chat_id, text)
                await _settle(application, api)


def _say(api: LocalBotAPI, transcript: Transcript, chat_id: int, text: str) -> None:
    """Send `text`, or press button number `text` of the newest keyboard."""
    if text.isdigit() and 1 <= int(text) <= len(transcript.buttons):
        message, data = transcript.buttons[int(text) - 1]
        api.press_button(message, data, user_id=USER_ID)
        return
    api.send_message(chat_id, text, user_id=USER_ID)
