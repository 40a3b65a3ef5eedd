"""Persistence behind the `Store` protocol: SQLite by default, PostgreSQL for many instances.

`open_store(url)` migrates the schema to the latest revision and returns a ready `Store`.
"""

from bot.store.factory import open_store
from bot.store.protocol import Store
from bot.store.text import normalise_title

__all__ = ["Store", "normalise_title", "open_store"]
