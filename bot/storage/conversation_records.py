"""Values the conversation store hands out, and how database rows become them."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

from bot.messages import Button, TranscriptMessage
from bot.storage.times import aware

OPEN_STATES = ("bot", "queued", "agent")


def new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class ConversationRecord:
    id: str
    customer_id: str
    channel: str
    user_id: str
    state: str
    language: str
    misses_in_row: int
    handoff_reason: str | None
    created_at: datetime
    agent_id: str | None = None
    flow: str | None = None
    flow_data: Mapping[str, Any] | None = None
    unhelpful: bool = False  # the last answer was rated "not helpful"
    updated_at: datetime | None = None


@dataclass(frozen=True)
class NewMessage:
    """A message to store; `id` is chosen before storing so buttons can refer to it."""

    author: str
    text: str
    kind: str = "text"
    buttons: tuple[Button, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=new_id)
    dedupe_key: str | None = None
    reply_to: str | None = None


@dataclass(frozen=True)
class Received:
    """A customer message stored in its conversation (or found to be a repeat delivery)."""

    conversation_id: str
    conversation: ConversationRecord | None = None  # as it was before this message
    message: TranscriptMessage | None = None
    language: str = ""  # the language to answer in
    repeated_replies: tuple[TranscriptMessage, ...] | None = None  # set when already stored

    @property
    def is_repeat(self) -> bool:
        return self.repeated_replies is not None


def message_row(m: NewMessage, conversation_id: str, channel: str, now: datetime) -> dict[str, Any]:
    """A messages-table row for `m` (JSON columns as Python values)."""
    return {
        "id": m.id, "conversation_id": conversation_id, "author": m.author, "channel": channel,
        "dedupe_key": m.dedupe_key, "reply_to": m.reply_to, "kind": m.kind, "text": m.text,
        "buttons": [{"title": b.title, "payload": b.payload} for b in m.buttons], "meta": dict(m.meta),
        "created_at": now,
    }


class DuplicateMessage(Exception):
    """The channel delivered a message id we already stored."""


def record_of(row, user_id: str) -> ConversationRecord:
    return ConversationRecord(
        id=row.id, customer_id=row.customer_id, channel=row.channel, user_id=user_id, state=row.state,
        language=row.language, misses_in_row=row.misses_in_row, handoff_reason=row.handoff_reason,
        created_at=aware(row.created_at), agent_id=row.agent_id, flow=row.flow, flow_data=row.flow_data,
        unhelpful=row.unhelpful, updated_at=aware(row.updated_at),
    )


def transcript_of(row: Mapping[str, Any]) -> TranscriptMessage:
    return TranscriptMessage(
        id=row["id"], conversation_id=row["conversation_id"], author=row["author"], text=row["text"],
        channel=row["channel"], buttons=tuple(Button(b["title"], b["payload"]) for b in row["buttons"] or ()),
        kind=row["kind"], created_at=aware(row["created_at"]), metadata=row["meta"] or {},
        reply_to=row["reply_to"],
    )
