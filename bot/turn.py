"""What the bot decided for one customer message: replies to store and conversation changes."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.storage.conversation_store import NewMessage
from bot.texts import say


@dataclass
class Turn:
    replies: list[NewMessage] = field(default_factory=list)
    updates: dict[str, Any] = field(default_factory=dict)


def say_turn(key: str, lang: str, kind: str = "text", **updates: Any) -> Turn:
    return Turn([NewMessage("bot", say(key, lang), kind)], dict(updates))
