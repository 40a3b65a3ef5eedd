"""Dependencies point one way: core ← adapters ← service ← Telegram glue, CLI, runtime, offline.

Every module of bot/ is checked, with every import it makes: `import bot.x`, `from bot import
x`, `from bot.x import y`, relative imports, and imports inside functions. The checker is fed
planted upward imports too, so it is known to catch them.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"

# Layer of each package or module (the longest matching prefix decides).
LAYERS = {
    "bot": 0,  # the package face (`__version__`)
    "bot.errors": 0,
    "bot.model": 0,
    "bot.text": 0,
    "bot.summarize": 0,  # the stable face of bot.text.summarize
    "bot.i18n": 0,
    "bot.config": 0,
    "bot.feeds": 1,
    "bot.store": 1,
    "bot.llm": 1,
    "bot.ops": 1,
    "bot.service": 2,
    "bot.runtime": 3,
    "bot.offline": 3,
    "bot.tg": 3,
    "bot.cli": 4,
    "bot.__main__": 4,
}
LAYER_NAMES = {0: "core", 1: "adapters", 2: "service", 3: "top", 4: "cli"}
# The pure core: the standard library and itself only (config validates with pydantic, and
# i18n formats with babel).
PURE = ("bot.errors", "bot.model", "bot.text", "bot.summarize")
PURE_ALLOWED = ("bot", "bot.errors", "bot.model", "bot.text")
# What the service may use from the adapter layer: protocols and pure policy, never an adapter
# (the web, extraction, a store implementation, the LLM): those come in through its ports.
SERVICE_MAY_USE = ("bot.store.protocol", "bot.feeds.policy", "bot.ops.metrics", "bot.ops.logs")
# Third-party I/O that the composition root and everything below the glue must not import.
TELEGRAM = ("telegram",)


def layer_of(module: str) -> int:
    """The layer of a bot module (by its longest registered prefix)."""
    parts = module.removesuffix(".__init__").split(".")
    for end in range(len(parts), 1 if len(parts) > 1 else 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in LAYERS:
            return LAYERS[prefix]
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def imports_of(module: str, source: str) -> list[str]:
    """Every module `source` imports, anywhere in it, with `from bot import x` as `bot.x`."""
    package = module if module.endswith("__init__") else module.rsplit(".", 1)[0]
    package = package.removesuffix(".__init__")
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from bot import runtime` imports the module bot.runtime; `from bot.x import y`
            # imports the module bot.x (y is a name in it).
            submodules = [f"{base}.{alias.name}" for alias in node.names]
            modules = [name for name in submodules if name.startswith("bot") and _is_module(name)]
            found += modules if len(modules) == len(submodules) else [base, *modules]
    return found


def _is_module(name: str) -> bool:
    """Whether `name` is a module or package of bot/ (not a name inside one)."""
    path = BOT.parent / Path(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def violations(module: str, source: str) -> list[str]:
    """What in `source` (the text of `module`) breaks the layering."""
    found = []
    mine = layer_of(module)
    for name in imports_of(module, source):
        top = name.split(".")[0]
        if top != "bot":
            if _within(module, PURE) and top not in sys.stdlib_module_names:
                found.append(f"{module} (pure core) imports {name}")
            if (mine < 3 or module == "bot.runtime") and _within(name, TELEGRAM):
                found.append(f"{module} imports {name}: Telegram belongs to bot.tg")
            continue
        if name != "bot" and not _is_module(name):
            continue  # `from bot.x import SomeName`: the module bot.x is checked on its own
        theirs = layer_of(name)
        if theirs > mine:
            found.append(
                f"{module} ({LAYER_NAMES[mine]}) imports {name} ({LAYER_NAMES[theirs]}): upward"
            )
        elif _within(module, PURE) and not _within(name, PURE_ALLOWED):
            found.append(f"{module} (pure core) imports {name}")
        elif mine == 2 and theirs == 1 and not _within(name, SERVICE_MAY_USE):
            found.append(f"{module} (service) imports the adapter {name}: use bot.service.ports")
        elif _within(module, ("bot.runtime", "bot.tg", "bot.offline")) and _within(
            name, ("bot.cli",)
        ):
            found.append(f"{module} imports {name}: only the CLI sits above it")
        elif module == "bot.runtime" and _within(name, ("bot.tg", "bot.offline")):
            found.append(f"{module} imports {name}: the runtime knows no front end")
        elif _within(module, ("bot.tg",)) and _within(name, ("bot.offline",)):
            found.append(f"{module} imports {name}: the bot does not depend on the try-out")
    return found


def _modules() -> list[tuple[str, Path]]:
    return [
        (".".join(path.relative_to(BOT.parent).with_suffix("").parts), path)
        for path in sorted(BOT.rglob("*.py"))
        if "migrations" not in path.parts
    ]


def test_every_module_of_bot_respects_the_layers() -> None:
    found = [
        problem
        for module, path in _modules()
        for problem in violations(module, path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_every_module_of_bot_has_a_layer() -> None:
    for module, _ in _modules():
        layer_of(module)
    with pytest.raises(AssertionError, match="belongs to no layer"):
        layer_of("bot.newcomer")


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("bot.text.clean", "from bot.feeds import fetch"),
        ("bot.text.render", "from bot import runtime"),
        ("bot.text.rank", "import httpx"),
        ("bot.model.pipeline", "import bot.store.sql"),
        ("bot.errors", "def later():\n    from bot.service.poll import Poller"),
        ("bot.service.poll", "def later():\n    from bot.feeds.fetch import Fetcher"),
        ("bot.service.reading", "from bot.feeds.extract import article_from_entry"),
        ("bot.service.subscriptions", "from bot.store.sql import SQLStore"),
        ("bot.service.deliver", "from bot.tg import messenger"),
        ("bot.service.opml", "from bot.llm.summarizer import LLMSummarizer"),
        ("bot.feeds.fetch", "from bot.service import poll"),
        ("bot.store.chats", "from ..tg import app"),
        ("bot.llm.client", "import telegram"),
        ("bot.runtime", "from telegram import Bot"),
        ("bot.runtime", "from bot.tg.messenger import TelegramMessenger"),
        ("bot.tg.app", "from bot.cli import common"),
        ("bot.offline.demo", "from bot.cli.common import OfflineMessenger"),
    ],
)
def test_the_checker_catches_a_planted_upward_import(module: str, source: str) -> None:
    assert violations(module, source) != []


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("bot.service.poll", "from bot.service.ports import Store, Web"),
        ("bot.service.poll", "from bot.store.protocol import Store"),
        ("bot.feeds.fetch", "from bot.model import Article\nfrom bot.errors import FetchError"),
        ("bot.runtime", "def later():\n    from bot.feeds.fetch import Fetcher"),
        ("bot.text.render", "from bot.text.attribution import host_of\nimport re"),
        ("bot.cli.poll", "from bot.tg.messenger import TelegramMessenger"),
    ],
)
def test_the_checker_lets_downward_imports_through(module: str, source: str) -> None:
    assert violations(module, source) == []
