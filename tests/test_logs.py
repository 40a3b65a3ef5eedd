"""Logging: one line per record in the chosen format, and no secret ever reaches the output."""

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest
from pytest_httpserver import HTTPServer

from bot.config import LoggingSettings
from bot.ops.logs import CHATTY_LOGGERS, SECRETS, redact, register_secret, setup_logging

FAKE_TOKEN = "123456789:AAFakeTokenForTests_abcdefghijklmnopqrs"
API_KEY = "sk-local-very-secret-key"


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    """Where the installed handler writes; logging is restored afterwards."""
    root = logging.getLogger()
    saved_level = root.level
    saved_chatty = {name: logging.getLogger(name).level for name in CHATTY_LOGGERS}
    buffer = io.StringIO()
    yield buffer
    for handler in [h for h in root.handlers if h.get_name() == "newsbot"]:
        root.removeHandler(handler)
    root.setLevel(saved_level)
    for name, level in saved_chatty.items():
        logging.getLogger(name).setLevel(level)
    logging.captureWarnings(False)
    SECRETS.clear()


def install(buffer: io.StringIO, **settings: str) -> None:
    setup_logging(LoggingSettings(**settings), secrets=[FAKE_TOKEN, API_KEY], stream=buffer)


def test_httpx_request_logging_never_shows_the_token(
    output: io.StringIO, httpserver: HTTPServer
) -> None:
    """httpx logs the full /bot<token>/ URL at INFO; the line is kept but the token is gone."""
    httpserver.expect_request(f"/bot{FAKE_TOKEN}/getMe").respond_with_json({"ok": True})
    install(output, level="DEBUG", library_level="DEBUG")
    with httpx.Client() as client:
        response = client.get(httpserver.url_for(f"/bot{FAKE_TOKEN}/getMe"))
    assert response.status_code == 200
    text = output.getvalue()
    assert "HTTP Request: GET" in text
    assert "/bot<redacted>/getMe" in text
    assert FAKE_TOKEN not in text
    assert FAKE_TOKEN.split(":")[1] not in text


async def test_async_httpx_errors_with_the_token_in_the_url_are_redacted(
    output: io.StringIO,
) -> None:
    """A connection failure's traceback names the URL; the formatted exception is scrubbed too."""
    install(output, level="DEBUG", library_level="DEBUG", format="json")
    log = logging.getLogger("bot.tg.test")
    async with httpx.AsyncClient() as client:
        try:
            await client.get(f"http://127.0.0.1:9/bot{FAKE_TOKEN}/sendMessage")
        except httpx.HTTPError as exc:
            log.exception("request to %s failed", exc.request.url)
    lines = [json.loads(line) for line in output.getvalue().splitlines()]
    failure = next(line for line in lines if line["logger"] == "bot.tg.test")
    assert "/bot<redacted>/sendMessage" in failure["msg"]
    assert "Traceback" in failure["exc"]
    assert FAKE_TOKEN not in output.getvalue()


def test_registered_secrets_are_redacted_from_messages_args_and_extras(
    output: io.StringIO,
) -> None:
    install(output)
    logging.getLogger("bot.llm").warning(
        "calling with key %s", API_KEY, extra={"header": f"Bearer {API_KEY}"}
    )
    text = output.getvalue()
    assert API_KEY not in text
    assert 'msg="calling with key <redacted>"' in text
    assert 'header="Bearer <redacted>"' in text


def test_database_url_passwords_are_redacted() -> None:
    assert (
        redact("connecting to postgresql+asyncpg://newsbot:hunter2secret@db:5432/newsbot")
        == "connecting to postgresql+asyncpg://newsbot:<redacted>@db:5432/newsbot"
    )


def test_percent_encoded_secrets_are_redacted(output: io.StringIO) -> None:
    register_secret("p@ss/word+1")
    assert redact("url?key=p%40ss%2Fword%2B1&x=1") == "url?key=<redacted>&x=1"


def test_short_values_are_not_treated_as_secrets(output: io.StringIO) -> None:
    """Registering an empty or tiny value must not shred every line."""
    register_secret("")
    register_secret("ab")
    assert redact("a harmless line about abc") == "a harmless line about abc"


def test_key_value_format_writes_one_line_per_record_with_quoted_values(
    output: io.StringIO,
) -> None:
    install(output, level="INFO")
    logging.getLogger("bot.service.poll").info("polled %d feeds", 3, extra={"feed": "ex ample"})
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("bot.service.poll").exception("cycle failed")
    lines = output.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("ts=")
    assert 'level=INFO logger=bot.service.poll msg="polled 3 feeds" feed="ex ample"' in lines[0]
    assert "exc=" in lines[1]
    assert "ValueError: boom" in lines[1]


def test_json_format_writes_parseable_objects(output: io.StringIO) -> None:
    install(output, format="json")
    logging.getLogger("bot").warning("feed %s failing", "x", extra={"failures": 3})
    record = json.loads(output.getvalue())
    assert record["level"] == "WARNING"
    assert record["msg"] == "feed x failing"
    assert record["failures"] == 3
    assert record["ts"].endswith("Z")


def test_httpx_is_quiet_by_default(output: io.StringIO, httpserver: HTTPServer) -> None:
    """At the default library level, per-request INFO lines are not written at all."""
    httpserver.expect_request("/ping").respond_with_data("ok")
    install(output, level="DEBUG")
    httpx.get(httpserver.url_for("/ping"))
    assert "HTTP Request" not in output.getvalue()
    assert logging.getLogger("httpx").level == logging.WARNING


def test_setup_twice_keeps_a_single_handler(output: io.StringIO) -> None:
    install(output)
    install(output)
    logging.getLogger("bot").warning("once")
    assert output.getvalue().count("once") == 1


def test_unregistered_token_shaped_strings_are_redacted(output: io.StringIO) -> None:
    """A token nobody registered (another bot's, a pasted one) is still recognised by its shape."""
    setup_logging(LoggingSettings(), stream=output)
    other = "987654321:BBsomeOtherBotsTokenValue_0123456789xyz"
    logging.getLogger("bot").warning("user pasted %s", other)
    assert other not in output.getvalue()
    assert "user pasted <redacted>" in output.getvalue()
