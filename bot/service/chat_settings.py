"""`/settings`: change one of a chat's delivery preferences from a key and a value.

Values are checked here so a typo gets a precise answer and the stored settings stay valid.
"""

from __future__ import annotations

import dataclasses
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import InputError
from bot.i18n import LANGUAGES, N_
from bot.model import MAX_POINTS, MIN_POINTS, ChatSettings

SETTING_KEYS = ("points", "preview", "mode", "digest", "tz", "language")
# The chat's interface language is a property of the chat, not of its delivery settings.
LANGUAGE_KEYS = ("language", "lang")
# The longest IANA zone name is 32 characters; anything much longer is not one.
MAX_TIMEZONE_CHARS = 64
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_ON = {"on", "yes", "true", "1"}
_OFF = {"off", "no", "false", "0"}


def _points(value: str) -> int:
    if not value.isdigit() or not MIN_POINTS <= int(value) <= MAX_POINTS:
        raise InputError(
            N_("points must be a number from {least} to {most}"), least=MIN_POINTS, most=MAX_POINTS
        )
    return int(value)


def _switch(value: str) -> bool:
    lowered = value.lower()
    if lowered in _ON | _OFF:
        return lowered in _ON
    raise InputError(N_("preview must be on or off"))


def _time(value: str) -> str:
    match = _TIME.match(value)
    if match is None:
        raise InputError(N_("the digest time must look like HH:MM, e.g. 08:30"))
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def _timezone(value: str) -> str:
    shown = value if len(value) <= MAX_TIMEZONE_CHARS else value[:MAX_TIMEZONE_CHARS] + "…"
    refusal = InputError(N_("“{value}” is not a time zone name such as Europe/Berlin"), value=shown)
    if len(value) > MAX_TIMEZONE_CHARS:
        raise refusal
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "Europe" is a folder
        raise refusal from None
    return value


def parse_language(value: str) -> str:
    """A shipped interface language from `uk`, `UK`, `uk-UA` or `uk_UA`."""
    code = value.strip().lower().replace("_", "-").split("-", 1)[0]
    if code not in LANGUAGES:
        raise InputError(
            N_("“{value}” is not a language I speak; choose one of: {choices}"),
            value=value,
            choices=", ".join(LANGUAGES),
        )
    return code


def apply_setting(current: ChatSettings, key: str, value: str) -> ChatSettings:
    """The settings with `key` set to `value`; `digest HH:MM` also switches to digest mode."""
    key = key.lower()
    if key == "points":
        return dataclasses.replace(current, points=_points(value))
    if key == "preview":
        return dataclasses.replace(current, link_preview=_switch(value))
    if key == "mode":
        mode = value.lower()
        if mode == "instant":
            return dataclasses.replace(current, delivery_mode="instant")
        if mode == "digest":
            return dataclasses.replace(current, delivery_mode="digest")
        raise InputError(N_("mode must be instant or digest"))
    if key == "digest":
        return dataclasses.replace(current, delivery_mode="digest", digest_time=_time(value))
    if key == "tz":
        return dataclasses.replace(current, timezone=_timezone(value))
    raise InputError(
        N_("unknown setting “{key}”; use one of: {keys}"), key=key, keys=", ".join(SETTING_KEYS)
    )
