"""Live events for agent consoles: each open console socket subscribes with its user.

In-process: with several server processes, events are also relayed through Redis
(see docs/architecture.md). Admins receive every event; an agent receives events addressed to
everyone on duty ("queue", "ticket") and those about conversations they hold.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

log = logging.getLogger(__name__)
_QUEUE_LIMIT = 500


@dataclass(eq=False)
class Subscription:
    user_id: str
    role: str
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(_QUEUE_LIMIT))


class EventHub:
    def __init__(self) -> None:
        self._subs: set[Subscription] = set()
        self._relay = None
        self._pending: set[asyncio.Task] = set()

    def subscribe(self, user_id: str, role: str) -> Subscription:
        sub = Subscription(user_id, role)
        self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subs.discard(sub)

    def attach_relay(self, relay) -> None:
        """With several processes: every event goes through Redis to every process's consoles."""
        self._relay = relay
        relay.on("events", self._from_relay)

    def publish(self, event: dict, agent_id: str | None = None, everyone: bool = False) -> None:
        """To admins always; to every agent when `everyone`; else to `agent_id` only."""
        if self._relay is not None:
            payload = {"event": event, "agent_id": agent_id, "everyone": everyone}
            task = asyncio.get_running_loop().create_task(self._relay.publish("events", payload))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
            return
        self._deliver(event, agent_id, everyone)

    async def _from_relay(self, data: dict) -> None:
        self._deliver(data["event"], data.get("agent_id"), bool(data.get("everyone")))

    def _deliver(self, event: dict, agent_id: str | None, everyone: bool) -> None:
        for sub in list(self._subs):
            if sub.role == "admin" or everyone or (agent_id is not None and sub.user_id == agent_id):
                try:
                    sub.queue.put_nowait(event)
                except asyncio.QueueFull:  # a stuck console must not block the others
                    log.warning("dropping console events for user %s: queue full", sub.user_id)

    def __len__(self) -> int:
        return len(self._subs)
