"""One call to an OpenAI-compatible `/chat/completions` endpoint, with typed failures.

Works with OpenAI, Ollama, vLLM and llama.cpp's server. We ask for structured output
(`response_format` with a JSON schema) because it makes small local models far more reliable;
a server that rejects the field with 400/422 is asked again without it, and remembered, so
older servers still work through the tolerant parser. Every failure becomes an
`LLMUnavailableError` (with a `reason` for metrics) or an `LLMOutputError`; nothing from
httpx escapes. The API key goes only into the Authorization header and is never logged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Literal

import httpx

from bot.errors import LLMOutputError, LLMUnavailableError

log = logging.getLogger(__name__)

ResponseFormat = Literal["json_schema", "json_object", "none"]
# Bodies larger than this are not a chat answer.
MAX_RESPONSE_BYTES = 1024 * 1024


class ChatClient:
    """Sends chat messages to one model and returns the text of its first choice."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout: float = 20.0,
        temperature: float = 0.0,
        max_tokens: int = 800,
        response_format: ResponseFormat = "json_schema",
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.timeout = timeout
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.response_format: ResponseFormat = response_format
        self._api_key = api_key
        self._http = http_client

    def __repr__(self) -> str:
        return f"ChatClient(url={self.url!r}, model={self.model!r})"

    async def complete(self, messages: list[dict[str, str]], schema: dict[str, Any]) -> str:
        """The model's answer text; raises LLMUnavailableError or LLMOutputError."""
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.timeout):
                response = await self._post(messages, schema, self.response_format)
                if response.status_code in (400, 422) and self.response_format != "none":
                    response = await self._post(messages, schema, "none")
                    if response.status_code < 300:
                        log.warning(
                            "LLM server rejects response_format=%s; using plain mode from now on",
                            self.response_format,
                        )
                        self.response_format = "none"
        except (TimeoutError, httpx.TimeoutException):
            raise LLMUnavailableError(
                f"no answer from {self.url} within {self.timeout:g}s", "timeout"
            ) from None
        except httpx.HTTPError as exc:
            raise LLMUnavailableError(
                f"cannot reach {self.url}: {type(exc).__name__}", "connection"
            ) from None
        log.debug("LLM answered HTTP %d in %.2fs", response.status_code, time.monotonic() - started)
        _raise_for_status(response)
        return _answer_text(response)

    async def _post(
        self, messages: list[dict[str, str]], schema: dict[str, Any], structure: ResponseFormat
    ) -> httpx.Response:
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "stream": False,
        }
        if structure == "json_schema":
            payload["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "news_summary", "strict": True, "schema": schema},
            }
        elif structure == "json_object":
            payload["response_format"] = {"type": "json_object"}
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        if self._http is not None:
            return await self._http.post(self.url, json=payload, headers=headers)
        async with httpx.AsyncClient(timeout=self.timeout) as http:
            return await http.post(self.url, json=payload, headers=headers)


def _raise_for_status(response: httpx.Response) -> None:
    status = response.status_code
    if status < 300:
        return
    if status == 429:
        reason = "rate_limited"
    elif status >= 500:
        reason = "server_error"
    else:
        reason = "http_error"
    raise LLMUnavailableError(f"LLM server answered HTTP {status}", reason, status)


def _answer_text(response: httpx.Response) -> str:
    if len(response.content) > MAX_RESPONSE_BYTES:
        raise LLMOutputError(f"LLM response of {len(response.content)} bytes is too large")
    try:
        body = response.json()
        content = body["choices"][0]["message"]["content"]
    except (ValueError, LookupError, TypeError):
        raise LLMOutputError("LLM response is not a chat completion") from None
    if not isinstance(content, str) or not content.strip():
        raise LLMOutputError("LLM response has no text content")
    return content
