"""Build and run the python-telegram-bot `Application`: the one place the bot is wired.

`build_application` sets the Bot API base URLs, HTML/link-preview defaults and concurrent updates,
registers every handler (ours, then the admin and job modules, then the fallbacks that must come
last) and the one error handler. `post_init` opens the store, the fetcher and the summariser as
`Services`; `post_stop` gives the leader lease up and `post_shutdown` closes them. `running`
starts long polling or the webhook (the only place `setWebhook` is called, through PTB's
`start_webhook`) and stops everything on exit; `newsbot run` and the end-to-end tests both go
through it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, Defaults

from bot.config import Settings, require_token
from bot.feeds.fetch import Fetcher
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, translator
from bot.store import open_store
from bot.summarizers import build_summarizer
from bot.tg import admin, command_table, commands, error_handler, jobs
from bot.tg.messenger import TelegramMessenger
from bot.tg.services import BOT_DATA_KEY, Services, ServicesFactory, services_of

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]

# Connections to the Bot API shared by handlers, jobs and broadcasts (sends overlap up to this).
CONNECTION_POOL = 128
# Seconds a request may wait for a free connection when every one is busy (broadcasts).
POOL_TIMEOUT = 30.0
# Seconds a getUpdates long poll waits on the server before returning empty.
POLL_TIMEOUT = 10


async def create_services(settings: Settings, application: App) -> Services:
    """Open the real store, fetcher and summariser for a started bot."""
    store = await open_store(settings.database.url)
    llm_http = (
        httpx.AsyncClient(timeout=settings.summarizer.llm.timeout)
        if settings.summarizer.backend == "llm"
        else None
    )
    return Services(
        settings=settings,
        store=store,
        fetcher=Fetcher(settings.fetch),
        summarizer=build_summarizer(settings, llm_http),
        messenger=TelegramMessenger(application.bot),
        bot_username=application.bot.username or "",
        llm_http=llm_http,
    )


def build_application(
    settings: Settings, *, services_factory: ServicesFactory = create_services
) -> App:
    """The configured `Application`; nothing touches the network until it is started."""
    token = require_token(settings)
    preview = LinkPreviewOptions(is_disabled=not settings.telegram.link_preview)

    async def post_init(application: App) -> None:
        application.bot_data[BOT_DATA_KEY] = await services_factory(settings, application)
        await publish_commands(application)

    application: App = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram.base_url)
        .base_file_url(settings.telegram.base_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=preview))
        .concurrent_updates(True)
        .connection_pool_size(CONNECTION_POOL)
        .pool_timeout(POOL_TIMEOUT)
        .post_init(post_init)
        .post_stop(jobs.step_down)
        .post_shutdown(close_services)
        .build()
    )
    command_table.register(application)
    commands.register(application)
    admin.register(application)
    jobs.register(application)
    commands.register_fallbacks(application)
    application.add_error_handler(error_handler.on_error)
    return application


async def publish_commands(application: App) -> None:
    """Show the command menu in every shipped language (English for everyone else).

    A server that refuses it (old or self-hosted API) is only logged.
    """
    try:
        for language in LANGUAGES:
            menu = [BotCommand(*c) for c in command_table.menu(translator(language))]
            code = None if language == DEFAULT_LANGUAGE else language
            await application.bot.set_my_commands(menu, language_code=code)
    except TelegramError as exc:
        log.warning("setMyCommands failed, the command menu stays as it was: %s", exc)


async def close_services(application: App) -> None:
    """Close what `post_init` opened (nothing if it failed before building `Services`)."""
    if BOT_DATA_KEY in application.bot_data:
        await services_of(application).aclose()
        del application.bot_data[BOT_DATA_KEY]


@contextlib.asynccontextmanager
async def running(
    application: App, settings: Settings, *, secret_token: str | None = None
) -> AsyncIterator[App]:
    """Run the bot (polling or webhook per config) for the duration of the block."""
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        updater = application.updater
        assert updater is not None
        hook = settings.telegram.webhook
        if settings.telegram.mode == "webhook":
            await updater.start_webhook(
                listen=hook.listen,
                port=hook.port,
                url_path=hook.path,
                webhook_url=hook.url,
                secret_token=secret_token,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            await updater.start_polling(timeout=POLL_TIMEOUT, allowed_updates=Update.ALL_TYPES)
        await application.start()
        log.info(
            "bot @%s is answering by %s with %d catalogue sources",
            application.bot.username,
            settings.telegram.mode,
            len(settings.sources),
        )
        try:
            yield application
        finally:
            if updater.running:
                await updater.stop()
            if application.running:
                await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
    finally:
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
