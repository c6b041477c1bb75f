"""Where a conversation goes when a person should take over (the engine only asks the desk)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.storage.conversation_store import ConversationRecord


@dataclass(frozen=True)
class HandoffOutcome:
    replies: tuple[str, ...]
    conversation_updates: dict[str, Any] = field(default_factory=dict)


class HandoffDesk(Protocol):
    async def request(
        self, conversation: ConversationRecord, reason: str, language: str, category: str = "", detail: str = ""
    ) -> HandoffOutcome: ...
