"""Broadcast drafts live in the store: any instance acts on a press, only the author confirms,
and a failed cosmetic edit never keeps a confirmed broadcast from running."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.service.deliver import utcnow
from bot.store import Store
from tests.fakes.telegram_api import FakeTelegram
from tests.tg_harness import ADMIN, bot_config, eventually, running_bot, sends_per_chat, store_of

CHATS = [31, 32, 33]
OTHER_ADMIN = 4343
UNLIMITED = {"global_rate": 1000, "per_chat_interval": 0}


async def test_only_the_author_confirms_a_draft_and_only_once(store: Store) -> None:
    await store.upsert_chat(31, "private")
    draft = await store.save_broadcast_draft(ADMIN, "hello <b>all</b>")
    assert await store.get_broadcast_draft(draft.key) == draft

    assert await store.confirm_broadcast_draft(draft.key, OTHER_ADMIN) is None
    assert await store.drop_broadcast_draft(draft.key, OTHER_ADMIN) is False
    created = await store.confirm_broadcast_draft(draft.key, ADMIN)
    assert created is not None
    assert (created.text, created.author_id, created.remaining) == ("hello <b>all</b>", ADMIN, 1)
    assert await store.confirm_broadcast_draft(draft.key, ADMIN) is None
    assert await store.get_broadcast_draft(draft.key) is None
    assert [b.id for b in await store.unfinished_broadcasts()] == [created.id]


async def test_drafts_are_dropped_by_their_author_and_pruned_when_old(store: Store) -> None:
    kept = await store.save_broadcast_draft(ADMIN, "kept")
    dropped = await store.save_broadcast_draft(ADMIN, "dropped")
    old = await store.save_broadcast_draft(ADMIN, "old", now=utcnow() - timedelta(days=3))
    assert await store.drop_broadcast_draft(dropped.key, ADMIN) is True
    await store.prune(utcnow() - timedelta(days=1))
    assert await store.get_broadcast_draft(kept.key) == kept
    assert await store.get_broadcast_draft(dropped.key) is None
    assert await store.get_broadcast_draft(old.key) is None


def _config(tg: FakeTelegram, folder: Path, url: str) -> dict[str, Any]:
    raw = bot_config(tg, folder, telegram=UNLIMITED, database={"url": url})
    raw["admins"] = [ADMIN, OTHER_ADMIN]
    return raw


async def _preview(tg: FakeTelegram, text: str) -> tuple[dict[str, Any], list[str]]:
    tg.send_message(ADMIN, f"/broadcast {text}")
    calls = await tg.wait_for(lambda c: "Send it?" in c.text and c.ok)
    message = calls[0].result
    return message, [row[0]["callback_data"] for row in message["reply_markup"]["inline_keyboard"]]


async def test_a_preview_made_on_one_instance_is_sent_by_a_press_on_another(
    tmp_path: Path, store_url: str
) -> None:
    """Behind a balancer the press reaches the other instance; only the author may send."""
    async with (
        FakeTelegram() as one,
        FakeTelegram() as two,
        running_bot(_config(one, tmp_path / "a", store_url)) as first,
        running_bot(_config(two, tmp_path / "b", store_url)),
    ):
        for chat_id in CHATS:
            await store_of(first).upsert_chat(chat_id, "private")
        message, (send, _drop) = await _preview(one, "across instances")

        two.press_button(message, send, user_id=OTHER_ADMIN)
        await two.wait_for(lambda c: c.method == "answerCallbackQuery")
        assert await store_of(first).unfinished_broadcasts() == []

        two.press_button(message, send, user_id=ADMIN)
        await two.wait_for(lambda c: "Broadcast finished" in c.text, timeout=20)
        two.press_button(message, send, user_id=ADMIN)  # a second press sends nothing
        await two.wait_for(lambda c: "expired" in c.text)

    refusal = next(c for c in two.calls if c.method == "answerCallbackQuery")
    assert "Only the admin who wrote" in str(refusal.params.get("text"))
    assert sends_per_chat(two, "across instances") == dict.fromkeys(CHATS, 1) | {ADMIN: 1}
    assert sends_per_chat(one, "across instances") == {ADMIN: 1}  # the preview only


@pytest.mark.parametrize(
    ("code", "description"),
    [
        (400, "Bad Request: message to edit not found"),
        (400, "Bad Request: message can't be edited"),
        (429, "Too Many Requests: retry after 1"),
        (502, "Bad Gateway"),
    ],
)
async def test_a_failed_status_edit_never_keeps_a_confirmed_broadcast_from_running(
    tmp_path: Path, code: int, description: str
) -> None:
    async with (
        FakeTelegram() as tg,
        running_bot(bot_config(tg, tmp_path, telegram=UNLIMITED)) as app,
    ):
        for chat_id in CHATS:
            await store_of(app).upsert_chat(chat_id, "private")
        message, (send, _drop) = await _preview(tg, "edits may fail")
        parameters = {"retry_after": 1} if code == 429 else None
        tg.fail(code, description, method="editMessageText", parameters=parameters)
        tg.fail(code, description, method="answerCallbackQuery", parameters=parameters)
        tg.press_button(message, send, user_id=ADMIN)

        await eventually(
            lambda: store_of(app).get_broadcast(1),
            lambda b: b is not None and b.status == "done",
            timeout=20,
        )
        if code == 400:  # the preview cannot be edited: a fresh status message says how it went
            await tg.wait_for(lambda c: c.method == "sendMessage" and "finished" in c.text)

    assert sends_per_chat(tg, "edits may fail") == dict.fromkeys(CHATS, 1) | {ADMIN: 2}
