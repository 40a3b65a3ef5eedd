"""In-process fakes of the outside services newsbot talks to, speaking their real protocols."""

from tests.fakes.telegram_api import Call, FakeTelegram, TelegramLimits

__all__ = ["Call", "FakeTelegram", "TelegramLimits"]
