"""The one Telegram-error policy: real Bot API error bodies become our typed delivery errors."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from telegram.error import RetryAfter
from telegram.warnings import PTBDeprecationWarning

from bot.cli import PTB_TIMEDELTA, main
from bot.errors import (
    ChatGoneError,
    ChatMigratedError,
    DeliveryError,
    DeliveryRejectedError,
    RetryLaterError,
    TelegramUnavailableError,
)
from bot.ops import metrics
from bot.service.ports import Button
from bot.tg.messenger import translate
from tests.fakes.telegram_api import FakeTelegram
from tests.tg_harness import messenger_for


def errors_of(kind: str) -> float:
    return metrics.REGISTRY.get_sample_value("newsbot_telegram_errors_total", {"kind": kind}) or 0


@pytest.mark.parametrize(
    ("arrange", "expected", "kind"),
    [
        (lambda tg: tg.block(10), ChatGoneError, "forbidden"),
        (lambda tg: tg.chat_not_found(10), ChatGoneError, "bad_request"),
        (lambda tg: tg.retry_after(3, chat_id=10), RetryLaterError, "retry_after"),
        (lambda tg: tg.migrate(10, -100777), ChatMigratedError, "chat_migrated"),
        (
            lambda tg: tg.fail(500, "Internal Server Error", chat_id=10),
            TelegramUnavailableError,
            "network",
        ),
        (
            lambda tg: tg.fail(400, "Bad Request: can't parse entities", chat_id=10),
            DeliveryRejectedError,
            "bad_request",
        ),
    ],
)
async def test_telegram_errors_map_to_one_policy_each(
    arrange: object, expected: type[DeliveryError], kind: str
) -> None:
    async with FakeTelegram() as tg, messenger_for(tg) as messenger:
        arrange(tg)  # type: ignore[operator]
        before = errors_of(kind)
        with pytest.raises(expected) as caught:
            await messenger.send(10, "hello")
        assert errors_of(kind) == before + 1
    if isinstance(caught.value, RetryLaterError):
        assert caught.value.retry_after == 3
    if isinstance(caught.value, ChatMigratedError):
        assert caught.value.new_chat_id == -100777


@pytest.mark.filterwarnings("error::telegram.warnings.PTBDeprecationWarning")
async def test_a_429_becomes_retry_later_without_ptb_deprecation_warnings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Opted in to PTB's timedelta periods (as `newsbot` does), neither PTB nor we warn."""
    monkeypatch.setenv(PTB_TIMEDELTA, "true")
    async with FakeTelegram() as tg, messenger_for(tg) as messenger:
        tg.retry_after(2, chat_id=10)
        with pytest.raises(RetryLaterError) as caught:
            await messenger.send(10, "hello")
    assert caught.value.retry_after == 2
    assert translate(RetryAfter(timedelta(seconds=1.5))).retry_after == 1.5


def test_newsbot_opts_the_process_in_to_timedelta_periods_unless_the_operator_chose(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only the CLI writes the environment: the messenger itself never does."""
    article = str(Path(__file__).parent.parent / "bot/samples/articles/harbour-bridge.txt")
    monkeypatch.delenv(PTB_TIMEDELTA, raising=False)
    assert main(["summarize", article]) == 0
    assert os.environ[PTB_TIMEDELTA] == "true"
    monkeypatch.setenv(PTB_TIMEDELTA, "false")
    assert main(["summarize", article]) == 0
    assert os.environ[PTB_TIMEDELTA] == "false"


def test_retry_after_as_an_int_still_reads_when_the_operator_opts_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PTB_TIMEDELTA, "false")
    with pytest.warns(PTBDeprecationWarning):  # PTB's own warning, the operator's choice
        error = translate(RetryAfter(4))
    assert error.retry_after == 4


async def test_a_message_over_the_length_limit_is_rejected_not_retried() -> None:
    async with FakeTelegram() as tg, messenger_for(tg) as messenger:
        with pytest.raises(DeliveryRejectedError):
            await messenger.send(10, "x" * 5000)


async def test_send_returns_the_message_id_and_passes_thread_preview_and_buttons() -> None:
    async with FakeTelegram() as tg, messenger_for(tg) as messenger:
        keyboard = ((Button("Open", url="https://example.org/"), Button("More", data="m:1")),)
        message_id = await messenger.send(
            -100555, "<b>hi</b>", thread_id=7, link_preview=True, reply_markup=keyboard
        )
        call = tg.sent(-100555)[0]
        assert call.result["message_id"] == message_id
        assert call.params["message_thread_id"] == 7
        assert call.params["link_preview_options"] == {"is_disabled": False}
        buttons = call.params["reply_markup"]["inline_keyboard"][0]
        assert [b.get("url") or b.get("callback_data") for b in buttons] == [
            "https://example.org/",
            "m:1",
        ]


async def test_editing_to_the_same_text_is_not_an_error() -> None:
    async with FakeTelegram() as tg, messenger_for(tg) as messenger:
        message_id = await messenger.send(10, "status: 1")
        await messenger.edit(10, message_id, "status: 2")
        await messenger.edit(10, message_id, "status: 2")
        assert tg.last_message(10)["text"] == "status: 2"
        with pytest.raises(DeliveryRejectedError):
            await messenger.edit(10, 999, "no such message")
