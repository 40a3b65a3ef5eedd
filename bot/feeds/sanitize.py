"""Text from the web made safe to store and show, at the boundary where it enters.

Remote servers can send characters no database or chat should hold: a lone UTF-16 surrogate
(`"\\ud83d"` in JSON) cannot be encoded as UTF-8, NUL (`&#0;`) is refused by PostgreSQL, other
C0 control characters are invisible noise, and the bidi overrides and isolates
(U+202A–U+202E, U+2066–U+2069) let a headline display reversed ("Trojan Source" spoofing).
They are dropped from every text field of what the parsers and the extractor return, so one
odd entry never fails the poll it arrives in. Tabs and line breaks stay.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

T = TypeVar("T", bound="DataclassInstance")


def safe_text(text: str) -> str:
    """The text without lone surrogates, NUL, other C0 controls and bidi overrides/isolates."""
    return _UNSAFE.sub("", text)


def safe_fields(record: T) -> T:
    """A copy of a frozen dataclass with `safe_text` applied to every string field."""
    changes: dict[str, Any] = {}
    for field in dataclasses.fields(record):
        value = getattr(record, field.name)
        if isinstance(value, str) and _UNSAFE.search(value):
            changes[field.name] = safe_text(value)
    return dataclasses.replace(record, **changes) if changes else record
