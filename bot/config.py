"""Load and validate newsbot's YAML configuration, with environment overrides for secrets.

`load(path, environ)` returns frozen `Settings` or raises `ConfigError` whose message names the
offending key path and a hint, so an operator sees one clear line before anything starts.
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.errors import ConfigError
from bot.i18n import LANGUAGES
from bot.model import DEFAULT_POINTS, MAX_POINTS, MIN_POINTS

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"  # noqa: S105 - the variable's name, not a secret
DATABASE_URL_ENV = "NEWSBOT_DATABASE_URL"
CONFIG_PATH_ENV = "NEWSBOT_CONFIG"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WebhookSettings(_Section):
    url: str | None = None
    listen: str = "0.0.0.0"  # noqa: S104 - a webhook server must listen beyond loopback
    port: int = Field(default=8443, ge=1, le=65535)
    # Name of the environment variable holding the secret token Telegram echoes back.
    secret_token_env: str = "TELEGRAM_WEBHOOK_SECRET"  # noqa: S105 - a variable name
    path: str = "telegram"


# What a @BotFather token looks like: the bot's numeric id, a colon, then the secret part.
_TOKEN = re.compile(r"^[0-9]{1,20}:[A-Za-z0-9_-]{1,128}$")
# Database URL schemes the store can open (both drivers are async).
DATABASE_SCHEMES = ("sqlite+aiosqlite", "postgresql+asyncpg")
_SCHEME_FIXES = {
    "sqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
}
# Values a config file may hold once its YAML aliases are expanded: plenty for any real
# catalogue, far too few for a "billion laughs" document that expands exponentially.
MAX_YAML_NODES = 100_000


class TelegramSettings(_Section):
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    mode: Literal["polling", "webhook"] = "polling"
    webhook: WebhookSettings = WebhookSettings()
    link_preview: bool = False
    # Read from TELEGRAM_BOT_TOKEN; never written in the file.
    token: SecretStr | None = None
    # Messages per second across all chats (Telegram allows about 30).
    global_rate: float = Field(default=29.0, gt=0, le=1000)
    per_chat_interval: float = Field(default=1.0, ge=0)
    group_per_minute: int = Field(default=20, ge=1)
    # Broadcasts pay Telegram (Stars per message beyond the free 30/s) to go up to 1,000/s.
    paid_broadcast: bool = False

    @field_validator("token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _TOKEN.match(value.get_secret_value()):
            raise ValueError(
                f"${TOKEN_ENV} is not a bot token (digits, a colon, then letters, digits, - or _)"
            )
        return value

    @model_validator(mode="after")
    def _webhook_needs_url(self) -> TelegramSettings:
        if self.mode == "webhook" and not self.webhook.url:
            raise ValueError("webhook.url is required when mode is 'webhook'")
        return self


class SourceSettings(_Section):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    name: str = Field(min_length=1)
    url: str
    category: str | None = None
    poll_interval: int = Field(default=900, ge=5)
    language: str | None = None

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        if not urlsplit(value).hostname:
            raise ValueError(f"{value!r} has no host name")
        return value


class ChannelSettings(_Section):
    chat: str | int
    sources: tuple[str, ...] = ()
    points: int = Field(default=DEFAULT_POINTS, ge=MIN_POINTS, le=MAX_POINTS)
    hashtags: bool = False
    link_preview: bool = False
    # The posts' labels ("Source", "via") in this language: en, uk, ru, de, es or fr.
    language: str | None = None

    @field_validator("language")
    @classmethod
    def _shipped_language(cls, value: str | None) -> str | None:
        if value is not None and value not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        return value


class FetchSettings(_Section):
    allow_private_networks: bool = False
    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=20.0, gt=0)
    total_timeout: float = Field(default=30.0, gt=0)
    max_body_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    max_redirects: int = Field(default=5, ge=0, le=20)
    user_agent: str = "newsbot/0.1 (+https://github.com/newsbot/newsbot)"
    max_connections: int = Field(default=50, ge=1)
    per_host_connections: int = Field(default=4, ge=1)
    retries: int = Field(default=2, ge=0, le=10)
    # Honour HTTP(S)_PROXY from the environment; off so a proxy cannot bypass address checks.
    trust_env: bool = False
    # Worker processes that parse feeds in parallel (0: a thread, fine for small catalogues).
    parse_processes: int = Field(default=0, ge=0, le=16)


class DatabaseSettings(_Section):
    url: str = "sqlite+aiosqlite:///data/newsbot.db"
    retention_days: int = Field(default=30, ge=1)

    @field_validator("url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        scheme = value.split("://", 1)[0].lower() if "://" in value else ""
        if scheme in DATABASE_SCHEMES:
            return value
        if fix := _SCHEME_FIXES.get(scheme):
            raise ValueError(f"{scheme}:// has no async driver; write {fix}:// instead")
        raise ValueError(
            "must start with sqlite+aiosqlite:/// (a file) or postgresql+asyncpg:// (a server)"
        )


class LLMSettings(_Section):
    base_url: str = "http://127.0.0.1:11434/v1"
    model: str = "qwen2.5:7b"
    api_key_env: str | None = "OPENAI_API_KEY"
    timeout: float = Field(default=20.0, gt=0)
    temperature: float = Field(default=0.0, ge=0, le=2)
    max_concurrency: int = Field(default=2, ge=1)
    max_input_chars: int = Field(default=12000, ge=500)
    # None: summarise in the article's own language.
    language: str | None = None
    daily_budget: int = Field(default=1000, ge=0)
    # Structured output: json_schema (OpenAI, recent Ollama/vLLM/llama.cpp), json_object, or none.
    # A server that rejects it is asked again in plain mode automatically.
    response_format: Literal["json_schema", "json_object", "none"] = "json_schema"
    max_output_tokens: int = Field(default=800, ge=64)
    # LLM outcomes remembered per process, so an item sent to many chats is summarised once.
    cache_size: int = Field(default=2048, ge=0)


class SummarizerSettings(_Section):
    backend: Literal["extractive", "llm"] = "extractive"
    max_points: int = Field(default=DEFAULT_POINTS, ge=MIN_POINTS, le=MAX_POINTS)
    llm: LLMSettings = LLMSettings()


class LimitSettings(_Section):
    max_subscriptions_per_chat: int = Field(default=50, ge=1)


class MetricsSettings(_Section):
    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=9108, ge=1, le=65535)
    # /healthz reports "not ready" when no poll cycle finished for this many seconds.
    max_poll_age: float = Field(default=900.0, gt=0)


class LoggingSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"
    # Level of the libraries that log every request or job (httpx, httpcore, apscheduler).
    library_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"


class Settings(_Section):
    telegram: TelegramSettings = TelegramSettings()
    admins: tuple[int, ...] = ()
    # Chat that receives operator alerts (failing feeds); defaults to the first admin.
    admin_chat: int | None = None
    sources: tuple[SourceSettings, ...] = ()
    channels: tuple[ChannelSettings, ...] = ()
    fetch: FetchSettings = FetchSettings()
    database: DatabaseSettings = DatabaseSettings()
    summarizer: SummarizerSettings = SummarizerSettings()
    limits: LimitSettings = LimitSettings()
    metrics: MetricsSettings = MetricsSettings()
    logging: LoggingSettings = LoggingSettings()
    data_dir: str = "data"

    @field_validator("sources")
    @classmethod
    def _unique_source_ids(cls, value: tuple[SourceSettings, ...]) -> tuple[SourceSettings, ...]:
        seen: set[str] = set()
        for source in value:
            if source.id in seen:
                raise ValueError(f"duplicate source id {source.id!r}")
            seen.add(source.id)
        return value

    @field_validator("channels")
    @classmethod
    def _channel_sources_exist(
        cls, value: tuple[ChannelSettings, ...], info: ValidationInfo
    ) -> tuple[ChannelSettings, ...]:
        known = {source.id for source in info.data.get("sources", ())}
        for index, channel in enumerate(value):
            unknown = [sid for sid in channel.sources if sid not in known]
            if unknown:
                raise ValueError(
                    f"channel {index} ({channel.chat}): unknown source id {unknown[0]!r}"
                )
        return value

    def source(self, source_id: str) -> SourceSettings | None:
        """The catalogue entry with this id, if any."""
        return next((s for s in self.sources if s.id == source_id), None)


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many nodes `node` stands for once every alias is expanded (-1: it contains itself)."""
    if id(node) in sizes:
        return sizes[id(node)]
    sizes[id(node)] = -1  # in progress: meeting it again means a self-reference
    children: list[yaml.Node] = []
    if isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    elif isinstance(node, yaml.MappingNode):
        children = [part for pair in node.value for part in pair]
    total = 1
    for child in children:
        size = _expanded_size(child, sizes)
        if size < 0 or total > MAX_YAML_NODES:
            return -1
        total += size
    sizes[id(node)] = total
    return total


class _Loader(yaml.SafeLoader):
    """The safe loader, refusing documents whose aliases expand past `MAX_YAML_NODES` nodes
    ("billion laughs") before anything is built from them."""

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        size = _expanded_size(node, {})
        if size < 0 or size > MAX_YAML_NODES:
            raise yaml.YAMLError(
                f"its aliases expand to more than {MAX_YAML_NODES} values or into themselves"
            )
        return self.construct_document(node)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 - safe
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid YAML: nested too deeply") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc) or type(exc).__name__
        raise ConfigError(f"{path}: not valid YAML{where}: {problem}") from None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of keys")
    return raw


def _apply_environment(raw: dict[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    merged = dict(raw)
    if token := environ.get(TOKEN_ENV):
        merged["telegram"] = {**(merged.get("telegram") or {}), "token": token}
    if database_url := environ.get(DATABASE_URL_ENV):
        merged["database"] = {**(merged.get("database") or {}), "url": database_url}
    return merged


# Keys whose values must not be echoed in an error message (tokens, passwords in URLs).
_SECRET_WORDS = ("token", "secret", "password", "key", "url")


def _short_repr(value: object) -> str:
    """At most 60 characters of `value`'s repr, without building the whole of it."""
    shortener = reprlib.Repr()
    shortener.maxstring = shortener.maxother = 60
    shortener.maxlevel = 2
    return shortener.repr(value)[:60]


def _describe(error: ValidationError, origin: str) -> str:
    first = error.errors()[0]
    path = ".".join(str(part) for part in first["loc"]) or "(top level)"
    kind = first["type"]
    if kind == "extra_forbidden":
        hint = "unknown key; check its spelling against config/newsbot.example.yaml"
    elif kind == "value_error":
        hint = str(first["msg"]).removeprefix("Value error, ")
    elif kind == "missing":
        hint = "required key is missing"
    elif any(word in path for word in _SECRET_WORDS):
        hint = first["msg"]
    else:
        hint = f"{first['msg']} (got {_short_repr(first['input'])})"
    more = len(error.errors()) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{origin}: {path}: {hint}{suffix}"


def parse(raw: Mapping[str, Any], environ: Mapping[str, str], origin: str = "config") -> Settings:
    """Validate an already-loaded mapping, applying environment overrides."""
    try:
        return Settings.model_validate(_apply_environment(dict(raw), environ))
    except ValidationError as exc:
        raise ConfigError(_describe(exc, origin)) from None


def config_path(path: str | Path | None, environ: Mapping[str, str]) -> str | Path | None:
    """The file to load: the explicit path, else $NEWSBOT_CONFIG, else None (defaults)."""
    return path if path is not None else environ.get(CONFIG_PATH_ENV) or None


def load(path: str | Path | None, environ: Mapping[str, str]) -> Settings:
    """Read, override from the environment, and validate; `None` means built-in defaults."""
    if path is None:
        return parse({}, environ, origin="defaults")
    file_path = Path(path)
    return parse(_read_yaml(file_path), environ, origin=str(file_path))


def require_token(settings: Settings) -> str:
    """The bot token, or a ConfigError that says where it must come from."""
    if settings.telegram.token is None:
        raise ConfigError(f"telegram.token: missing; set the {TOKEN_ENV} environment variable")
    return settings.telegram.token.get_secret_value()
