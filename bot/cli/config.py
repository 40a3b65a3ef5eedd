"""`newsbot config check [FILE]`: validate a configuration before anything starts."""

from __future__ import annotations

import argparse
import os
from typing import Any

from bot import config
from bot.cli.run import webhook_secret
from bot.errors import ConfigError


def register(subparsers: Any) -> None:
    """Add the `config` command and its `check` action."""
    parser = subparsers.add_parser("config")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check", help="validate a config file; prints OK and a summary, or one error line"
    )
    check.add_argument("file", nargs="?", help="config file (default: $NEWSBOT_CONFIG)")
    check.add_argument(
        "--require-token",
        action="store_true",
        help=f"also require the secrets `newsbot run` needs (${config.TOKEN_ENV}, webhook secret)",
    )
    check.set_defaults(handler=run_check)


def summary(settings: config.Settings) -> str:
    """One line that tells an operator what this configuration will do."""
    telegram = settings.telegram
    mode = telegram.mode if telegram.mode == "polling" else f"webhook {telegram.webhook.url}"
    metrics = (
        f"metrics on {settings.metrics.host}:{settings.metrics.port}"
        if settings.metrics.enabled
        else "metrics off"
    )
    return (
        f"{len(settings.sources)} sources, {len(settings.channels)} channels, "
        f"{len(settings.admins)} admins; telegram {mode}; "
        f"database {settings.database.url.split(':', 1)[0].split('+', 1)[0]}; "
        f"summariser {settings.summarizer.backend}; {metrics}"
    )


def run_check(args: argparse.Namespace) -> int:
    """Load and validate the file; ConfigError becomes one line on stderr (see `bot.cli.main`)."""
    path = config.config_path(args.file, os.environ)
    if path is None:
        raise ConfigError(f"no config file given and ${config.CONFIG_PATH_ENV} is not set")
    settings = config.load(path, os.environ)
    if args.require_token:
        config.require_token(settings)
        webhook_secret(settings, dict(os.environ))
    print(f"OK: {path}: {summary(settings)}")
    return 0
