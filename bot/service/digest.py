"""Daily digests: which chats are due, and how their pending posts pack into messages.

Pure arithmetic on chats, times and summaries; `Deliverer.send_digest` does the sending.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.i18n.labels import labels_for
from bot.model import Chat, Delivery, Summary
from bot.text.render import render_digest

# The digest goes out when the chat's local time is within this window after its HH:MM.
DIGEST_WINDOW = timedelta(minutes=10)


def digest_batches(
    rows: list[Delivery], summaries: list[Summary], chat: Chat
) -> list[tuple[str, list[Delivery]]]:
    """The digest's messages, each with the ledger rows it carries, in order.

    Grows a group while `render_digest` still fits it in one message; a group is never more
    than one message's worth, so this stays linear in the number of posts.
    """
    points = chat.settings.points
    labels = labels_for(chat.language)
    batches: list[tuple[str, list[Delivery]]] = []
    group: list[Summary] = []
    owners: list[Delivery] = []
    rendered = ""
    for row, summary in zip(rows, summaries, strict=True):
        attempt = render_digest([*group, summary], max_points=points, labels=labels)
        if len(attempt) == 1 or not group:
            group, rendered = [*group, summary], attempt[0]
            owners.append(row)
            continue
        batches.append((rendered, owners))
        group, owners = [summary], [row]
        rendered = render_digest(group, max_points=points, labels=labels)[0]
    if group:
        batches.append((rendered, owners))
    return batches


def digest_due(chat: Chat, now: datetime) -> bool:
    """Whether `now` falls within `DIGEST_WINDOW` after the chat's local HH:MM."""
    try:
        zone = ZoneInfo(chat.settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    try:
        hour, minute = (int(part) for part in chat.settings.digest_time.split(":", 1))
        at = time(hour, minute)
    except ValueError:
        return False
    local = now.astimezone(zone)
    start = datetime.combine(local.date(), at, tzinfo=zone)
    if start > local:
        start -= timedelta(days=1)
    return local - start < DIGEST_WINDOW
