"""`newsbot config check`: the example passes; a broken config gets one line naming the key."""

import typing
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from bot.cli import main
from bot.config import Settings

EXAMPLE = Path(__file__).resolve().parent.parent / "config" / "newsbot.example.yaml"
SOURCE = "{id: world, name: World, url: 'https://news.example.org/rss'}"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TELEGRAM_BOT_TOKEN", "NEWSBOT_DATABASE_URL", "NEWSBOT_CONFIG"):
        monkeypatch.delenv(name, raising=False)


def check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["config", "check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_example_config_passes_with_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = check(capsys, str(EXAMPLE))
    assert (code, err) == (0, "")
    assert out == (
        f"OK: {EXAMPLE}: 4 sources, 1 channels, 1 admins; telegram polling; database sqlite; "
        "summariser extractive; metrics on 127.0.0.1:9108\n"
    )


def _field_paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    paths = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        paths.append(path)
        annotation = field.annotation
        inner = [a for a in typing.get_args(annotation) if a is not Ellipsis] or [annotation]
        for candidate in inner:
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                paths.extend(_field_paths(candidate, f"{path}."))
    return paths


def _yaml_paths(value: object, prefix: str = "") -> set[str]:
    if isinstance(value, dict):
        found = set()
        for key, inner in value.items():
            found.add(f"{prefix}{key}")
            found |= _yaml_paths(inner, f"{prefix}{key}.")
        return found
    if isinstance(value, list):
        return set().union(*(_yaml_paths(item, prefix) for item in value))
    return set()


def test_the_example_documents_every_key_of_the_settings() -> None:
    """A key added to bot/config.py without a line in the example fails here."""
    text = EXAMPLE.read_text(encoding="utf-8")
    documented = _yaml_paths(yaml.safe_load(text))
    missing = [path for path in _field_paths(Settings) if path not in documented]
    # The token is the one key deliberately absent: it only comes from the environment.
    assert missing == ["telegram.token"]
    assert "# token: do not set here; use the TELEGRAM_BOT_TOKEN" in text


BROKEN = {
    "unknown key": (
        "telegram:\n  mdoe: polling\n",
        "telegram.mdoe: unknown key; check its spelling against config/newsbot.example.yaml",
    ),
    "wrong type": (
        "sources:\n  - {id: world, name: W, url: 'https://a.example/rss', poll_interval: often}\n",
        "sources.0.poll_interval: Input should be a valid integer, unable to parse string as an "
        "integer (got 'often')",
    ),
    "bad URL scheme": (
        "sources:\n  - {id: world, name: W, url: 'ftp://a.example/rss'}\n",
        "sources.0.url: must start with http:// or https://",
    ),
    "URL without a host": (
        "sources:\n  - {id: world, name: W, url: 'https:///rss'}\n",
        "sources.0.url: 'https:///rss' has no host name",
    ),
    "duplicate source id": (
        f"sources:\n  - {SOURCE}\n  - {SOURCE}\n",
        "sources: duplicate source id 'world'",
    ),
    "channel naming an unknown source": (
        f"sources:\n  - {SOURCE}\nchannels:\n  - {{chat: '@news', sources: [world, sport]}}\n",
        "channels: channel 0 (@news): unknown source id 'sport'",
    ),
    "webhook mode without a URL": (
        "telegram:\n  mode: webhook\n",
        "telegram: webhook.url is required when mode is 'webhook'",
    ),
    "value out of range": (
        "metrics:\n  port: 70000\n",
        "metrics.port: Input should be less than or equal to 65535 (got 70000)",
    ),
    "bad choice": (
        "logging:\n  level: LOUD\n",
        "logging.level: Input should be 'DEBUG', 'INFO', 'WARNING' or 'ERROR' (got 'LOUD')",
    ),
    "missing required key": (
        "sources:\n  - {id: world, url: 'https://a.example/rss'}\n",
        "sources.0.name: required key is missing",
    ),
    "bad YAML": (
        "telegram:\n  mode: polling\n   base_url: x\n",
        "not valid YAML at line 3, column 12: mapping values are not allowed here",
    ),
    "not a mapping": ("- just\n- a list\n", "the top level must be a mapping of keys"),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_a_broken_config_gets_one_error_line_naming_the_key(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, expected = BROKEN[case]
    path = tmp_path / "newsbot.yaml"
    path.write_text(text, encoding="utf-8")
    code, out, err = check(capsys, str(path))
    assert code == 1
    assert out == ""
    assert err == f"newsbot: error: {path}: {expected}\n"


def test_several_problems_are_counted_on_the_same_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "newsbot.yaml"
    path.write_text("fetch:\n  retries: many\n  max_redirects: -1\n", encoding="utf-8")
    code, _, err = check(capsys, str(path))
    assert code == 1
    assert err.count("\n") == 1
    assert err.endswith("(and 1 more problem)\n")


def test_a_missing_token_is_an_error_only_when_required(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert check(capsys, str(EXAMPLE))[0] == 0
    code, _, err = check(capsys, str(EXAMPLE), "--require-token")
    assert code == 1
    assert err == (
        "newsbot: error: telegram.token: missing; set the TELEGRAM_BOT_TOKEN environment variable\n"
    )


def test_the_token_comes_from_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "123456789:AAFakeTokenForTests_abcdefghijklmnopqrs"
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)
    code, out, _ = check(capsys, str(EXAMPLE), "--require-token")
    assert code == 0
    assert token not in out


def test_a_malformed_token_is_not_echoed_in_the_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "newsbot.yaml"
    path.write_text("telegram:\n  token: [123456789, AAsecretpart]\n", encoding="utf-8")
    code, _, err = check(capsys, str(path))
    assert code == 1
    assert err.startswith(f"newsbot: error: {path}: telegram.token: ")
    assert "AAsecretpart" not in err


def test_newsbot_config_names_the_file_when_none_is_given(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSBOT_CONFIG", str(EXAMPLE))
    code, out, _ = check(capsys)
    assert code == 0
    assert out.startswith(f"OK: {EXAMPLE}: ")


def test_no_file_and_no_environment_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = check(capsys)
    assert code == 1
    assert err == "newsbot: error: no config file given and $NEWSBOT_CONFIG is not set\n"


def test_the_database_url_comes_from_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSBOT_DATABASE_URL", "postgresql+asyncpg://newsbot:pw@db/newsbot")
    code, out, _ = check(capsys, str(EXAMPLE))
    assert code == 0
    assert "database postgresql;" in out


def test_a_missing_file_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = check(capsys, str(tmp_path / "nope.yaml"))
    assert code == 1
    assert err == f"newsbot: error: {tmp_path / 'nope.yaml'}: file not found\n"


def test_webhook_mode_also_requires_its_secret_when_secrets_are_required(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456789:AAFakeTokenForTests_abcdefghijklmnopqrs")
    monkeypatch.delenv("TELEGRAM_WEBHOOK_SECRET", raising=False)
    path = tmp_path / "newsbot.yaml"
    path.write_text(
        "telegram:\n  mode: webhook\n  webhook: {url: 'https://bot.example.org/telegram'}\n",
        encoding="utf-8",
    )
    assert check(capsys, str(path))[0] == 0
    code, _, err = check(capsys, str(path), "--require-token")
    assert code == 1
    assert err == (
        "newsbot: error: telegram.webhook: webhook mode needs a secret token in "
        "$TELEGRAM_WEBHOOK_SECRET\n"
    )
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "a-long-random-secret")
    assert check(capsys, str(path), "--require-token")[0] == 0
