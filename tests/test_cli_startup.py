"""A fast start: `newsbot --help` and `newsbot summarize` never load Telegram or database code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ARTICLE = REPO / "bot" / "samples" / "articles" / "harbour-bridge.txt"
PAGE = REPO / "bot" / "samples" / "pages" / "seed-library.html"
HEAVY = ("telegram", "sqlalchemy", "alembic")
# Runs the real CLI in a fresh interpreter, then names which heavy packages it imported.
_PROBE = f"""
import sys
from bot.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print("LOADED", *sorted(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)
sys.exit(code)
"""


def loaded_by(*argv: str) -> tuple[int, str, list[str]]:
    """Exit code, stdout and the heavy packages a fresh `newsbot ARGV` imported."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    marker = next(line for line in done.stderr.splitlines() if line.startswith("LOADED"))
    return done.returncode, done.stdout, marker.split()[1:]


@pytest.mark.parametrize(
    "argv",
    [("--help",), ("summarize", str(ARTICLE)), ("summarize", str(PAGE)), ("summarize", "--help")],
)
def test_help_and_summarize_load_no_telegram_or_database_code(argv: tuple[str, ...]) -> None:
    code, out, loaded = loaded_by(*argv)
    assert code == 0
    assert out.strip()
    assert loaded == []


def test_help_still_lists_every_command() -> None:
    from bot.cli import COMMANDS  # noqa: PLC0415 - the table under test

    code, out, _ = loaded_by("--help")
    assert code == 0
    for name, (_, help_line) in COMMANDS.items():
        assert name in out
        assert help_line.split()[0] in out


def test_a_telegram_command_still_loads_telegram() -> None:
    """The probe can see an import: `broadcast` needs PTB, so its parser loads it."""
    code, _, loaded = loaded_by("broadcast", "--help")
    assert code == 0
    assert "telegram" in loaded
