"""`newsbot broadcast` from the shell: real store, real Broadcaster, fake Telegram Bot API."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegram, TelegramError
from tests.test_broadcast_restart import KillingTelegram
from tests.tg_harness import add_private_chats, bot_config, sends_per_chat, sqlite_store

CHATS = list(range(3001, 3031))
BLOCKED = {3005, 3017, 3029}
GROUP = -100777


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSBOT_CONFIG", raising=False)
    monkeypatch.delenv("NEWSBOT_DATABASE_URL", raising=False)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", DEFAULT_TOKEN)


def write_config(tg: FakeTelegram, folder: Path, rate: float = 200) -> Path:
    raw = bot_config(tg, folder, telegram={"global_rate": rate, "per_chat_interval": 0})
    raw["logging"] = {"level": "WARNING"}
    path = folder / "newsbot.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


async def seed(folder: Path) -> None:
    async with sqlite_store(folder, "bot.db") as store:
        await add_private_chats(store, CHATS)
        await store.upsert_chat(GROUP, "supergroup", title="Readers")


async def active(folder: Path) -> set[int]:
    async with sqlite_store(folder, "bot.db") as store:
        return set(await store.active_chat_ids(include_groups=True))


def test_broadcast_reaches_each_active_chat_once_and_switches_off_blocked_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(seed(tmp_path))
    with FakeTelegram().in_thread() as tg:
        for chat_id in BLOCKED:
            tg.block(chat_id)
        config = write_config(tg, tmp_path)

        assert (
            main(["broadcast", "<b>Maintenance</b> tonight", "--yes", "--config", str(config)]) == 0
        )

        out, err = capsys.readouterr()
        per_chat = sends_per_chat(tg, "Maintenance")
    assert out == "broadcast #1 done: 27 sent, 3 blocked, 0 failed, 0 remaining\n"
    assert set(per_chat) == set(CHATS) - BLOCKED  # the group only with --include-groups
    assert set(per_chat.values()) == {1}
    assert "\r" not in err
    lines = err.splitlines()
    assert all(line.startswith("broadcast #1: ") for line in lines), err
    assert lines[-2] == "broadcast #1: 30/30 (100%) sent 27, blocked 3, failed 0, remaining 0"
    assert lines[-1].startswith("broadcast #1: done, 30/30 (100%) in ")
    assert asyncio.run(active(tmp_path)) == (set(CHATS) - BLOCKED) | {GROUP}


def test_include_groups_adds_groups_and_the_text_can_come_from_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(seed(tmp_path))
    message = tmp_path / "message.html"
    message.write_text("Hello from <i>the file</i>\n", encoding="utf-8")
    with FakeTelegram().in_thread() as tg:
        config = write_config(tg, tmp_path)

        flags = ["--include-groups", "--yes", "--config", str(config)]
        code = main(["broadcast", "--file", str(message), *flags])

        assert code == 0
        per_chat = sends_per_chat(tg, "the file")
    assert (
        capsys.readouterr().out == "broadcast #1 done: 31 sent, 0 blocked, 0 failed, 0 remaining\n"
    )
    assert set(per_chat) == {*CHATS, GROUP}
    assert set(per_chat.values()) == {1}


MARK = "resumable broadcast"
RUNNING = (
    r"broadcast #1: (1[2-9]|2\d)/30 \(\d+%\) sent \d+, blocked 0, failed 0, remaining [1-9]\d?"
)
INTERRUPT_AT = 12


class InterruptingTelegram(KillingTelegram):
    """Sends SIGINT (Ctrl-C) to `victim` when the `INTERRUPT_AT`-th broadcast message arrives.

    Like the restart test's server it first waits until the victim has recorded every earlier
    message; then it refuses that message and any other until `refusing` is cleared, so
    Telegram accepted exactly what the store says was sent.
    """

    refusing = False

    async def _call(self, method: str, params: Any, uploads: Any) -> Any:
        if method == "sendMessage" and MARK in str(params.get("text")):
            if self.refusing:
                raise TelegramError(502, "Bad Gateway")
            self.seen += 1
            if self.seen == INTERRUPT_AT and self.victim is not None:
                for _ in range(500):
                    if self._recorded() >= INTERRUPT_AT - 1:
                        break
                    await asyncio.sleep(0.01)
                self.refusing = True
                self.victim.send_signal(signal.SIGINT)
                raise TelegramError(502, "Bad Gateway")
        return await FakeTelegram._call(self, method, params, uploads)


def test_an_interrupted_broadcast_resumes_and_messages_nobody_twice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(seed(tmp_path))
    tg = InterruptingTelegram(tmp_path / "bot.db")
    with tg.in_thread():
        config = write_config(tg, tmp_path, rate=20)
        first = subprocess.Popen(
            [sys.executable, "-m", "bot", "broadcast", MARK, "--yes", "--config", str(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN},
        )
        tg.victim = first
        out, err = first.communicate(timeout=60)
        assert first.returncode == 130, err.decode()
        assert out == b""
        assert err.decode().splitlines()[-1] == (
            "broadcast #1 interrupted; carry on with `newsbot broadcast --resume 1`"
        )
        assert len(sends_per_chat(tg, MARK)) == INTERRUPT_AT - 1
        tg.refusing = False
        started = time.monotonic()

        assert main(["broadcast", "--resume", "1", "--config", str(config)]) == 0

        resumed_in = time.monotonic() - started
        per_chat = sends_per_chat(tg, MARK)
    out, err = capsys.readouterr()
    assert out == "broadcast #1 done: 30 sent, 0 blocked, 0 failed, 0 remaining\n"
    # Plain progress lines while it runs (20 messages a second, a snapshot every 0.5 s).
    running = [line for line in err.splitlines() if re.fullmatch(RUNNING, line)]
    assert running, err
    assert set(per_chat) == set(CHATS)
    assert set(per_chat.values()) == {1}, {c: n for c, n in per_chat.items() if n > 1}
    assert resumed_in < 10  # the interrupted run's leases were released, not waited out


def test_resuming_a_finished_broadcast_sends_nothing_more(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(seed(tmp_path))
    with FakeTelegram().in_thread() as tg:
        config = str(write_config(tg, tmp_path))
        assert main(["broadcast", "once only", "--yes", "--config", config]) == 0
        capsys.readouterr()

        assert main(["broadcast", "--resume", "1", "--config", config]) == 0

        assert len(tg.sent()) == len(CHATS)
    assert (
        capsys.readouterr().out == "broadcast #1 done: 30 sent, 0 blocked, 0 failed, 0 remaining\n"
    )


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--file", "{tmp}/missing.txt", "--yes"], "{tmp}/missing.txt: file not found"),
        (["--yes"], "give the message as TEXT or --file F (one of them)"),
        (["   ", "--yes"], "the message is empty"),
        (["--resume", "9"], "there is no broadcast #9"),
        (
            ["--resume", "1", "text"],
            "--resume ID takes no TEXT or --file: the broadcast keeps its text",
        ),
        (["hello"], "this would message 30 chats; confirm with --yes"),
    ],
)
def test_bad_input_is_one_line_and_exit_1_and_sends_nothing(
    args: list[str], error: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(seed(tmp_path))
    with FakeTelegram().in_thread() as tg:
        config = str(write_config(tg, tmp_path))
        argv = [a.format(tmp=tmp_path) for a in args]

        assert main(["broadcast", *argv, "--config", config]) == 1

        assert tg.sent() == []
    assert capsys.readouterr().err == f"newsbot: error: {error.format(tmp=tmp_path)}\n"


def test_a_missing_token_is_one_line_and_creates_no_broadcast(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(seed(tmp_path))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    with FakeTelegram().in_thread() as tg:
        config = str(write_config(tg, tmp_path))

        assert main(["broadcast", "hello", "--yes", "--config", config]) == 1

    assert capsys.readouterr().err == (
        "newsbot: error: telegram.token: missing; set the TELEGRAM_BOT_TOKEN environment variable\n"
    )
    with sqlite3.connect(tmp_path / "bot.db") as db:
        assert db.execute("SELECT count(*) FROM broadcasts").fetchone() == (0,)
