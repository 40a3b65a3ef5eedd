"""The Application's wiring: start-up against a limited Bot API, the error handler, webhooks,
and `newsbot run`."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from bot import config
from bot.cli import main
from bot.cli.run import serve
from bot.tg.app import build_application, running
from tests.fakes import FakeTelegram
from tests.tg_app import USER, ask, subscriber_bot
from tests.tg_harness import bot_config

GROUP = -100900


async def test_a_server_without_set_my_commands_does_not_stop_the_bot(tmp_path: Path) -> None:
    async with FakeTelegram() as tg:
        tg.unsupported.add("setMyCommands")
        async with subscriber_bot(tg, tmp_path):
            answer = await ask(tg, USER, "/help")
            assert "/subscribe" in answer.text
        [refused] = tg.calls_to("setMyCommands")
        assert refused.status == 404


async def test_an_unexpected_failure_is_logged_and_the_user_told_something_went_wrong(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path):
        tg.add_chat({"id": GROUP, "type": "supergroup", "title": "G"})
        tg.fail(500, "Internal Server Error", method="getChatMember")
        answer = await ask(tg, GROUP, "/subscribe anything", user_id=USER)
        assert "something went wrong" in answer.text
        assert f"chat={GROUP}" in caplog.text
        assert "'/subscribe'" in caplog.text
        assert tg.token not in caplog.text
        # The bot keeps serving afterwards.
        assert "/subscribe" in (await ask(tg, USER, "/help")).text


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_webhook_mode_sets_the_webhook_once_and_checks_the_secret(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    async with FakeTelegram() as tg:
        raw = bot_config(
            tg,
            tmp_path,
            telegram={
                "mode": "webhook",
                "webhook": {"url": url, "listen": "127.0.0.1", "port": port},
            },
        )
        settings = config.parse(raw, {config.TOKEN_ENV: tg.token})
        application = build_application(settings)
        async with running(application, settings, secret_token="s3cret-token"):
            [hook] = tg.calls_to("setWebhook")
            assert hook.params["url"] == url
            assert hook.params["secret_token"] == "s3cret-token"
            answer = await ask(tg, USER, "/help")  # pushed by the fake through the webhook
            assert "/subscribe" in answer.text
            async with httpx.AsyncClient() as client:
                forged = await client.post(url, json={"update_id": 99, "message": {}})
            assert forged.status_code == 403
        assert tg.calls_to("getUpdates") == []
        assert len(tg.calls_to("setWebhook")) == 1


def test_newsbot_run_refuses_to_start_without_a_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(config.TOKEN_ENV, raising=False)
    path = tmp_path / "newsbot.yaml"
    path.write_text("telegram:\n  base_url: http://127.0.0.1:9/bot\n", encoding="utf-8")
    assert main(["run", "--config", str(path)]) == 1
    assert "TELEGRAM_BOT_TOKEN" in capsys.readouterr().err


async def test_run_serves_until_stopped(tmp_path: Path) -> None:
    async with FakeTelegram() as tg:
        settings = config.parse(bot_config(tg, tmp_path), {config.TOKEN_ENV: tg.token})
        stop = asyncio.Event()
        task = asyncio.create_task(serve(settings, stop=stop))
        answer = await ask(tg, USER, "/start")
        assert "Hi!" in answer.text
        stop.set()
        await asyncio.wait_for(task, 10)


def test_newsbot_run_in_webhook_mode_requires_the_secret_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(config.TOKEN_ENV, "123:abc")
    monkeypatch.delenv("TELEGRAM_WEBHOOK_SECRET", raising=False)
    path = tmp_path / "newsbot.yaml"
    path.write_text(
        "telegram:\n  mode: webhook\n  webhook:\n    url: https://bot.example/telegram\n",
        encoding="utf-8",
    )
    assert main(["run", "--config", str(path)]) == 1
    assert "TELEGRAM_WEBHOOK_SECRET" in capsys.readouterr().err


def test_newsbot_run_answers_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    """The real command in a child process: it answers /start, logs no token, exits 0."""
    with FakeTelegram().in_thread() as tg:
        path = tmp_path / "newsbot.yaml"
        path.write_text(yaml.safe_dump(bot_config(tg, tmp_path)), encoding="utf-8")
        env = {**os.environ, config.TOKEN_ENV: tg.token}
        child = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", str(path)],
            cwd=Path(__file__).resolve().parent.parent,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            tg.send_message(USER, "/start")
            deadline = time.monotonic() + 30
            while not tg.sent(USER) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert "Hi!" in tg.sent(USER)[0].text
        finally:
            child.send_signal(signal.SIGTERM)
            _, log = child.communicate(timeout=30)
    assert child.returncode == 0, log
    assert tg.token not in log
    assert tg.token.split(":")[1] not in log
