"""Trying the bot without a token or network: bundled samples served on 127.0.0.1."""
