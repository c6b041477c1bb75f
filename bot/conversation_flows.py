"""Short scripted exchanges that take over a few turns: leaving a ticket, rating an agent.

A flow is stored on the conversation (`flow`, `flow_data`), so it survives restarts. Anything
the customer types that does not fit the flow ends it and is answered normally (except while
leaving a ticket, where the text *is* the message).
"""
from __future__ import annotations

from typing import Callable

from bot.handoff.service_records import RATING_ATTRIBUTES, ServiceRecords
from bot.messages import Button
from bot.payloads import parse_payload
from bot.smalltalk import normalise
from bot.storage.conversation_store import ConversationRecord, NewMessage
from bot.texts import say
from bot.turn import Turn, say_turn

_CANCEL = {"取消", "算了", "不用了", "cancel", "stop", "quit"}
_END_FLOW = {"flow": None, "flow_data": None}


def rating_question(attribute: str, lang: str) -> NewMessage:
    buttons = tuple(Button(str(n), f"/rate:{attribute}:{n}") for n in range(1, 6))
    return NewMessage("bot", say(f"rate_{attribute}", lang), "rating", buttons, {"attribute": attribute})


class ConversationFlows:
    def __init__(self, records: ServiceRecords, on_ticket: Callable[[dict], None] | None = None) -> None:
        self.records = records
        self.on_ticket = on_ticket  # tells consoles at once that a ticket was left

    async def handle(self, conv: ConversationRecord, text: str, lang: str) -> Turn | None:
        """The flow's answer, or None when the message is not part of a flow."""
        if conv.flow == "ticket_message":
            if normalise(text) in _CANCEL:
                return say_turn("ticket_cancelled", lang, **_END_FLOW)
            data = dict(conv.flow_data or {}) | {"message": text}
            return say_turn("leave_contact", lang, "ticket", flow="ticket_contact", flow_data=data)
        if conv.flow == "ticket_contact":
            if normalise(text) in _CANCEL:
                return say_turn("ticket_cancelled", lang, **_END_FLOW)
            data = dict(conv.flow_data or {})
            ticket = await self.records.add_ticket(conv.id, conv.customer_id, data.get("message", ""), text.strip()[:255])
            if self.on_ticket is not None:
                self.on_ticket(ticket)
            reply = NewMessage("bot", say("ticket_created", lang).format(contact=text.strip()[:80]), "ticket")
            return Turn([reply], dict(_END_FLOW))
        if conv.flow == "rating":
            return await self._rating(conv, text, lang)
        return None

    async def _rating(self, conv: ConversationRecord, text: str, lang: str) -> Turn | None:
        payload = parse_payload(text)
        if payload is None or payload.command != "rate":
            return None  # the customer moved on: the responder ends the flow and answers normally
        attribute, score = payload.args
        data = dict(conv.flow_data or {})
        await self.records.rate(conv.id, data.get("handoff_id"), data.get("agent_id"), attribute, int(score))
        rated = set(await self.records.ratings_for_handoff(data.get("handoff_id"), conv.id))
        remaining = [a for a in RATING_ATTRIBUTES if a not in rated]
        if remaining:
            return Turn([rating_question(remaining[0], lang)])
        return say_turn("rating_thanks", lang, "rating", **_END_FLOW)
