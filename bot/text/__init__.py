"""The pure text core: cleaning, sentences, ranking, attribution, summarising and rendering.

Values in, values out: no network, no database, no Telegram (tests/test_architecture.py).
"""
