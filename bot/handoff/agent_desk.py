"""The human side of the engine: queue, routing, agent replies, transfer and resolve.

The engine asks `request()` when a person should take over. Agents act through the Agent API,
which calls the methods below; every customer-facing message is stored first, then delivered on
the customer's own channel through the outbox, and every change is published to the consoles.
"""
from __future__ import annotations

import asyncio
import logging
import statistics
from typing import Callable

from bot.auth.user_store import User, UserStore
from bot.conversation_flows import rating_question
from bot.handoff.business_hours import is_open
from bot.handoff.event_hub import EventHub
from bot.handoff.handoff_store import Handoff, HandoffStore
from bot.handoff.outbox import Outbox
from bot.handoff.routing import anyone_on_duty, pick_agent
from bot.handoff_desk import HandoffOutcome
from bot.messages import OutboundMessage, TranscriptMessage, utcnow
from bot.settings import HandoffSettings
from bot.storage.conversation_store import ConversationRecord, ConversationStore, NewMessage
from bot.storage.times import iso
from bot.texts import say

log = logging.getLogger(__name__)


class DeskError(Exception):
    """An agent action that cannot be done; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class AgentDesk:
    def __init__(
        self,
        settings: HandoffSettings,
        conversations: ConversationStore,
        handoffs: HandoffStore,
        users: UserStore,
        hub: EventHub,
        outbox: Outbox,
    ) -> None:
        self.settings = settings
        self.conversations = conversations
        self.handoffs = handoffs
        self.users = users
        self.hub = hub
        self.outbox = outbox
        self._dispatching = asyncio.Lock()
        self.on_handoff: list[Callable[[str], None]] = []  # told the reason of each handoff opened (metrics)
        self.relay = None  # with several processes: only one of them updates waiting customers

    # -- the engine's side -------------------------------------------------------------------
    async def request(
        self, conv: ConversationRecord, reason: str, language: str, category: str = "", detail: str = ""
    ) -> HandoffOutcome:
        agents = await self.users.list()
        if not is_open(self.settings.business_hours, utcnow()) or not anyone_on_duty(agents):
            data = {"reason": reason, "category": category}
            return HandoffOutcome(
                (say("leave_message", language),),
                {"flow": "ticket_message", "flow_data": data, "handoff_reason": reason},
            )
        handoff = await self.handoffs.open(conv.id, reason, detail, language, category)
        for observer in self.on_handoff:
            observer(reason)
        if self.settings.routing == "auto":
            agent = pick_agent(agents, await self.handoffs.active_counts(), language, category)
            if agent and (assigned := await self.handoffs.assign(conv.id, agent.id)):
                await self._announce_assignment(conv.id, assigned, agent, notify_customer=False)
                return HandoffOutcome((say("connected", language).format(agent=agent.display_name),))
        await self._publish_queue()
        position = await self._position(handoff.id)
        await self.handoffs.set_told_position(handoff.id, position)
        return HandoffOutcome((await self._queue_text(position, language),))

    async def on_customer_message(self, conv: ConversationRecord, message: TranscriptMessage) -> None:
        """Engine listener: customer messages of queued/held conversations go live to consoles."""
        if conv.state in ("queued", "agent"):
            event = {"type": "message", "conversation_id": conv.id, "message": message_view(message)}
            self.hub.publish(event, agent_id=conv.agent_id, everyone=conv.state == "queued")

    # -- the agents' side --------------------------------------------------------------------
    async def claim(self, user: User, conversation_id: str) -> ConversationRecord:
        conv = await self.visible(user, conversation_id)
        if conv.state != "queued":
            raise DeskError(409, "not_queued", "该会话不在排队中 / This conversation is not waiting in the queue.")
        handoff = await self.handoffs.assign(conversation_id, user.id)
        if handoff is None:
            raise DeskError(409, "already_claimed", "该会话已被其他客服接入 / Another agent took this conversation.")
        await self._announce_assignment(conversation_id, handoff, user, notify_customer=True)
        await self._publish_queue()
        return await self.conversations.get(conversation_id)

    async def agent_message(self, user: User, conversation_id: str, text: str) -> TranscriptMessage:
        conv = await self._held(user, conversation_id)
        meta = {"agent_id": user.id, "agent_name": user.display_name}
        [stored] = await self.conversations.add(conv.id, conv.channel, [NewMessage("agent", text, "agent", (), meta)])
        await self._deliver(conv, stored)
        return stored

    async def transfer(self, user: User, conversation_id: str, to_agent: str | None) -> ConversationRecord:
        conv = await self._held(user, conversation_id)
        if to_agent is None:
            await self.handoffs.requeue(conv.id)
            self.hub.publish({"type": "conversation", "conversation_id": conv.id, "state": "queued"}, agent_id=user.id)
            await self._publish_queue()
            await self.dispatch()
            return await self.conversations.get(conv.id)
        target = await self.users.get(to_agent)
        if target is None or target.role not in ("agent", "admin") or target.disabled:
            raise DeskError(404, "unknown_agent", "没有这个客服 / No such agent.")
        handoff = await self.handoffs.transfer(conv.id, conv.agent_id, target.id)
        if handoff is None:
            raise DeskError(409, "not_held", "该会话已不在您这里 / You no longer hold this conversation.")
        await self._announce_assignment(conv.id, handoff, target, notify_customer=True)
        self.hub.publish({"type": "conversation", "conversation_id": conv.id, "state": "transferred"}, agent_id=user.id)
        return await self.conversations.get(conv.id)

    async def resolve(self, user: User, conversation_id: str) -> ConversationRecord:
        conv = await self.visible(user, conversation_id)
        if conv.state not in ("agent", "queued") or (conv.state == "agent" and user.role != "admin" and conv.agent_id != user.id):
            raise DeskError(409, "not_held", "该会话不在您这里或已结束 / You don't hold this conversation, or it has ended.")
        handoff = await self.handoffs.current(conv.id)
        flow_data = {"handoff_id": handoff.id if handoff else None, "agent_id": conv.agent_id}
        lang = conv.language or "zh"
        await self.handoffs.resolve(conv.id, "rating" if conv.state == "agent" else None, flow_data)
        goodbye = [NewMessage("bot", say("agent_left", lang), "agent_left")]
        if conv.state == "agent":
            goodbye.append(rating_question("resolved", lang))
        for stored in await self.conversations.add(conv.id, conv.channel, goodbye):
            await self._deliver(conv, stored)
        self.hub.publish({"type": "conversation", "conversation_id": conv.id, "state": "bot"}, agent_id=conv.agent_id)
        await self._publish_queue()
        await self.dispatch()
        return await self.conversations.get(conv.id)

    async def set_status(self, user: User, status: str) -> User:
        updated = await self.users.set_status(user.id, status)
        if status == "online":
            await self.dispatch()
        return updated

    async def dispatch(self) -> None:
        """Give waiting conversations (oldest first) to free agents with the skill."""
        if self.settings.routing != "auto":
            return
        async with self._dispatching:
            agents = await self.users.list()
            for handoff, _customer in await self.handoffs.queued():
                agent = pick_agent(agents, await self.handoffs.active_counts(), handoff.language, handoff.category)
                if agent is None:
                    continue
                if assigned := await self.handoffs.assign(handoff.conversation_id, agent.id):
                    await self._announce_assignment(handoff.conversation_id, assigned, agent, notify_customer=True)
            await self._publish_queue()

    async def update_waiting_customers(self) -> int:
        """Tell each waiting customer their new place when it changed; returns how many were told."""
        told = 0
        for position, (handoff, _customer) in enumerate(await self.handoffs.queued(), start=1):
            if handoff.told_position == position:
                continue
            conv = await self.conversations.get(handoff.conversation_id)
            if conv is None or conv.state != "queued":
                continue
            text = await self._queue_text(position, conv.language or handoff.language or "zh")
            for stored in await self.conversations.add(conv.id, conv.channel, [NewMessage("system", text, "queue")]):
                await self._deliver(conv, stored)
            await self.handoffs.set_told_position(handoff.id, position)
            told += 1
        return told

    async def run_queue_updates(self) -> None:
        while True:
            await asyncio.sleep(self.settings.queue_update_seconds)
            try:
                if self.relay is None or await self.relay.once("queue-updates", self.settings.queue_update_seconds * 0.8):
                    await self.update_waiting_customers()
            except Exception:  # keep updating after a passing database error
                log.exception("queue update failed")

    async def visible_to(self, user: User, conv: ConversationRecord) -> bool:
        """Admins see all; agents see the queue, what they hold, and what they last handled."""
        if user.role == "admin" or conv.state == "queued" or conv.agent_id == user.id:
            return True
        handoff = await self.handoffs.current(conv.id)
        return handoff is not None and handoff.agent_id == user.id

    async def delivery_failed(self, message_id: str, code: str, detail: str) -> None:
        """A platform refused a message (e.g. WeChat 45015): mark it and tell the agent at once."""
        stored = await self.conversations.merge_meta(message_id, {"delivery": {"ok": False, "code": code, "detail": detail}})
        if stored is None:
            return
        conv = await self.conversations.get(stored.conversation_id)
        event = {"type": "delivery_failed", "conversation_id": stored.conversation_id, "message_id": message_id,
                 "code": code, "detail": detail}
        self.hub.publish(event, agent_id=conv.agent_id if conv else None)

    # -- helpers -----------------------------------------------------------------------------
    async def visible(self, user: User, conversation_id: str) -> ConversationRecord:
        """The conversation if this user may see it; otherwise DeskError 404 (unknown or not theirs)."""
        conv = await self.conversations.get(conversation_id)
        if conv is None or not await self.visible_to(user, conv):
            raise DeskError(404, "not_found", "没有这个会话 / No such conversation.")
        return conv

    async def _held(self, user: User, conversation_id: str) -> ConversationRecord:
        conv = await self.visible(user, conversation_id)
        if conv.state != "agent":
            raise DeskError(409, "not_active", "会话已结束或尚未接入，无法发送 / This conversation is not open for agent messages (resolved or not claimed).")
        if conv.agent_id != user.id and user.role != "admin":
            raise DeskError(404, "not_found", "没有这个会话 / No such conversation.")
        return conv

    async def _announce_assignment(self, conversation_id: str, handoff: Handoff, agent: User, notify_customer: bool) -> None:
        conv = await self.conversations.get(conversation_id)
        if notify_customer and conv is not None:
            text = say("connected", conv.language or handoff.language or "zh").format(agent=agent.display_name)
            for stored in await self.conversations.add(conv.id, conv.channel, [NewMessage("system", text, "connected")]):
                await self._deliver(conv, stored)
        self.hub.publish({"type": "assigned", "conversation_id": conversation_id, "agent_id": agent.id}, agent_id=agent.id)

    async def _deliver(self, conv: ConversationRecord, stored: TranscriptMessage) -> None:
        await self.outbox.send(
            OutboundMessage(
                channel=conv.channel, user_id=conv.user_id, conversation_id=conv.id, text=stored.text,
                buttons=stored.buttons, sender=stored.author if stored.author in ("agent", "system") else "bot",
                message_id=stored.id, kind=stored.kind, metadata=stored.metadata, created_at=stored.created_at,
            )
        )
        event = {"type": "message", "conversation_id": conv.id, "message": message_view(stored)}
        self.hub.publish(event, agent_id=conv.agent_id)

    async def _publish_queue(self) -> None:
        self.hub.publish({"type": "queue_changed"}, everyone=True)

    async def _position(self, handoff_id: str) -> int:
        queued = await self.handoffs.queued()
        return next((i for i, (h, _) in enumerate(queued, start=1) if h.id == handoff_id), len(queued))

    async def _queue_text(self, position: int, lang: str) -> str:
        waits = await self.handoffs.recent_waits()
        eta = ""
        if waits:
            minutes = max(1, round(statistics.median(waits) * position / 60))
            eta = say("eta", lang).format(minutes=minutes)
        if position <= 1:
            return say("queued_next", lang).format(eta=eta).strip()
        return say("queued", lang).format(ahead=position - 1, eta=eta)


def message_view(m: TranscriptMessage) -> dict:
    return {
        "id": m.id, "author": m.author, "text": m.text, "kind": m.kind, "channel": m.channel,
        "buttons": [{"title": b.title, "payload": b.payload} for b in m.buttons],
        "created_at": iso(m.created_at), "meta": dict(m.metadata),
    }
