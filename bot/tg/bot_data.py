"""What the running application keeps in `bot_data` for handlers and jobs: its runtime.

`bot.tg.app`'s `post_init` opens the `bot.runtime.Runtime` (with the Telegram messenger) and
keeps it here, in `application.bot_data` under one key; handlers and jobs reach it through
`services(context)` (or `services_of(application)`), which is typed and fails loudly if the
application was not built by `bot.tg.app.build_application`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from telegram.ext import CallbackContext

from bot.config import Settings
from bot.feeds.fetch import Fetcher
from bot.runtime import Runtime
from bot.service.ports import Messenger
from bot.store.protocol import Store
from bot.text.summarize import Summarizer

BOT_DATA_KEY = "newsbot.services"


@dataclass(frozen=True, slots=True)
class Services:
    """Everything a handler or job needs besides the update: the runtime and the bot's name."""

    runtime: Runtime
    # The bot's @username (without @), for `/cmd@botname` and deep links.
    bot_username: str = ""

    @property
    def settings(self) -> Settings:
        """The validated configuration."""
        return self.runtime.settings

    @property
    def store(self) -> Store:
        """The database."""
        return self.runtime.store

    @property
    def fetcher(self) -> Fetcher:
        """The web client (URL safety, limits)."""
        return self.runtime.fetcher

    @property
    def summarizer(self) -> Summarizer:
        """The configured summariser."""
        return self.runtime.summarizer

    @property
    def messenger(self) -> Messenger:
        """Telegram, behind the service layer's `Messenger` port."""
        return self.runtime.messenger


class HasBotData(Protocol):
    """An application, or anything else with its `bot_data`."""

    @property
    def bot_data(self) -> Mapping[str, Any]: ...


def services_of(holder: HasBotData) -> Services:
    """The `Services` of an application (or anything with its `bot_data`)."""
    found = holder.bot_data.get(BOT_DATA_KEY)
    if not isinstance(found, Services):
        raise TypeError("Services missing: build the application with build_application()")
    return found


def services(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    """The `Services` from a handler's or job's context."""
    return services_of(context.application)
