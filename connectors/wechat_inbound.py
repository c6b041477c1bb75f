"""Turns a parsed WeChat Official Account message (wechatpy) into the engine's InboundMessage.

Dedupe ids: `MsgId` for messages; events carry none, so FromUserName + CreateTime (the user is
already part of the engine's key). A voice message with WeChat's speech recognition counts as its
text; without it, like an image, it arrives as an attachment with no text and the engine answers
that it reads text only, keeping the attachment for an agent.
"""
from __future__ import annotations

from typing import Callable

from wechatpy.messages import BaseMessage

from bot.messages import Attachment, InboundMessage
from connectors.wechat_options import NumberedOptions

__all__ = ["inbound_message"]


async def inbound_message(
    channel: str, message: BaseMessage, options: NumberedOptions, menu_payload: Callable[[str], str | None]
) -> InboundMessage | None:
    """None for things that need no answer (VIEW, SCAN, LOCATION events, unmapped menu keys)."""
    openid, kind = message.source, message.type
    metadata = {"account": message.target, "msg_type": kind}
    text, attachments = "", ()
    if kind == "event":
        payload = menu_payload(message.key or "") if message.event == "click" else None
        if payload is None:
            return None
        return InboundMessage(channel, openid, payload, message_id=f"event:{message.time}",
                              metadata=metadata | {"menu_key": message.key}, raw=dict(message._data))
    if kind == "text":
        text = message.content or ""
        chosen = await options.resolve(openid, text)
        if chosen is not None:
            text = chosen["payload"]
            metadata |= {"option": message.content.strip(), "button_title": chosen["title"]}
    elif kind == "voice":
        text = message.recognition or ""
        attachments = (Attachment("voice", media_id=message.media_id, name=message.format or ""),)
    elif kind == "image":
        attachments = (Attachment("image", url=message.image or "", media_id=message.media_id or ""),)
    elif kind in ("video", "shortvideo"):
        attachments = (Attachment("video", media_id=message.media_id or ""),)
    elif kind == "location":
        attachments = (Attachment("location", url=f"geo:{message.location_x},{message.location_y}",
                                  name=message.label or ""),)
    elif kind == "link":
        attachments = (Attachment("other", url=message.url or "", name=message.title or ""),)
    else:
        attachments = (Attachment("other", name=kind),)
    message_id = str(message.id) if message.id else f"event:{message.time}"
    return InboundMessage(channel, openid, text, message_id=message_id, attachments=attachments,
                          metadata=metadata, raw=dict(message._data))
