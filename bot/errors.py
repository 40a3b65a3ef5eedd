"""Newsbot's exception tree: every failure we raise on purpose is one of these.

    NewsbotError
    ├── ConfigError            invalid configuration (names the key path)
    ├── InputError             input we cannot work with (empty, binary, malformed command)
    │   ├── UnknownSourceError     not a catalogue source id, a subscription or a URL
    │   ├── NotAFeedError          a URL where no feed could be found
    │   ├── SubscriptionLimitError the chat already follows as many feeds as allowed
    │   ├── NotSubscribedError     the chat does not follow that source or feed
    │   ├── OPMLError              an OPML file we will not read (too big, entities, not OPML)
    │   ├── NotAllowedError        the user may not do that here (group non-admin)
    │   └── UsageError             a command used wrongly; the message is its usage line (HTML)
    ├── FetchError             the web did not give us what we asked for
    │   ├── UnsafeURLError         scheme or address refused by URL safety
    │   ├── HostNotFoundError      the host name does not resolve
    │   ├── HTTPStatusError        a final non-success status (carries the status code)
    │   │   └── RateLimitedError       429/503 with Retry-After (carries retry_after seconds)
    │   ├── ContentTypeError       not a feed / not a page
    │   ├── BodyTooLargeError      decoded body over the cap
    │   ├── TooManyRedirectsError  redirect chain too long or looping
    │   └── FetchTimeoutError      connect/read/total timeout
    ├── ParseError             bytes that are not a usable feed
    ├── ExtractionError        a page with no article text worth summarising
    ├── StoreError             persistence failed
    ├── SummarizerError        a summariser backend failed (callers fall back)
    │   ├── LLMUnavailableError    the LLM endpoint timed out, refused or answered an error status
    │   ├── LLMOutputError         the LLM's answer is not the JSON we asked for
    │   └── UngroundedSummaryError the LLM's points are not supported by the article
    └── DeliveryError          Telegram did not take a message (mapped in bot.tg.messenger)
        ├── ChatGoneError          blocked, kicked, deactivated or not found: deactivate for good
        ├── ChatMigratedError      the group became a supergroup: follow `new_chat_id`
        ├── RetryLaterError        flood control (429): pause all sending `retry_after` seconds
        ├── DeliveryRejectedError  this message refused (400: too long, bad markup): never retry
        └── TelegramUnavailableError timeout, network error or 5xx: retry a bounded number of times

Policy (retry, back off, tell the user, deactivate) is decided by callers from the type,
never by string matching on messages.
"""


class NewsbotError(Exception):
    """Root of everything newsbot raises on purpose."""


class ConfigError(NewsbotError):
    """Configuration is invalid; the message names the key path and a hint."""


class InputError(NewsbotError):
    """Input we cannot summarise or a command we cannot understand.

    The message is an English template with `{name}` placeholders filled from `params`, so the
    bot can show it translated (the template is a catalogue msgid, marked with `N_` where it is
    raised); `str()` is the English text.
    """

    def __init__(self, template: str = "", /, **params: object) -> None:
        super().__init__(template.format(**params) if params else template)
        self.template = template
        self.params = params


class FetchError(NewsbotError):
    """Fetching a URL failed; `reason` is a short machine-friendly label for metrics."""

    reason = "fetch"


class UnsafeURLError(FetchError):
    """The URL's scheme or resolved address is not allowed."""

    reason = "unsafe_url"


class HostNotFoundError(FetchError):
    """The host name does not resolve."""

    reason = "dns"


class HTTPStatusError(FetchError):
    """The server answered with a final non-success status."""

    reason = "http_status"

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class RateLimitedError(HTTPStatusError):
    """The host asked us to wait (429, or 503 with Retry-After) longer than we retry for."""

    reason = "rate_limited"

    def __init__(self, message: str, status: int, retry_after: float) -> None:
        super().__init__(message, status)
        self.retry_after = retry_after


class ContentTypeError(FetchError):
    """The response is not the kind of document we asked for."""

    reason = "content_type"


class BodyTooLargeError(FetchError):
    """The decoded body exceeded the configured cap."""

    reason = "too_large"


class TooManyRedirectsError(FetchError):
    """The redirect chain was too long or looped."""

    reason = "redirects"


class FetchTimeoutError(FetchError):
    """The server was too slow to connect, answer or finish."""

    reason = "timeout"


class ParseError(NewsbotError):
    """The bytes are not a feed we can read."""


class ExtractionError(NewsbotError):
    """The page holds no article text worth summarising."""


class StoreError(NewsbotError):
    """Persistence failed."""


class SummarizerError(NewsbotError):
    """A summariser backend failed; callers fall back to the extractive summary."""

    reason = "error"


class LLMUnavailableError(SummarizerError):
    """The LLM endpoint gave no usable answer; `reason` says why (timeout, rate_limited, ...)."""

    def __init__(self, message: str, reason: str, status: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.status = status


class LLMOutputError(SummarizerError):
    """The LLM answered, but not with the JSON object we asked for."""

    reason = "invalid_output"


class UngroundedSummaryError(SummarizerError):
    """Too few of the LLM's points are supported by the article to trust the rest."""

    reason = "ungrounded"


class DeliveryError(NewsbotError):
    """Telegram did not take a message; `kind` is a short label for metrics and the ledger."""

    kind = "delivery"


class ChatGoneError(DeliveryError):
    """The chat can never be messaged again (403 blocked/kicked/deactivated, 400 not found)."""

    kind = "chat_gone"


class ChatMigratedError(DeliveryError):
    """The group was upgraded to a supergroup; resend to `new_chat_id`."""

    kind = "migrated"

    def __init__(self, message: str, new_chat_id: int) -> None:
        super().__init__(message)
        self.new_chat_id = new_chat_id


class RetryLaterError(DeliveryError):
    """Flood control: Telegram asks every sender of this bot to wait `retry_after` seconds."""

    kind = "retry_after"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DeliveryRejectedError(DeliveryError):
    """Telegram refused this particular message (400); retrying it would fail the same way."""

    kind = "rejected"


class TelegramUnavailableError(DeliveryError):
    """Timeout, network or server error; the message may be retried a bounded number of times."""

    kind = "unavailable"


class UnknownSourceError(InputError):
    """Neither a catalogue source id, one of the chat's subscriptions, nor a URL."""


class NotAFeedError(InputError):
    """The URL answered, but no feed was found there or behind its links."""


class SubscriptionLimitError(InputError):
    """The chat already follows `limits.max_subscriptions_per_chat` feeds."""


class NotSubscribedError(InputError):
    """The chat does not follow that source or feed."""


class OPMLError(InputError):
    """An OPML document we refuse: too large, with a DTD or entities, or not OPML."""


class NotAllowedError(InputError):
    """The user may not do that in this chat (only a group's admins change its subscriptions)."""


class UsageError(InputError):
    """A command with the wrong arguments: the reply is its usage line, in Telegram HTML.

    `command` names the command whose usage line (from the command table) is shown in the
    reader's language; without it, the message itself is the usage line.
    """

    def __init__(self, message: str = "", *, command: str | None = None) -> None:
        super().__init__(message or "wrong arguments for /{command}", command=command)
        self.command = command
