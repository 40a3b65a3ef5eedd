"""`newsbot run [--config FILE]`: run the Telegram bot until SIGINT or SIGTERM.

The token comes from TELEGRAM_BOT_TOKEN; in webhook mode the secret token Telegram echoes back
comes from the variable `telegram.webhook.secret_token_env` names, and is required.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from typing import Any

from bot import config
from bot.cli.common import telegram_startup_errors
from bot.cli.secrets import llm_api_key
from bot.errors import ConfigError
from bot.ops.logs import setup_logging
from bot.ops.observability import start_health_server
from bot.tg.app import build_application, running
from bot.tg.bot_data import services_of


def register(subparsers: Any) -> None:
    """Add the `run` command."""
    parser = subparsers.add_parser("run")
    parser.add_argument(
        "--config", default=None, help=f"config file (default: ${config.CONFIG_PATH_ENV})"
    )
    parser.set_defaults(handler=run)


def webhook_secret(settings: config.Settings, environ: dict[str, str]) -> str | None:
    """The webhook secret token, required in webhook mode so forged updates are refused."""
    if settings.telegram.mode != "webhook":
        return None
    name = settings.telegram.webhook.secret_token_env
    secret = environ.get(name)
    if not secret:
        raise ConfigError(f"telegram.webhook: webhook mode needs a secret token in ${name}")
    return secret


async def serve(
    settings: config.Settings, *, secret_token: str | None = None, stop: asyncio.Event | None = None
) -> None:
    """Run the bot and the health endpoint until `stop` is set (or a signal arrives)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    application = build_application(settings, llm_api_key=llm_api_key(settings))
    try:
        async with running(application, settings, secret_token=secret_token):
            health = await start_health_server(
                settings.metrics, services_of(application).store.ping
            )
            try:
                await stop.wait()
            finally:
                if health is not None:
                    await health.stop()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def run(args: argparse.Namespace) -> int:
    """Load the config, set up logging without secrets, run until stopped."""
    environ = dict(os.environ)
    settings = config.load(config.config_path(args.config, environ), environ)
    token = config.require_token(settings)
    secret = webhook_secret(settings, environ)
    setup_logging(settings.logging, secrets=(token, secret))
    with telegram_startup_errors(settings):
        asyncio.run(serve(settings, secret_token=secret))
    return 0
