"""What the shell commands share: the config and secrets from the environment, a messenger.

`newsbot poll`, `newsbot broadcast` and the OPML commands all load the same config and open the
same `bot.runtime` as the running bot; poll and broadcast talk to Telegram through the bot's own
`TelegramMessenger`, the others through `OfflineMessenger`, which refuses to send.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot import config
from bot.cli.secrets import llm_api_key
from bot.errors import ConfigError, InputError, TelegramUnavailableError
from bot.model import Chat
from bot.runtime import Runtime, open_runtime
from bot.service.ports import Keyboard, Messenger
from bot.store import Store
from bot.tg.messenger import TelegramMessenger


def add_config_argument(parser: Any) -> None:
    """The `--config FILE` option every command here takes."""
    parser.add_argument(
        "--config",
        metavar="FILE",
        default=None,
        help=f"config file (default: ${config.CONFIG_PATH_ENV}, else built-ins)",
    )


def load_settings(path: str | None) -> config.Settings:
    """The validated config from `path` (or $NEWSBOT_CONFIG) with environment overrides."""
    environ = dict(os.environ)
    return config.load(config.config_path(path, environ), environ)


@contextlib.asynccontextmanager
async def opened_runtime(
    settings: config.Settings, messenger: Messenger | None = None, **options: Any
) -> AsyncIterator[Runtime]:
    """`bot.runtime.open_runtime` with the API key from the environment; offline by default."""
    async with open_runtime(
        settings, messenger or OfflineMessenger(), llm_api_key=llm_api_key(settings), **options
    ) as runtime:
        yield runtime


@contextlib.asynccontextmanager
async def opened_store(settings: config.Settings) -> AsyncIterator[Store]:
    """The configured database of an offline runtime, for commands that need nothing else."""
    async with opened_runtime(settings) as runtime:
        yield runtime.store


async def known_chat(store: Store, chat_id: int) -> Chat:
    """The chat, or an `InputError` saying the bot has never seen it."""
    chat = await store.get_chat(chat_id)
    if chat is None:
        raise InputError(
            f"chat {chat_id} is unknown to the bot: it must start the bot (or add it) first, "
            f"or create it with `newsbot subscribe --chat {chat_id} SOURCE`"
        )
    return chat


@contextlib.contextmanager
def telegram_startup_errors(settings: config.Settings) -> Iterator[None]:
    """PTB's start-up failures as one-line errors that never carry the token.

    PTB's own messages quote the token (``The token `123:ABC` was rejected``), so none of
    them is passed on.
    """
    try:
        yield
    except InvalidToken:
        raise ConfigError(f"Telegram rejected the bot token ({config.TOKEN_ENV})") from None
    except NetworkError:
        raise TelegramUnavailableError(
            f"cannot reach the Bot API at {settings.telegram.base_url}"
        ) from None
    except TelegramError as exc:
        raise TelegramUnavailableError(
            f"the Bot API at {settings.telegram.base_url} refused to start the bot: {exc.message}"
        ) from None


@contextlib.asynccontextmanager
async def telegram_bot(settings: config.Settings) -> AsyncIterator[Bot]:
    """A started PTB `Bot`; the token is checked with Telegram first."""
    bot = Bot(
        config.require_token(settings),
        base_url=settings.telegram.base_url,
        base_file_url=settings.telegram.base_file_url,
    )
    with telegram_startup_errors(settings):
        await bot.initialize()
    try:
        yield bot
    finally:
        await bot.shutdown()


@contextlib.asynccontextmanager
async def telegram_messenger(settings: config.Settings) -> AsyncIterator[TelegramMessenger]:
    """A `TelegramMessenger` over `telegram_bot`."""
    async with telegram_bot(settings) as bot:
        yield TelegramMessenger(bot)


class OfflineMessenger:
    """The `Messenger` of a command told not to touch Telegram: every call is refused."""

    async def send(
        self,
        chat_id: int,
        html: str,
        *,
        thread_id: int | None = None,
        link_preview: bool = False,
        reply_markup: Keyboard | None = None,
        paid: bool = False,
    ) -> int:
        """Refuse: nothing is sent."""
        raise TelegramUnavailableError("not connected to Telegram")

    async def edit(
        self, chat_id: int, message_id: int, html: str, *, reply_markup: Keyboard | None = None
    ) -> None:
        """Refuse: nothing is edited."""
        raise TelegramUnavailableError("not connected to Telegram")
