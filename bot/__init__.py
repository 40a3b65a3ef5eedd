"""newsbot: a Telegram bot that turns the news into short, trustworthy posts."""

__version__ = "0.1.0"
