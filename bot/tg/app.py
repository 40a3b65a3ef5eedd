"""Build and run the python-telegram-bot `Application`: the one place the bot is wired.

`build_application` sets the Bot API base URLs, HTML/link-preview defaults and concurrent updates,
registers every handler (ours, then the admin and job modules, then the fallbacks that must come
last) and the one error handler. `post_init` opens the `bot.runtime.Runtime` with the Telegram
messenger (the only thing this glue adds), keeps it as `Services` and `Workers` and hands its
pacer to the `SendGate` every request passes (so replies share the sending budget); `post_stop`
gives the leader lease up and `post_shutdown` closes the runtime. `running`
starts long polling or the webhook (the only place `setWebhook` is called, through PTB's
`start_webhook`) and stops everything on exit; `newsbot run` and the end-to-end tests both go
through it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, Defaults

from bot.config import Settings, require_token
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, translator
from bot.runtime import open_runtime
from bot.tg import admin, command_table, commands, error_handler, jobs
from bot.tg.bot_data import BOT_DATA_KEY, Services
from bot.tg.messenger import TelegramMessenger
from bot.tg.send_gate import SendGate
from bot.tg.workers import WORKERS_KEY, Workers

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]

# Connections to the Bot API shared by handlers, jobs and broadcasts (sends overlap up to this).
CONNECTION_POOL = 128
# Seconds a request may wait for a free connection when every one is busy (broadcasts).
POOL_TIMEOUT = 30.0
# Seconds a getUpdates long poll waits on the server before returning empty.
POLL_TIMEOUT = 10


# Where `post_init` keeps the open runtime's exit stack until `post_shutdown` closes it.
_EXIT_KEY = "newsbot.runtime"


def build_application(
    settings: Settings, *, llm_api_key: str | None = None, ticks: jobs.Ticks | None = None
) -> App:
    """The configured `Application`; nothing touches the network until it is started.

    `llm_api_key` is for the LLM summariser (the CLI reads it from the environment); `ticks`
    says how often the jobs run.
    """
    token = require_token(settings)
    preview = LinkPreviewOptions(is_disabled=not settings.telegram.link_preview)
    gate = SendGate()

    async def post_init(application: App) -> None:
        stack = contextlib.AsyncExitStack()
        application.bot_data[_EXIT_KEY] = stack
        runtime = await stack.enter_async_context(
            open_runtime(settings, TelegramMessenger(application.bot), llm_api_key=llm_api_key)
        )
        application.bot_data[BOT_DATA_KEY] = Services(runtime, application.bot.username or "")
        application.bot_data[WORKERS_KEY] = Workers(runtime)
        gate.pacer = runtime.pacer
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
        .rate_limiter(gate)
        .post_init(post_init)
        .post_stop(jobs.step_down)
        .post_shutdown(close_runtime)
        .build()
    )
    command_table.register(application)
    commands.register(application)
    admin.register(application)
    jobs.register(application, ticks or jobs.Ticks())
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


async def close_runtime(application: App) -> None:
    """Close what `post_init` opened (whatever part of it was opened before a failure).

    `Workers` stays behind so a stopped bot can still say whether it leads (it does not).
    """
    application.bot_data.pop(BOT_DATA_KEY, None)
    stack = application.bot_data.pop(_EXIT_KEY, None)
    if isinstance(stack, contextlib.AsyncExitStack):
        await stack.aclose()


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
