"""Nothing user-facing bypasses the catalogues: a scan of the handlers for bare English.

Every text sent to a reader (replies, edits, alerts, buttons, captions, the menu, errors raised
for the reader) must come through `_()` / `N_()` / `ngettext()`, so the catalogues are the one
source of truth. A string literal with words in it that reaches one of those sinks directly
fails this test with its file and line.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"
# Calls whose arguments a reader sees.
SINKS = frozenset(
    {
        "reply",
        "reply_long",
        "reply_text",
        "reply_document",
        "edit_message_text",
        "answer",
        "send",
        "send_message",
        "edit",
        "problem",
        "InlineKeyboardButton",
        "BotCommand",
    }
)
# Exceptions whose message a reader sees (the error handler translates their template).
USER_ERRORS = frozenset(
    {
        "InputError",
        "UnknownSourceError",
        "NotAFeedError",
        "SubscriptionLimitError",
        "NotSubscribedError",
        "OPMLError",
        "NotAllowedError",
        "UsageError",
    }
)
TRANSLATORS = frozenset({"_", "N_", "ngettext", "gettext"})
# Keyword arguments that are data, not text.
DATA_KEYWORDS = frozenset({"callback_data", "filename", "url", "parse_mode", "command"})
_MARKUP = re.compile(r"<[^>]+>|\{[^}]*\}|/\w+|&\w+;|https?://\S+")
_WORDS = re.compile(r"[^\W\d_]{2,}")
SCANNED = sorted([*(BOT / "tg").glob("*.py"), *(BOT / "service").glob("*.py")])


def _name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _has_words(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(_WORDS.search(_MARKUP.sub(" ", node.value)))
    if isinstance(node, ast.JoinedStr):
        return any(_has_words(part) for part in node.values if isinstance(part, ast.Constant))
    return False


def _bare_literals(node: ast.AST) -> list[ast.AST]:
    """String literals with words under `node` that no translation call wraps."""
    if isinstance(node, ast.Call) and _name(node) in TRANSLATORS:
        return []
    if _has_words(node):
        return [node]
    found: list[ast.AST] = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.keyword) and child.arg in DATA_KEYWORDS:
            continue
        found.extend(_bare_literals(child))
    return found


def bare_user_texts(path: Path) -> list[str]:
    """`file:line: text` for every untranslated text that reaches a reader."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    problems: list[ast.AST] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node)
        is_service = path.parent.name == "service"
        if name in USER_ERRORS or (name in SINKS and not is_service):
            arguments = [*node.args, *(k for k in node.keywords if k.arg not in DATA_KEYWORDS)]
            for argument in arguments:
                problems.extend(_bare_literals(argument))
    return [
        f"{path.relative_to(BOT.parent)}:{getattr(n, 'lineno', 0)}: {ast.unparse(n)[:80]}"
        for n in sorted(problems, key=lambda n: getattr(n, "lineno", 0))
    ]


@pytest.mark.parametrize("path", SCANNED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_bare_user_facing_string_literals(path: Path) -> None:
    assert bare_user_texts(path) == []


def test_the_scan_catches_a_bare_reply(tmp_path: Path) -> None:
    """The scanner itself: bare English in a reply, a button or an error is caught."""
    module = tmp_path / "tg" / "handler.py"
    module.parent.mkdir()
    module.write_text(
        "async def h(update, _):\n"
        "    await reply(update, 'Done, thanks')\n"
        "    await reply(update, f'Following <b>{x}</b> now')\n"
        "    await reply(update, _('Translated {x}', x=1))\n"
        "    InlineKeyboardButton('Cancel', callback_data='bc:x')\n"
        "    await reply(update, f'<b>{x}</b> ✅')\n"
        "    raise InputError(f'no source {x}')\n",
        encoding="utf-8",
    )
    global BOT  # noqa: PLW0603 - point the report's relative paths at the scratch tree
    saved, BOT = BOT, tmp_path
    try:
        found = bare_user_texts(module)
    finally:
        BOT = saved
    assert [line.split(":")[1] for line in found] == ["2", "3", "5", "7"]
