"""Typed, frozen messages that flow between channels and the engine.

Data only: no methods that reply or send. `raw` keeps the channel's original payload so a
connector can reach fields this model does not name (like PTB's `api_kwargs`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal, Mapping


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Button:
    """A quick-reply button: `title` is shown, `payload` comes back as the message text."""

    title: str
    payload: str


@dataclass(frozen=True)
class Attachment:
    kind: Literal["image", "voice", "video", "file", "sticker", "location", "other"]
    url: str = ""
    media_id: str = ""
    name: str = ""


@dataclass(frozen=True)
class InboundMessage:
    """One thing a customer did on a channel (text, a button press, a non-text message).

    `message_id` is the channel's own id, used to reject duplicates (WeChat MsgId,
    Telegram update_id, the widget's client-side uuid). `user_id` is the channel's id of the
    customer (openid, chat id, widget session id, app user id).
    """

    channel: str
    user_id: str
    text: str
    message_id: str = ""
    attachments: tuple[Attachment, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)
    language: str = ""  # hint from the channel (widget UI language, Telegram language_code)
    # The company's own id of this person, verified by the channel (a token the company signed):
    # links the same person's conversations across channels for agents. Empty when anonymous.
    person_id: str = ""
    received_at: datetime = field(default_factory=utcnow)
    raw: Mapping[str, Any] | None = None


Sender = Literal["bot", "agent", "system"]


@dataclass(frozen=True)
class OutboundMessage:
    """One message for a customer, addressed by channel and the channel's user id."""

    channel: str
    user_id: str
    conversation_id: str
    text: str
    buttons: tuple[Button, ...] = ()
    sender: Sender = "bot"
    message_id: str = ""  # our stored message id
    kind: str = "text"  # text | answer | clarify | no_answer | feedback | greeting | handoff | ...
    metadata: Mapping[str, Any] = field(default_factory=dict)
    created_at: datetime = field(default_factory=utcnow)


@dataclass(frozen=True)
class HandoffRequested:
    """The engine decided a person should take over; `reason` is stored with the handoff."""

    conversation_id: str
    reason: str
    detail: str = ""


Author = Literal["customer", "bot", "agent", "system"]


@dataclass(frozen=True)
class TranscriptMessage:
    """A stored message of a conversation, as shown again to a customer or an agent."""

    id: str
    conversation_id: str
    author: Author
    text: str
    channel: str
    buttons: tuple[Button, ...] = ()
    kind: str = "text"
    created_at: datetime = field(default_factory=utcnow)
    metadata: Mapping[str, Any] = field(default_factory=dict)
    reply_to: str | None = None  # for bot replies: the customer message they answer
