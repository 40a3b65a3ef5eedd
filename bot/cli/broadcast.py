"""`newsbot broadcast`: send one message to every active chat from the shell, resumably.

The broadcast is created in the store with its full target list, then sent by the bot's own
`Broadcaster` through the real Telegram `Messenger` at the configured pace, with a progress bar
(sent, blocked, failed, remaining). Every outcome is recorded as Telegram answers, so after an
interruption `newsbot broadcast --resume ID` carries on with the chats still pending and
messages nobody twice. Chats that blocked the bot are switched off by the service.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from bot.cli.common import add_config_argument, load_settings, opened_runtime, telegram_messenger
from bot.config import Settings, require_token
from bot.errors import DeliveryError, InputError
from bot.model import Broadcast
from bot.ops.logs import setup_logging
from bot.ops.progress import ProgressBar
from bot.runtime import admin_chat
from bot.service.broadcast import Broadcaster, BroadcastProgress
from bot.store import Store
from bot.text.telegram_html import html_problem

# Seconds between two progress snapshots from the broadcaster (the bar redraws on each).
PROGRESS_INTERVAL = 0.5
# Exit code of an interrupted broadcast (as for SIGINT), resumable with --resume.
INTERRUPTED = 130


def register(subparsers: Any) -> None:
    """Add the `broadcast` command."""
    parser = subparsers.add_parser(
        "broadcast",
        description="TEXT is Telegram HTML: <b>, <i>, <a href>… as in bot messages; "
        "escape a literal < or & as &lt; and &amp;.",
    )
    parser.add_argument("text", nargs="?", metavar="TEXT", help="the message (Telegram HTML)")
    parser.add_argument("--file", metavar="F", help="read the message from this file instead")
    parser.add_argument(
        "--include-groups", action="store_true", help="also send to groups and supergroups"
    )
    parser.add_argument("--yes", action="store_true", help="send without asking to confirm")
    parser.add_argument(
        "--resume", metavar="ID", type=int, help="carry on with an unfinished broadcast"
    )
    add_config_argument(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Check the input and the token, then create (or resume) and send the broadcast."""
    if args.resume is not None and (args.text is not None or args.file is not None):
        raise InputError("--resume ID takes no TEXT or --file: the broadcast keeps its text")
    text = None if args.resume is not None else message_text(args.text, args.file)
    settings = load_settings(args.config)
    token = require_token(settings)
    setup_logging(settings.logging, secrets=(token,))
    try:
        final = asyncio.run(_send(settings, args, text))
    except KeyboardInterrupt:
        return INTERRUPTED
    print(summary_line(final))
    if final.sent == 0 and final.failed > 0:
        raise DeliveryError(
            f"broadcast #{final.broadcast_id}: every send failed; the last: {final.last_error}"
        )
    return 0


def message_text(text: str | None, file: str | None) -> str:
    """The message from TEXT or --file (exactly one), not blank."""
    if (text is None) == (file is None):
        raise InputError("give the message as TEXT or --file F (one of them)")
    if file is not None:
        try:
            text = Path(file).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError(f"{file}: file not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{file}: cannot read it as UTF-8 text ({exc})") from None
    assert text is not None
    if not text.strip():
        raise InputError("the message is empty")
    if problem := html_problem(text):
        raise InputError(f"the message is not valid Telegram HTML: {problem}")
    return text.strip()


def summary_line(report: BroadcastProgress) -> str:
    """`broadcast #N done: sent, blocked, failed, remaining`."""
    return (
        f"broadcast #{report.broadcast_id} {report.status}: {report.sent} sent, "
        f"{report.blocked} blocked, {report.failed} failed, {report.remaining} remaining"
    )


async def _send(
    settings: Settings, args: argparse.Namespace, text: str | None
) -> BroadcastProgress:
    """Create or look up the broadcast, then run it with a progress bar; the final report."""
    async with (
        telegram_messenger(settings) as messenger,
        opened_runtime(settings, messenger, progress_interval=PROGRESS_INTERVAL) as runtime,
    ):
        if text is None:
            broadcast = await resumable(runtime.store, args.resume)
        else:
            await confirm(runtime.store, text, include_groups=args.include_groups, yes=args.yes)
            author = admin_chat(settings) or 0
            broadcast = await runtime.broadcaster.create(
                text, author, include_groups=args.include_groups
            )
        try:
            return await _run_with_progress(runtime.broadcaster, broadcast)
        except asyncio.CancelledError:
            # Ctrl-C: every answered target is recorded; the rest stay pending.
            print(
                f"broadcast #{broadcast.id} interrupted; carry on with "
                f"`newsbot broadcast --resume {broadcast.id}`",
                file=sys.stderr,
            )
            raise


async def resumable(store: Store, broadcast_id: int) -> Broadcast:
    """The broadcast to resume, its stale claims released; `InputError` if it cannot be."""
    broadcast = await store.get_broadcast(broadcast_id)
    if broadcast is None:
        raise InputError(f"there is no broadcast #{broadcast_id}")
    if broadcast.status == "cancelled":
        raise InputError(f"broadcast #{broadcast_id} was cancelled; it cannot be resumed")
    # The interrupted sender is gone: its leased targets are pending again (on PostgreSQL only
    # the expired leases, so a sender still alive elsewhere keeps its own).
    await store.recover()
    return broadcast


async def confirm(store: Store, text: str, *, include_groups: bool, yes: bool) -> None:
    """Show the recipients and ask, unless `--yes`; refuse when nobody would receive it."""
    count = len(await store.active_chat_ids(include_groups=include_groups))
    if count == 0:
        raise InputError("no active chats to send to")
    if yes:
        return
    if not sys.stdin.isatty():
        raise InputError(f"this would message {count} chats; confirm with --yes")
    print(f"{text}\n\nSend this to {count} chats? [y/N] ", end="", file=sys.stderr, flush=True)
    answer = await asyncio.to_thread(input)
    if answer.strip().lower() not in ("y", "yes"):
        raise InputError("not sent")


async def _run_with_progress(broadcaster: Broadcaster, broadcast: Broadcast) -> BroadcastProgress:
    total = broadcast.sent + broadcast.blocked + broadcast.failed + broadcast.remaining
    with ProgressBar(f"broadcast #{broadcast.id}", total=total) as bar:

        async def show(progress: BroadcastProgress) -> None:
            bar.update(
                progress.sent + progress.blocked + progress.failed,
                note=f"sent {progress.sent}, blocked {progress.blocked}, "
                f"failed {progress.failed}, remaining {progress.remaining}",
            )

        return await broadcaster.run(broadcast.id, show)
