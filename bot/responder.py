"""Decides what the bot says to one customer message (the engine stores and sends it).

Order: a flow in progress (leaving a ticket, rating), button payloads, a request for a person,
small talk, then the knowledge base (answer / clarify / no_answer). Entries may be bound to a
custom action or routed straight to a person.
"""
from __future__ import annotations

from typing import Any

from bot import payloads
from bot.action_client import ActionClient, ActionUnavailable
from bot.conversation_flows import ConversationFlows
from bot.handoff_desk import HandoffDesk
from bot.messages import Button, InboundMessage
from bot.payloads import parse_payload
from bot.settings import Settings
from bot.smalltalk import detect_smalltalk, normalise
from bot.storage.conversation_store import ConversationRecord, ConversationStore, NewMessage, new_id
from bot.texts import say
from bot.turn import Turn, say_turn
from knowledge.knowledge_base import KnowledgeBase
from knowledge.types import FaqEntry, SearchResult

_END_FLOW = {"flow": None, "flow_data": None}


class Responder:
    def __init__(
        self,
        settings: Settings,
        kb: KnowledgeBase,
        store: ConversationStore,
        desk: HandoffDesk,
        flows: ConversationFlows,
        actions: ActionClient | None = None,
    ) -> None:
        self.settings, self.kb, self.store, self.desk, self.flows, self.actions = (
            settings, kb, store, desk, flows, actions
        )
        self._handoff_phrases = {normalise(p) for p in settings.dialogue.handoff_phrases}

    async def respond(self, conv: ConversationRecord, msg: InboundMessage, lang: str) -> Turn:
        ended_flow: dict[str, Any] = {}
        if conv.flow:
            turn = await self.flows.handle(conv, msg.text, lang)
            if turn is not None:
                return turn
            ended_flow = dict(_END_FLOW)
        turn = await self._respond(conv, msg, lang)
        turn.updates = ended_flow | turn.updates
        return turn

    async def _respond(self, conv: ConversationRecord, msg: InboundMessage, lang: str) -> Turn:
        payload = parse_payload(msg.text)
        if payload is not None:
            return await self._payload(conv, msg, payload.command, payload.args, lang)
        if not msg.text.strip():
            return say_turn("attachment", lang)
        if self._asks_for_person(msg.text):
            return await self._handoff(conv, "customer_request", lang)
        kind = detect_smalltalk(msg.text)
        if kind:
            return say_turn(kind, lang, kind)
        return await self._decide(conv, msg, await self.kb.search(msg.text), lang)

    async def _decide(self, conv: ConversationRecord, msg: InboundMessage, result: SearchResult, lang: str) -> Turn:
        meta = {"decision": result.decision, "candidates": _candidates(result)}
        if result.decision == "answer" and (entry := self.kb.entry(result.top.entry_id)):
            return await self._answer(conv, msg, entry, lang, meta | {"confidence": result.confidence})
        if result.decision == "clarify":
            options = [c for c in result.candidates if self.kb.entry(c.entry_id)]
            options = options[: self.settings.knowledge.max_clarify_options]
            if options:  # one option is a "did you mean ...?" with "none of these" beside it
                buttons = tuple(Button(self.kb.entry(c.entry_id).question, payloads.faq(c.entry_id)) for c in options)
                buttons += (Button(say("none_of_these", lang), payloads.NONE_OF_THESE),)
                return Turn([NewMessage("bot", say("clarify", lang), "clarify", buttons, meta)])
        return await self._miss(conv, lang, meta | {"decision": "no_answer"})

    async def _answer(
        self, conv: ConversationRecord, msg: InboundMessage, entry: FaqEntry, lang: str, meta: dict[str, Any]
    ) -> Turn:
        meta = meta | {"entry_id": entry.id}
        if entry.handoff or (entry.category and entry.category in self.settings.handoff.categories):
            reason = "entry_rule" if entry.handoff else "category_rule"
            return await self._handoff(conv, reason, lang, entry.category, entry.id)
        if entry.action:
            return await self._action(conv, msg, entry, lang, meta)
        text = entry.answer_for(msg.channel)
        if entry.links:
            text += "\n" + "\n".join(f"{link.title}: {link.url}" for link in entry.links)
        message_id = new_id()
        buttons = tuple(Button(b.title, b.payload) for b in entry.buttons)
        if self.settings.dialogue.ask_feedback:
            buttons += (
                Button(say("helpful", lang), payloads.feedback(True, message_id)),
                Button(say("not_helpful", lang), payloads.feedback(False, message_id)),
            )
        reply = NewMessage("bot", text, "answer", buttons, meta, id=message_id)
        return Turn([reply], {"misses_in_row": 0, "unhelpful": False})

    async def _action(
        self, conv: ConversationRecord, msg: InboundMessage, entry: FaqEntry, lang: str, meta: dict[str, Any]
    ) -> Turn:
        try:
            if self.actions is None:
                raise ActionUnavailable("no action server configured")
            result = await self.actions.run(entry.action, conv.id, msg.text, dict(msg.metadata))
        except ActionUnavailable as exc:
            human = (Button(say("human_button", lang), payloads.HANDOFF),)
            failed = meta | {"action": entry.action, "action_error": str(exc)}
            return Turn([NewMessage("bot", say("action_unavailable", lang), "action_failed", human, failed)])
        replies = [
            NewMessage("bot", r.text, "action", tuple(r.buttons), meta | {"action": entry.action})
            for r in result.replies
            if r.text or r.buttons
        ]
        turn = Turn(replies, {"misses_in_row": 0, "unhelpful": False})
        if result.handoff_reason:
            handoff = await self._handoff(conv, "action", lang, entry.category, result.handoff_reason)
            turn.replies += handoff.replies
            turn.updates |= handoff.updates
        return turn

    async def _miss(self, conv: ConversationRecord, lang: str, meta: dict[str, Any]) -> Turn:
        misses = conv.misses_in_row + 1
        after = self.settings.handoff.after_misses
        if conv.unhelpful or (after and misses >= after):
            reason = "unhelpful_then_miss" if conv.unhelpful else "repeated_misses"
            handoff = await self._handoff(conv, reason, lang)
            miss = NewMessage("bot", say("no_answer", lang), "no_answer", (), meta)
            return Turn([miss, *handoff.replies], {"misses_in_row": misses, "unhelpful": False} | handoff.updates)
        turn = Turn([NewMessage("bot", say("no_answer", lang), "no_answer", (), meta)], {"misses_in_row": misses})
        if misses >= self.settings.dialogue.misses_before_offer:
            human = (Button(say("human_button", lang), payloads.HANDOFF),)
            turn.replies.append(NewMessage("bot", say("offer_human", lang), "offer_human", human))
        return turn

    async def _handoff(
        self, conv: ConversationRecord, reason: str, lang: str, category: str = "", detail: str = ""
    ) -> Turn:
        outcome = await self.desk.request(conv, reason, lang, category, detail)
        meta = {"reason": reason, "detail": detail}
        replies = [NewMessage("bot", text, "handoff", (), meta) for text in outcome.replies]
        return Turn(replies, dict(outcome.conversation_updates))

    async def _payload(
        self, conv: ConversationRecord, msg: InboundMessage, command: str, args: tuple[str, ...], lang: str
    ) -> Turn:
        if command == "faq":
            entry = self.kb.entry(args[0])
            if entry is None:
                return say_turn("unknown_entry", lang)
            return await self._answer(conv, msg, entry, lang, {"decision": "answer", "chosen": True})
        if command == "handoff":
            return await self._handoff(conv, "customer_request", lang)
        if command == "none":
            return await self._miss(conv, lang, {"decision": "no_answer", "rejected_clarify": True})
        if command == "rate":  # a rating button pressed after the rating ended
            return say_turn("rating_thanks", lang)
        return await self._feedback(conv, args[0] == "yes", args[1], lang)

    async def _feedback(self, conv: ConversationRecord, helpful: bool, message_id: str, lang: str) -> Turn:
        answer = await self.store.message(message_id)
        if answer is None or answer.conversation_id != conv.id or answer.author != "bot":
            return say_turn("no_answer", lang)
        stored = await self.store.add_feedback(message_id, conv.id, answer.metadata.get("entry_id"), helpful)
        if not stored:
            return say_turn("feedback_already", lang)
        if helpful:
            return say_turn("feedback_thanks", lang, "feedback")
        human = (Button(say("human_button", lang), payloads.HANDOFF),)
        reply = NewMessage("bot", say("feedback_sorry", lang), "feedback", human)
        return Turn([reply], {"unhelpful": True})  # another miss now goes to a person

    def _asks_for_person(self, text: str) -> bool:
        key = normalise(text)
        if key in self._handoff_phrases or key.replace(" ", "") in self._handoff_phrases:
            return True
        # Messages that contain a phrase ("我要转人工", "can i talk to an agent"). A one-word phrase
        # counts only in a short message ("agent" in "I'm a travel agent, any discount?" does
        # not ask for a person); a longer phrase is specific enough in a sentence
        # ("I want to talk to a human agent please").
        words = f" {key} "
        return any(
            len(key) <= (60 if " " in p else 24) and ((f" {p} " in words) if p.isascii() else (p in key))
            for p in self._handoff_phrases
        )


def _candidates(result: SearchResult) -> list[dict[str, Any]]:
    return [
        {"id": c.entry_id, "confidence": round(c.confidence, 4), "matched": c.matched} for c in result.candidates[:5]
    ]
