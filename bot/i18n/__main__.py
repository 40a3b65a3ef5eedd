"""Maintain the catalogues: `python -m bot.i18n extract` and `python -m bot.i18n compile`.

`extract` collects every marked text (`_`, `N_`, `ngettext`) from `bot/` into
`locale/newsbot.pot` and merges it into each language's `newsbot.po` (new texts arrive
untranslated, changed ones marked fuzzy); `compile` writes the `.mo` files the bot reads, and
fails if a catalogue is broken. A new language is one more `init` (see docs/translations.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface

from bot.i18n import DOMAIN, LANGUAGES, LOCALE_DIR

PACKAGE = Path(__file__).resolve().parent.parent
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
BUGS_ADDRESS = "https://github.com/newsbot/newsbot/issues"


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])  # type: ignore[no-untyped-call]


def extract() -> None:
    """Rebuild the template from the code and merge it into every catalogue."""
    _pybabel(
        "extract",
        "--no-location",
        "--sort-output",
        "--add-comments=TRANSLATORS:",
        "--project=newsbot",
        f"--msgid-bugs-address={BUGS_ADDRESS}",
        "--width=100",
        "-o",
        str(TEMPLATE),
        str(PACKAGE),
    )
    for language in LANGUAGES:
        if (LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po").exists():
            _pybabel(
                "update",
                "-i",
                str(TEMPLATE),
                "-d",
                str(LOCALE_DIR),
                "-D",
                DOMAIN,
                "-l",
                language,
                "--no-fuzzy-matching",
                "--ignore-obsolete",
                "--width=100",
            )


def init(language: str) -> None:
    """Start the catalogue of a new language from the template."""
    _pybabel("init", "-i", str(TEMPLATE), "-d", str(LOCALE_DIR), "-D", DOMAIN, "-l", language)


def compile_all() -> None:
    """Compile every catalogue to the `.mo` file the bot loads."""
    _pybabel("compile", "--statistics", "-d", str(LOCALE_DIR), "-D", DOMAIN)


def main(argv: list[str]) -> int:
    """Run one maintenance step; the usage line on anything else."""
    if argv == ["extract"]:
        extract()
    elif argv == ["compile"]:
        compile_all()
    elif len(argv) == 2 and argv[0] == "init":
        init(argv[1])
    else:
        print("usage: python -m bot.i18n extract | compile | init LANGUAGE", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
