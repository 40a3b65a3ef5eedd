"""The bot's long-lived collaborators, built once in `post_init` and shared by every handler.

`Services` lives in `application.bot_data` under one key; handlers and jobs reach it through
`services(context)` (or `services_of(application)`), which is typed and fails loudly if the
application was not built by `bot.tg.app.build_application`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from telegram.ext import Application, CallbackContext

from bot.config import Settings
from bot.feeds.fetch import Fetcher
from bot.service.ports import Messenger
from bot.store.protocol import Store
from bot.text.summarize import Summarizer

BOT_DATA_KEY = "newsbot.services"


@dataclass(frozen=True, slots=True)
class Services:
    """Everything a handler or job needs besides the update: config, storage, web, Telegram."""

    settings: Settings
    store: Store
    fetcher: Fetcher
    summarizer: Summarizer
    messenger: Messenger
    # The bot's @username (without @), for `/cmd@botname` and deep links.
    bot_username: str = ""
    # The LLM backend's connection pool (None for the extractive summariser).
    llm_http: httpx.AsyncClient | None = None

    async def aclose(self) -> None:
        """Release the web clients and the database connections."""
        try:
            await self.fetcher.aclose()
            if self.llm_http is not None:
                await self.llm_http.aclose()
        finally:
            await self.store.aclose()


# Builds `Services` for an initialised application (its bot is ready); `post_init` calls it.
ServicesFactory = Callable[
    [Settings, Application[Any, Any, Any, Any, Any, Any]], Awaitable[Services]
]


class _HasBotData(Protocol):
    @property
    def bot_data(self) -> Mapping[str, Any]: ...


def services_of(holder: _HasBotData) -> Services:
    """The `Services` of an application (or anything with its `bot_data`)."""
    found = holder.bot_data.get(BOT_DATA_KEY)
    if not isinstance(found, Services):
        raise TypeError("Services missing: build the application with build_application()")
    return found


def services(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    """The `Services` from a handler's or job's context."""
    return services_of(context.application)
