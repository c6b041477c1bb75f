"""Messages a platform refused (WeChat 45015 "reply window passed", a blocked Telegram bot, ...).

An agent's reply that cannot reach the customer must not vanish: the refusal is kept per customer
in the shared store (the console shows it) and `send` raises `DeliveryFailed`, so the caller
(the handoff outbox) knows the message did not go out.
"""
from __future__ import annotations

import json
import logging
from typing import Awaitable, Callable
from dataclasses import asdict, dataclass

from bot.messages import utcnow
from connectors.dedupe_store import DedupeStore

DeliveryFailedCallback = Callable[[str, str, str], Awaitable[None]]

log = logging.getLogger(__name__)

__all__ = ["DeliveryFailed", "DeliveryFailure", "DeliveryLog"]

_KEEP_SECONDS = 30 * 24 * 3600


@dataclass(frozen=True)
class DeliveryFailure:
    channel: str
    user_id: str
    code: str  # the platform's error code ("45015", "Forbidden", ...)
    detail: str  # what it means, for the agent
    message_id: str = ""  # our stored message that did not go out
    at: str = ""  # ISO 8601


class DeliveryFailed(Exception):
    def __init__(self, failure: DeliveryFailure) -> None:
        super().__init__(f"{failure.channel} refused a message to {failure.user_id}: {failure.code} {failure.detail}")
        self.failure = failure


class DeliveryLog:
    def __init__(self, store: DedupeStore, channel: str, notify: DeliveryFailedCallback | None = None) -> None:
        self.store, self.channel, self.notify = store, channel, notify

    def _key(self, user_id: str) -> str:
        return f"{self.channel}:failed:{user_id}"

    async def record(self, user_id: str, code: str, detail: str, message_id: str = "") -> DeliveryFailed:
        """Keep the refusal and return the exception for the caller to raise."""
        failure = DeliveryFailure(self.channel, user_id, code, detail, message_id, utcnow().isoformat())
        log.warning("%s: message %s to %s refused: %s %s", self.channel, message_id, user_id, code, detail)
        await self.store.set(self._key(user_id), json.dumps(asdict(failure), ensure_ascii=False), _KEEP_SECONDS)
        if self.notify is not None and message_id:
            try:
                await self.notify(message_id, code, detail)
            except Exception:  # telling the console must not hide the refusal itself
                log.exception("could not report the refused message %s", message_id)
        return DeliveryFailed(failure)

    async def last(self, user_id: str) -> DeliveryFailure | None:
        """The latest refusal for this customer, if any (cleared when a later message gets through)."""
        raw = await self.store.get(self._key(user_id))
        return DeliveryFailure(**json.loads(raw)) if raw else None

    async def clear(self, user_id: str) -> None:
        await self.store.delete(self._key(user_id))
