"""Dependencies point one way: the pure core never imports I/O libraries or adapters."""

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"
CORE_MODULES = [
    "errors.py",
    "model/pipeline.py",
    "model/records.py",
    "text/clean.py",
    "text/summarize.py",
    "text/render.py",
]
FORBIDDEN_IN_CORE = (
    "telegram",
    "httpx",
    "sqlalchemy",
    "asyncpg",
    "aiosqlite",
    "feedparser",
    "trafilatura",
    "bot.store",
    "bot.feeds",
    "bot.tg",
    "bot.service",
)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_imports_no_io(module: str) -> None:
    """Cleaning, summarising and rendering stay pure: no network, storage or Telegram."""
    path = BOT / module
    if not path.exists():
        pytest.fail(f"core module bot/{module} is missing")
    bad = {
        name
        for name in imported_modules(path)
        for forbidden in FORBIDDEN_IN_CORE
        if name == forbidden or name.startswith(forbidden + ".")
    }
    assert not bad, f"bot/{module} imports {sorted(bad)}"


def test_adapters_do_not_import_telegram_glue() -> None:
    """Feeds and store are adapters below the service; they never reach up into bot.tg."""
    for folder in ("feeds", "store"):
        for path in (BOT / folder).rglob("*.py"):
            bad = {n for n in imported_modules(path) if n == "bot.tg" or n.startswith("bot.tg.")}
            assert not bad, f"{path.relative_to(BOT)} imports {sorted(bad)}"
