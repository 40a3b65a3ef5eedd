"""Bad input, a bad config, a rejected token or an unreachable server give one line on stderr
and a non-zero exit: never a traceback, never the token."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot import config
from bot.cli import main
from tests.fakes.telegram_api import FakeTelegram
from tests.tg_harness import bot_config

ROOT = Path(__file__).resolve().parent.parent


def newsbot(
    *argv: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def one_error_line(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [f"newsbot: error: {expected}"], result.stderr


def test_run_with_a_rejected_token_says_so_in_one_line_without_the_token(tmp_path: Path) -> None:
    with FakeTelegram().in_thread() as tg:
        path = tmp_path / "newsbot.yaml"
        path.write_text(yaml.safe_dump(bot_config(tg, tmp_path)), encoding="utf-8")
        token = "123:WRONGsecretPART"
        result = newsbot("run", "--config", str(path), env={**os.environ, config.TOKEN_ENV: token})
    one_error_line(result, "Telegram rejected the bot token (TELEGRAM_BOT_TOKEN)")
    assert "WRONGsecretPART" not in result.stdout + result.stderr


def test_run_with_an_unreachable_bot_api_says_so_in_one_line(tmp_path: Path) -> None:
    with FakeTelegram().in_thread() as tg:
        raw = bot_config(tg, tmp_path)
        token = tg.token
    raw["telegram"]["base_url"] = "http://127.0.0.1:9/bot"
    path = tmp_path / "newsbot.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    result = newsbot("run", "--config", str(path), env={**os.environ, config.TOKEN_ENV: token})
    one_error_line(result, "cannot reach the Bot API at http://127.0.0.1:9/bot")
    assert token.split(":")[1] not in result.stdout + result.stderr


def test_poll_against_an_unreachable_database_is_one_line_and_migrations_are_quiet(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "TELEGRAM_"))}
    path = tmp_path / "newsbot.yaml"
    path.write_text(
        "database:\n  url: postgresql+asyncpg://nobody@127.0.0.1:9/none\n", encoding="utf-8"
    )
    result = newsbot("poll", "--once", "--no-deliver", "--config", str(path), env=env)
    assert result.returncode == 1
    assert result.stderr.startswith("newsbot: error: cannot open the database"), result.stderr
    fresh = tmp_path / "fresh.yaml"
    fresh.write_text(f"database:\n  url: sqlite+aiosqlite:///{tmp_path / 'x.db'}\n")
    result = newsbot("poll", "--once", "--no-deliver", "--config", str(fresh), env=env)
    assert result.returncode == 0, result.stderr
    assert "alembic" not in result.stderr


def test_demo_html_into_a_missing_folder_is_refused_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "missing" / "preview.html"
    assert main(["demo", "--html", str(target)]) == 1
    out, err = capsys.readouterr()
    assert err == f"newsbot: error: --html {target}: the folder {target.parent} does not exist\n"
    assert out == ""


@pytest.mark.parametrize(
    ("yaml_text", "environ", "expected"),
    [
        (
            "database:\n  url: sqlite:///x.db\n",
            {},
            "database.url: sqlite:// has no async driver; write sqlite+aiosqlite:// instead",
        ),
        (
            "database:\n  url: postgres://user:hunter2@db/news\n",
            {},
            "database.url: postgres:// has no async driver; write postgresql+asyncpg:// instead",
        ),
        (
            "{}\n",
            {config.TOKEN_ENV: "not-a-token"},
            "telegram.token: $TELEGRAM_BOT_TOKEN is not a bot token "
            "(digits, a colon, then letters, digits, - or _)",
        ),
        (
            "{}\n",
            {config.DATABASE_URL_ENV: "postgresql://u:hunter2@db/news"},
            "database.url: postgresql:// has no async driver; write postgresql+asyncpg:// instead",
        ),
    ],
    ids=["sqlite-sync", "postgres-scheme", "token-shape", "env-url"],
)
def test_config_check_reports_what_run_would_reject(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    yaml_text: str,
    environ: dict[str, str],
    expected: str,
) -> None:
    for name in (config.TOKEN_ENV, config.DATABASE_URL_ENV, config.CONFIG_PATH_ENV):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    path = tmp_path / "newsbot.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    assert main(["config", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert err == f"newsbot: error: {path}: {expected}\n"
    assert "hunter2" not in err
    assert "not-a-token" not in err


BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9 if prev else ['lol'] * 9)}]\n"
    for prev, name in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
).replace("i: &i", "admins: &i")


def test_an_alias_bomb_is_refused_fast(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != config.CONFIG_PATH_ENV}
    result = newsbot("config", "check", str(path), env=env, timeout=30)
    assert result.returncode == 1
    assert "aliases expand to more than 100000 values" in result.stderr
    assert len(result.stderr) < 300


def test_a_self_referencing_alias_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("admins: &x [1, *x]\n", encoding="utf-8")
    with pytest.raises(config.ConfigError, match="into themselves"):
        config.load(path, {})
