"""`newsbot db upgrade|status`: apply or inspect the database schema migrations."""

from __future__ import annotations

import argparse
import asyncio
import os
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot import config
from bot.errors import StoreError
from bot.store import migrate


def register(subparsers: Any) -> None:
    """Add the `db` command with its `upgrade` and `status` actions."""
    parser = subparsers.add_parser("db")
    parser.add_argument(
        "action", choices=("upgrade", "status"), help="upgrade to the newest schema, or report"
    )
    parser.add_argument(
        "--config", default=None, help="config file (default: $NEWSBOT_CONFIG, else built-ins)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Resolve the database URL from config and environment, then act on it."""
    settings = config.load(args.config or os.environ.get(config.CONFIG_PATH_ENV), os.environ)
    return asyncio.run(_act(args.action, settings.database.url))


async def _act(action: str, url: str) -> int:
    engine = migrate.create_engine(url)
    where = engine.url.render_as_string(hide_password=True)
    head = migrate.head_revision()
    try:
        before = await migrate.current_revision(engine)
        if action == "upgrade":
            await migrate.upgrade(engine)
    except (SQLAlchemyError, OSError) as exc:
        raise StoreError(f"database {action} failed: {exc}") from exc
    finally:
        await engine.dispose()
    if action == "upgrade":
        print(f"{where}: upgraded {before or 'empty'} -> {head}")
        return 0
    state = "up to date" if before == head else "needs `newsbot db upgrade`"
    print(f"{where}: revision {before or 'none (empty)'}, newest {head}: {state}")
    return 0 if before == head else 3
