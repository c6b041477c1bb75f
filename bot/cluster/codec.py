"""OutboundMessage to and from JSON, for the relay between processes."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.messages import Button, OutboundMessage


def encode(message: OutboundMessage) -> dict[str, Any]:
    return {
        "channel": message.channel, "user_id": message.user_id, "conversation_id": message.conversation_id,
        "text": message.text, "buttons": [[b.title, b.payload] for b in message.buttons], "sender": message.sender,
        "message_id": message.message_id, "kind": message.kind, "metadata": dict(message.metadata),
        "created_at": message.created_at.isoformat(),
    }


def decode(data: dict[str, Any]) -> OutboundMessage:
    return OutboundMessage(
        channel=data["channel"], user_id=data["user_id"], conversation_id=data["conversation_id"], text=data["text"],
        buttons=tuple(Button(t, p) for t, p in data["buttons"]), sender=data["sender"],
        message_id=data["message_id"], kind=data["kind"], metadata=data["metadata"],
        created_at=datetime.fromisoformat(data["created_at"]),
    )
