"""The composition root: one module builds every long-lived object, and closes what it opened."""

import ast
from pathlib import Path

import pytest

from bot import config
from bot.cli.common import OfflineMessenger
from bot.runtime import open_runtime

BOT = Path(__file__).resolve().parent.parent / "bot"
ROOT_MODULE = BOT / "runtime.py"
# What lives as long as the process: built by `bot.runtime` only.
LONG_LIVED = frozenset(
    {"Fetcher", "Pacer", "Poller", "Deliverer", "Broadcaster", "SQLStore", "open_store"}
)


def constructions(source: str) -> list[tuple[int, str]]:
    """(line, name) of every call of a long-lived class or factory in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        # `Fetcher(...)`, `fetch.Fetcher(...)`, `SQLStore.open(...)`.
        if isinstance(func, ast.Attribute) and func.attr == "open":
            func = func.value
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name in LONG_LIVED:
            found.append((node.lineno, name))
    return found


def test_long_lived_objects_are_built_only_by_the_runtime() -> None:
    """A Fetcher, Pacer, Poller, Deliverer, Broadcaster or store built anywhere else in bot/
    would be a second object graph to configure and close."""
    outside = [
        f"{path.relative_to(BOT.parent)}:{line} builds {name}"
        for path in sorted(BOT.rglob("*.py"))
        if path != ROOT_MODULE
        for line, name in constructions(path.read_text(encoding="utf-8"))
        # The store factory and the store class are where a store is made, not a second root.
        if not (path.parent.name == "store" and name in ("SQLStore", "open_store"))
    ]
    assert outside == []
    assert {name for _, name in constructions(ROOT_MODULE.read_text(encoding="utf-8"))} == (
        LONG_LIVED - {"SQLStore"}
    )


@pytest.mark.parametrize(
    "planted",
    [
        "pacer = Pacer(Limits())",
        "from bot.feeds import fetch\nf = fetch.Fetcher(settings)",
        "store = await open_store(url)",
        "store = await SQLStore.open(url)",
        "def later():\n    return Broadcaster(store, messenger, pacer)",
        "x = [Poller(*a) for a in b]",
        "d = service.deliver.Deliverer(store, m, p)",
    ],
)
def test_the_scan_finds_a_planted_construction(planted: str) -> None:
    assert constructions(planted) != []


def test_the_scan_ignores_mentions_that_build_nothing() -> None:
    assert constructions("from bot.feeds.fetch import Fetcher\nx: Fetcher\ny = Pacer") == []


async def test_a_runtime_opens_from_settings_and_closes_its_web_client(
    tmp_path: Path,
) -> None:
    settings = config.parse(
        {"database": {"url": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"}},
        environ={},
    )
    async with open_runtime(settings, OfflineMessenger()) as runtime:
        assert await runtime.store.ping()
        assert runtime.fetcher.settings == settings.fetch
        await runtime.store.upsert_chat(7, "private")
        # The poller queues through the same deliverer and store the runtime exposes.
        assert (await runtime.poller.poll_due()).feeds == 0
        assert (await runtime.deliverer.deliver_pending()).sent == 0
        assert not runtime.fetcher._client.is_closed
    assert runtime.fetcher._client.is_closed
