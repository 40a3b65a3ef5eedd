"""Builders for the JSON objects Telegram puts in updates: users, chats, messages, entities.

Only the shapes matter here (field names and types exactly as the Bot API sends them); the fake
server assigns ids and keeps state.
"""

from __future__ import annotations

import re
import time
from typing import Any

from bot.offline.tg_html import utf16_len

JSON = dict[str, Any]

_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,64})?")
_URL = re.compile(r"https?://[^\s<>\"]+")


def now() -> int:
    """A Unix timestamp as Telegram sends it."""
    return int(time.time())


def user(
    user_id: int,
    *,
    first_name: str = "Test",
    username: str | None = None,
    language_code: str | None = "en",
) -> JSON:
    """A human user (`language_code`: what their Telegram app is set to; None: not sent)."""
    result: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language_code is not None:
        result["language_code"] = language_code
    if username:
        result["username"] = username
    return result


def chat_for_id(chat_id: int | str) -> JSON:
    """A plausible chat object for an id nobody registered."""
    if isinstance(chat_id, str):
        name = chat_id.lstrip("@")
        return {"id": channel_id_for(name), "type": "channel", "title": name, "username": name}
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "Test"}
    if str(chat_id).startswith("-100"):
        return {"id": chat_id, "type": "supergroup", "title": f"Group {chat_id}"}
    return {"id": chat_id, "type": "group", "title": f"Group {chat_id}"}


def channel_id_for(username: str) -> int:
    """A stable negative id for a channel known only by its @username."""
    return (
        -1_000_000_000_000 - sum(ord(c) * pow(31, i, 10**9) for i, c in enumerate(username)) % 10**9
    )


def entities_for(text: str) -> list[JSON]:
    """bot_command and url entities, with UTF-16 offsets, as Telegram marks them."""
    entities: list[JSON] = []
    command = _COMMAND.match(text)
    if command:
        entities.append({"type": "bot_command", "offset": 0, "length": len(command.group())})
    entities.extend(
        {
            "type": "url",
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group()),
        }
        for match in _URL.finditer(text)
    )
    return entities


_ADMIN_RIGHTS = (
    "can_be_edited",
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_post_messages",
    "can_edit_messages",
    "can_pin_messages",
    "can_manage_topics",
)


def member(user_json: JSON, status: str, **rights: bool) -> JSON:
    """A ChatMember object with every field PTB requires for its status."""
    result: JSON = {"status": status, "user": user_json}
    if status == "creator":
        result["is_anonymous"] = False
    elif status == "administrator":
        flags = _ADMIN_RIGHTS
        result.update({flag: rights.get(flag, flag != "can_be_edited") for flag in flags})
        result["is_anonymous"] = False
    elif status == "kicked":
        result["until_date"] = 0
    return result


def full_chat(chat_json: JSON) -> JSON:
    """A ChatFullInfo object (getChat) built from a chat object."""
    return {
        **chat_json,
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }
