"""The bot's interface languages: gettext catalogues, the chat's language, local formats.

Every text a reader sees is an English msgid marked in the code (`_("…")` on a `Translator`,
or `N_("…")` where a text is defined before its language is known) and translated from the
catalogues in `bot/i18n/locale/<lang>/LC_MESSAGES/newsbot.mo`. Placeholders are named
(`{name}`) and filled after translation, so a translation may reorder them. Numbers, times and
durations are formatted by Babel in the reader's locale. Nothing here touches the network or
the store; catalogues are read once per language on first use, and Babel is imported only
when something is formatted (the CLI loads the config, which knows the language names, without
paying for Babel's locale data).
"""

from __future__ import annotations

import functools
import gettext
from datetime import time, timedelta
from pathlib import Path

DOMAIN = "newsbot"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT_LANGUAGE = "en"
# Shipped interface languages, in the order the /settings buttons offer them.
LANGUAGES = ("en", "uk", "ru", "de", "es", "fr")
# Formats follow the language; English readers are worldwide, so they get the 24-hour clock
# and day-month order of international English rather than en_US.
_FORMAT_LOCALES = {"en": "en_GB"}


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a text for extraction where it is defined; it is translated where it is shown."""
    return message


class Text(str):
    """An English text that keeps its template and values, so whoever shows it can translate it.

    For texts composed far from their reader (operator alerts from the poller): it is the
    English string everywhere a `str` is expected, and `Translator.text` renders it anew.
    """

    template: str
    params: dict[str, object]

    def __new__(cls, template: str, /, **params: object) -> Text:
        made = super().__new__(cls, template.format(**params) if params else template)
        made.template = template
        made.params = params
        return made


def negotiate(code: str | None) -> str:
    """A shipped language for a Telegram `language_code` (`uk`, `de-AT`, `pt-BR`, None).

    The primary subtag decides (`de-AT` → `de`); a language we do not ship falls back to
    English rather than to a neighbour the reader may not want.
    """
    primary = (code or "").replace("_", "-").split("-", 1)[0].strip().lower()
    return primary if primary in LANGUAGES else DEFAULT_LANGUAGE


def language_name(language: str) -> str:
    """The language's name in itself ("Українська"), for the language buttons."""
    from babel import Locale  # noqa: PLC0415 - Babel's locale data only when names are shown

    name = Locale.parse(language).get_display_name(language) or language
    return name[:1].upper() + name[1:]


class Translator:
    """One language's texts and formats; call it like gettext's `_`.

    `_("Following <b>{title}</b>.", title=escaped)` translates, then fills the placeholders.
    """

    def __init__(self, language: str, catalogue: gettext.NullTranslations) -> None:
        self.language = language
        self._locale = _FORMAT_LOCALES.get(language, language)
        self._catalogue = catalogue

    def __call__(self, message: str, /, **params: object) -> str:
        text = self._catalogue.gettext(message)
        return text.format(**params) if params else text

    def text(self, message: str) -> str:
        """A `Text` translated (its values as they are); any other string unchanged."""
        if isinstance(message, Text):
            return self(message.template, **message.params)
        return message

    def ngettext(self, singular: str, plural: str, n: int, /, **params: object) -> str:
        """The plural form the language needs for `n`; `{n}` is filled in too."""
        return self._catalogue.ngettext(singular, plural, n).format(n=n, **params)

    def time(self, value: time) -> str:
        """A wall-clock time as the reader writes it (08:30, 8:30 AM)."""
        from babel.dates import format_time  # noqa: PLC0415 - see the module docstring

        return format_time(value, format="short", locale=self._locale)

    def duration(self, seconds: float) -> str:
        """A duration in words, rounded to its largest unit ("3 minutes", "3 хвилини")."""
        from babel.dates import format_timedelta  # noqa: PLC0415 - see the module docstring

        return format_timedelta(
            timedelta(seconds=seconds), threshold=1.0, format="long", locale=self._locale
        )

    def number(self, value: float, digits: int = 0) -> str:
        """A number with the locale's decimal sign and grouping (1,234.5 / 1 234,5)."""
        from babel.numbers import format_decimal  # noqa: PLC0415 - see the module docstring

        pattern = "#,##0." + "0" * digits if digits else "#,##0"
        return format_decimal(value, format=pattern, locale=self._locale)


@functools.cache
def translator(language: str | None) -> Translator:
    """The translator for a shipped language (anything else gets English)."""
    chosen = language if language in LANGUAGES else DEFAULT_LANGUAGE
    catalogue = gettext.translation(DOMAIN, LOCALE_DIR, languages=[chosen], fallback=True)
    return Translator(chosen, catalogue)
