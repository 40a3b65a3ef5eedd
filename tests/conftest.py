"""Shared test fixtures: paths to the read-only shared data next to the repo."""

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import PTB_TIMEDELTA

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"

# Tests build bots without `newsbot`'s `main`, which opts the process in to PTB's timedelta
# periods; do as it does.
os.environ.setdefault(PTB_TIMEDELTA, "true")

# Store fixtures (`store_url` over SQLite and PostgreSQL) for every suite that needs them.
pytest_plugins = ("tests.store_fixtures",)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data folder (../shared/data); present locally and in CI."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def root_logging_restored() -> Iterator[None]:
    """In-process CLI calls install newsbot's log handler on the test's stderr; remove it after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    root.setLevel(level)
