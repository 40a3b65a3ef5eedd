"""`newsbot poll --once`: one poll cycle from the shell, then delivery of what it queued.

Every due feed someone reads (a subscription or a channel route) is polled by the bot's own
`Poller` against the configured database, with a progress bar per feed; then the pending posts
go out through the real Telegram `Messenger` at the bot's pace. Without a token, or with
`--no-deliver`, the posts stay queued for `newsbot run`. Feeds are leased exactly as the running
bot leases them, so running this beside `newsbot run` polls nothing twice.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from bot.cli.common import (
    OfflineMessenger,
    add_config_argument,
    load_settings,
    opened_runtime,
    telegram_messenger,
)
from bot.config import Settings
from bot.ops.logs import setup_logging
from bot.ops.progress import ProgressBar
from bot.service.deliver import DeliveryReport
from bot.service.poll import FeedOutcome, Poller, PollReport
from bot.service.ports import Messenger
from bot.store import Store


def register(subparsers: Any) -> None:
    """Add the `poll` command."""
    parser = subparsers.add_parser("poll")
    parser.add_argument(
        "--once",
        action="store_true",
        required=True,
        help="one cycle, then exit (`newsbot run` polls continuously)",
    )
    parser.add_argument(
        "--no-deliver", action="store_true", help="only poll; leave the new posts queued"
    )
    add_config_argument(parser)
    parser.set_defaults(handler=run)


@dataclass(frozen=True, slots=True)
class CycleReport:
    """What `poll --once` did; `delivery` is None when nothing was sent."""

    poll: PollReport
    delivery: DeliveryReport | None
    why_not_delivered: str = ""
    # Why no feed was polled, when none was.
    why_idle: str = ""


def run(args: argparse.Namespace) -> int:
    """Poll once, deliver unless told (or unable) not to, print one summary line."""
    settings = load_settings(args.config)
    deliver = not args.no_deliver and settings.telegram.token is not None
    token = settings.telegram.token.get_secret_value() if settings.telegram.token else None
    setup_logging(settings.logging, secrets=(token,))
    if args.no_deliver:
        skipped = "delivery skipped (--no-deliver)"
    else:
        skipped = "delivery skipped (no TELEGRAM_BOT_TOKEN): posts stay queued"
    report = asyncio.run(poll_once(settings, deliver=deliver, skipped=skipped))
    print(summary_line(report))
    return 0


def summary_line(report: CycleReport) -> str:
    """`N feeds polled, N new items, N failures; …delivery…`."""
    p = report.poll
    line = f"{p.feeds} feeds polled, {p.new_items} new items, {p.failed} failures; "
    d = report.delivery
    if d is None:
        line += report.why_not_delivered
    else:
        line += f"{d.sent} posts sent, {d.failed} failed, {d.retried} to retry, {d.skipped} skipped"
    return line + (f"\n{report.why_idle}" if report.why_idle else "")


async def why_idle(store: Store) -> str:
    """Why a cycle found no feed to poll: nothing followed, or when the next one is due."""
    followed = [
        feed
        for feed in await store.list_feeds()
        if await store.subscribers(feed.id) or await store.routes_for_feed(feed.id)
    ]
    if not followed:
        return (
            "nothing was due: no chat follows any feed yet (chats follow feeds with /subscribe; "
            "channels get the config's routes when the bot starts)"
        )
    due = [feed.state.next_poll_at for feed in followed if feed.state.next_poll_at is not None]
    when = f"; the next is due at {min(due):%Y-%m-%d %H:%M} UTC" if due else ""
    return f"nothing was due: {len(followed)} followed feed(s), all polled recently{when}"


async def poll_once(settings: Settings, *, deliver: bool, skipped: str = "") -> CycleReport:
    """One cycle of the real services against the configured database."""
    async with (
        _messenger(settings, deliver) as messenger,
        opened_runtime(settings, messenger) as runtime,
    ):
        polled = await poll_due_with_progress(runtime.poller)
        idle = await why_idle(runtime.store) if polled.feeds == 0 else ""
        if not deliver:
            return CycleReport(polled, None, skipped, idle)
        return CycleReport(polled, await runtime.deliverer.deliver_pending(), why_idle=idle)


async def poll_due_with_progress(poller: Poller) -> PollReport:
    """`Poller.poll_due` with one progress step per feed, counted against the feeds leased."""
    with ProgressBar("polling feeds") as progress:

        def step(outcome: FeedOutcome) -> None:
            progress.set_total(outcome.claimed)
            progress.advance(note=("failed: " if outcome.failed else "") + outcome.feed.url)

        return await poller.poll_due(on_feed=step)


@contextlib.asynccontextmanager
async def _messenger(settings: Settings, deliver: bool) -> AsyncIterator[Messenger]:
    if not deliver:
        yield OfflineMessenger()
        return
    async with telegram_messenger(settings) as messenger:
        yield messenger
