"""Turns one `kf/sync_msg` item from a customer (origin 3) into the engine's InboundMessage.

A click on a `msgmenu` we sent comes back as a text whose `menu_id` is the key of the button's
payload in the shared store. Images, voice, video, files and the like arrive as attachments with
no text: the engine answers that it reads text only, and an agent sees the media id.
"""
from __future__ import annotations

from typing import Any

from bot.messages import Attachment, InboundMessage
from connectors.dedupe_store import DedupeStore

__all__ = ["inbound_message"]

_MEDIA = {"image": "image", "voice": "voice", "video": "video", "file": "file"}


async def inbound_message(channel: str, kfid: str, item: dict[str, Any], store: DedupeStore) -> InboundMessage:
    kind = item.get("msgtype", "")
    user_id = f"{kfid}/{item['external_userid']}"
    metadata: dict[str, Any] = {"open_kfid": kfid, "msg_type": kind, "send_time": item.get("send_time")}
    text, attachments = "", ()
    if kind == "text":
        body = item.get("text") or {}
        text = str(body.get("content") or "")
        if body.get("menu_id") and (payload := await store.get(f"wecom:menu:{body['menu_id']}")):
            metadata["button_title"] = text
            text = payload
    elif kind in _MEDIA:
        media = item.get(kind) or {}
        attachments = (Attachment(_MEDIA[kind], media_id=str(media.get("media_id") or "")),)
    elif kind == "location":
        place = item.get("location") or {}
        attachments = (Attachment("location", url=f"geo:{place.get('latitude')},{place.get('longitude')}",
                                  name=str(place.get("name") or "")),)
    elif kind == "link":
        link = item.get("link") or {}
        attachments = (Attachment("other", url=str(link.get("url") or ""), name=str(link.get("title") or "")),)
    else:
        attachments = (Attachment("other", name=kind),)
    return InboundMessage(channel, user_id, text, message_id=str(item["msgid"])[:128], attachments=attachments,
                          metadata=metadata, raw=item)
