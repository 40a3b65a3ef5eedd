"""Logging setup: key=value or JSON lines on stderr, with secrets scrubbed from every record.

The bot token travels in every Bot API URL (`/bot<token>/sendMessage`), so any library that logs
a URL or an exception about a request can leak it. `setup_logging` therefore puts a
`RedactingFilter` on the one handler every record passes through: it rewrites the message,
exception text and stack of each record, removing token-shaped strings, passwords in URLs and
every value registered with `register_secret`, before any formatter sees them.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Any
from urllib.parse import quote

from bot.config import LoggingSettings

REDACTED = "<redacted>"
# A Telegram bot token: the bot's numeric id, a colon and a 35-character secret.
TOKEN_PATTERN = re.compile(r"\d+:[A-Za-z0-9_-]{30,}")
# The password part of `scheme://user:password@host` (database and proxy URLs).
URL_PASSWORD_PATTERN = re.compile(r"(?<=://)([^/\s:@]+):[^/\s@]+@")
# Registered secrets shorter than this are ignored: redacting "ab" would shred every line.
MIN_SECRET_LENGTH = 6
# Libraries that log every request, job or migration step at INFO; kept at
# `LoggingSettings.library_level`.
CHATTY_LOGGERS = ("httpx", "httpcore", "apscheduler", "hpack", "alembic")

_STANDARD_ATTRS = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "taskName"}
)


class SecretRegistry:
    """The exact secret values to scrub, plus their percent-encoded forms (as seen in URLs)."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def add(self, value: str | None) -> None:
        """Remember a secret; too-short or empty values are ignored."""
        if not value or len(value) < MIN_SECRET_LENGTH:
            return
        self._values.update({value, quote(value, safe="")})
        alternatives = sorted(self._values, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(v) for v in alternatives))

    def clear(self) -> None:
        """Forget every registered secret (tests)."""
        self._values.clear()
        self._pattern = None

    def redact(self, text: str) -> str:
        """`text` with registered secrets, token-shaped strings and URL passwords replaced."""
        if self._pattern is not None:
            text = self._pattern.sub(REDACTED, text)
        text = TOKEN_PATTERN.sub(REDACTED, text)
        return URL_PASSWORD_PATTERN.sub(rf"\1:{REDACTED}@", text)


SECRETS = SecretRegistry()


def register_secret(value: str | None) -> None:
    """Scrub `value` from every log line from now on (tokens, API keys, webhook secrets)."""
    SECRETS.add(value)


def redact(text: str) -> str:
    """`text` as it may appear in a log line or an admin message."""
    return SECRETS.redact(text)


class RedactingFilter(logging.Filter):
    """Rewrite each record in place so no handler or formatter can see a secret."""

    def __init__(self, secrets: SecretRegistry = SECRETS) -> None:
        super().__init__()
        self._secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._secrets.redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._secrets.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._secrets.redact(record.stack_info)
        for key in _extra_keys(record):
            value = record.__dict__[key]
            if isinstance(value, str):
                record.__dict__[key] = self._secrets.redact(value)
        return True


def _extra_keys(record: logging.LogRecord) -> list[str]:
    return [k for k in record.__dict__ if k not in _STANDARD_ATTRS and not k.startswith("_")]


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    stamp = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
    fields: dict[str, Any] = {
        "ts": stamp.replace("+00:00", "Z"),
        "level": record.levelname,
        "logger": record.name,
        "msg": record.getMessage(),
    }
    fields.update((key, record.__dict__[key]) for key in _extra_keys(record))
    if record.exc_text:
        fields["exc"] = record.exc_text
    if record.stack_info:
        fields["stack"] = record.stack_info
    return fields


def _logfmt_value(value: Any) -> str:
    text = str(value)
    if text and not any(c in text for c in ' "=\\\n\r\t'):
        return text
    return json.dumps(text, ensure_ascii=False)


class KeyValueFormatter(logging.Formatter):
    """One `key=value` line per record (logfmt); values with spaces are JSON-quoted."""

    def format(self, record: logging.LogRecord) -> str:
        return " ".join(f"{k}={_logfmt_value(v)}" for k, v in _fields(record).items())


class JSONFormatter(logging.Formatter):
    """One JSON object per line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(_fields(record), ensure_ascii=False, default=str)


_HANDLER_NAME = "newsbot"


def setup_logging(
    settings: LoggingSettings,
    *,
    secrets: Iterable[str | None] = (),
    stream: IO[str] | None = None,
) -> logging.Handler:
    """Install newsbot's single root handler (replacing a previous one) and register `secrets`.

    Call once at start-up, before anything logs, with the token and other secret values.
    """
    for value in secrets:
        register_secret(value)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
        old.close()
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JSONFormatter() if settings.format == "json" else KeyValueFormatter())
    root.addHandler(handler)
    root.setLevel(settings.level)
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(settings.library_level)
    logging.captureWarnings(True)
    return handler
