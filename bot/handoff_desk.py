"""Where a conversation goes when a person should take over.

The engine only asks the desk; the desk decides (queue, route to an agent, or say nobody is
there). `NoAgentDesk` is used while no agent console is configured.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.storage.conversation_store import ConversationRecord
from bot.texts import say


@dataclass(frozen=True)
class HandoffOutcome:
    replies: tuple[str, ...]
    conversation_updates: dict[str, Any] = field(default_factory=dict)


class HandoffDesk(Protocol):
    async def request(self, conversation: ConversationRecord, reason: str, language: str) -> HandoffOutcome: ...


class NoAgentDesk:
    async def request(self, conversation: ConversationRecord, reason: str, language: str) -> HandoffOutcome:
        return HandoffOutcome(replies=(say("no_agent", language),), conversation_updates={"handoff_reason": reason})
