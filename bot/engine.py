"""The one dialogue engine every channel feeds.

For each inbound message: validate, reject a duplicate (returning the replies it already got),
store it (committed before anything is answered), decide, store the replies, return them.
Messages of one customer are handled strictly in order; different customers concurrently.
"""
from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Awaitable, Callable

from bot.errors import InvalidMessage
from bot.keyed_lock import KeyedLock
from bot.language import written_language
from bot.messages import InboundMessage, OutboundMessage, TranscriptMessage
from bot.payloads import parse_payload
from bot.responder import Responder
from bot.settings import Settings
from bot.storage.conversation_store import ConversationRecord, ConversationStore, DuplicateMessage, NewMessage

log = logging.getLogger(__name__)

_UNSET = object()
Listener = Callable[[ConversationRecord, TranscriptMessage], Awaitable[None]]


class DialogueEngine:
    def __init__(self, settings: Settings, store: ConversationStore, responder: Responder, locks=None) -> None:
        self.settings = settings
        self.store = store
        self.responder = responder
        # In-process by default; across processes (RedisKeyedLock) when several serve one database.
        self._locks = locks or KeyedLock()
        # Called for every stored customer message (the handoff desk forwards them to agents).
        self.listeners: list[Listener] = []
        # Told (channel, the turn's replies or None when a person holds it, seconds) per message: metrics.
        self.observers: list[Callable[[str, list | None, float], None]] = []

    async def handle(self, msg: InboundMessage) -> list[OutboundMessage]:
        started = time.perf_counter()
        text = self._validate(msg)
        key = f"{msg.channel}:{msg.user_id}:{msg.message_id}" if msg.message_id else None
        async with self._locks.hold(f"{msg.channel}:{msg.user_id}"):
            payload = parse_payload(text)
            inbound = NewMessage(
                "customer", text, "button" if payload else "text", (), _inbound_meta(msg), dedupe_key=key,
            )
            try:
                received = await self.store.receive(
                    msg.channel, msg.user_id, inbound,
                    # A button press ("/feedback:yes:...") says nothing about the customer's language.
                    detected=None if payload else written_language(text),
                    customer_language=msg.language, default_language=self.settings.dialogue.default_language,
                    idle_close=timedelta(hours=self.settings.dialogue.idle_close_hours), person_id=msg.person_id,
                )
            except DuplicateMessage:  # another worker stored it first
                seen = await self.store.replies_to_duplicate(key)
                return self._outbound(msg, seen[0], seen[1]) if seen else []
            if received.is_repeat:
                return self._outbound(msg, received.conversation_id, list(received.repeated_replies))
            conv, lang = received.conversation, received.language
            for listener in self.listeners:
                await listener(conv, received.message)
            if conv.state != "bot":
                self._observe(msg.channel, None, started)
                return []  # a person holds (or is about to hold) the conversation: the bot is silent
            turn = await self.responder.respond(conv, msg, lang)
            replies = [_reply_to(r, inbound.id) for r in turn.replies]
            changes = {k: v for k, v in turn.updates.items() if getattr(conv, k, _UNSET) != v}
            saved = await self.store.add(conv.id, msg.channel, replies, touch=False, **changes)
            self._observe(msg.channel, replies, started)
            return self._outbound(msg, conv.id, saved)

    def _observe(self, channel: str, replies: list | None, started: float) -> None:
        for observer in self.observers:
            observer(channel, replies, time.perf_counter() - started)

    async def history(self, channel: str, user_id: str) -> list[TranscriptMessage]:
        return await self.store.history(channel, user_id)

    def _validate(self, msg: InboundMessage) -> str:
        text = (msg.text or "").strip()
        if not text and not msg.attachments:
            raise InvalidMessage("empty_message", "消息为空 / The message is empty.")
        limit = self.settings.server.max_message_chars
        if len(text) > limit:
            raise InvalidMessage(
                "message_too_long", f"消息超过 {limit} 个字符 / The message is longer than {limit} characters."
            )
        if not msg.user_id or len(msg.user_id) > 191:
            raise InvalidMessage("bad_sender", "发送者 ID 无效 / The sender id is missing or too long.")
        if len(msg.message_id) > 128:
            raise InvalidMessage("bad_message_id", "消息 ID 太长 / The message id is too long.")
        return text

    @staticmethod
    def _outbound(msg: InboundMessage, conversation_id: str, saved: list[TranscriptMessage]) -> list[OutboundMessage]:
        return [
            OutboundMessage(
                channel=msg.channel, user_id=msg.user_id, conversation_id=conversation_id, text=m.text,
                buttons=m.buttons, sender="agent" if m.author == "agent" else "bot", message_id=m.id,
                kind=m.kind, metadata=m.metadata, created_at=m.created_at,
            )
            for m in saved
        ]


def _reply_to(message: NewMessage, inbound_id: str) -> NewMessage:
    return NewMessage(
        message.author, message.text, message.kind, message.buttons, message.meta, id=message.id, reply_to=inbound_id
    )


def _inbound_meta(msg: InboundMessage) -> dict:
    meta: dict = {}
    if msg.attachments:
        meta["attachments"] = [
            {"kind": a.kind, "url": a.url, "media_id": a.media_id, "name": a.name} for a in msg.attachments
        ]
    if msg.metadata:
        meta["channel_metadata"] = dict(msg.metadata)
    return meta
