"""The Rasa REST channel contract, so existing Rasa front ends and scripts work unchanged.

`POST /webhooks/rest/webhook` `{"sender", "message", "metadata"?}` answers a JSON array of
`{"recipient_id", "text", "buttons"?: [{"title", "payload"}]}` (keys with no value are left out).
REST is request/response only: messages that arrive between requests (an agent's reply) are
kept and returned with the customer's next request, by whichever worker process receives it
(`PendingStore`: Redis when a shared store is configured, else this process's memory).
"""
from __future__ import annotations

from aiohttp import web

from bot.errors import InvalidMessage
from bot.messages import InboundMessage, OutboundMessage
from connectors.channel import Channel
from connectors.http_errors import json_error, read_json_object
from connectors.pending_store import open_pending_store

_PENDING_LIMIT = 100
# A REST client that has not come back within a week is not polling any more; without an expiry
# the replies of customers who never return would stay in Redis for good.
_PENDING_TTL_SECONDS = 7 * 24 * 3600


class RasaRestChannel(Channel):
    name = "rest"

    def __init__(self, context) -> None:
        super().__init__(context)
        settings = context.settings
        self.pending = open_pending_store(
            settings.shared_store_url, f"{settings.shared_store_prefix}rest:pending:", _PENDING_LIMIT, _PENDING_TTL_SECONDS
        )

    def routes(self) -> list[web.AbstractRouteDef]:
        return [
            web.get("/webhooks/rest/", self._health),
            web.get("/webhooks/rest", self._health),
            web.post("/webhooks/rest/webhook", self._webhook),
        ]

    async def stop(self) -> None:
        await self.pending.close()

    async def _health(self, _request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def _webhook(self, request: web.Request) -> web.Response:
        data = await read_json_object(request)
        sender, text, metadata = data.get("sender"), data.get("message"), data.get("metadata") or {}
        if not isinstance(sender, (str, int)) or str(sender).strip() == "":
            return json_error(400, "missing_sender", "缺少 sender 字段 / 'sender' is required (a string).")
        if not isinstance(text, str):
            return json_error(400, "missing_message", "缺少 message 字段 / 'message' is required (a string).")
        if not isinstance(metadata, dict):
            return json_error(400, "bad_metadata", "metadata 必须是对象 / 'metadata' must be an object.")
        message_id = metadata.get("message_id") if isinstance(metadata.get("message_id"), str) else ""
        inbound = InboundMessage(
            channel=self.name, user_id=str(sender), text=text, message_id=message_id,
            metadata=metadata, raw=data,
        )
        try:
            replies = await self.context.deliver(inbound)
        except InvalidMessage as exc:
            return json_error(400, exc.code, exc.message)
        pending = await self.pending.take(str(sender))
        return web.json_response([_rasa_message(m) for m in (*pending, *replies)])

    async def send(self, message: OutboundMessage) -> None:
        await self.pending.append(message)


def _rasa_message(message: OutboundMessage) -> dict:
    body: dict = {"recipient_id": message.user_id, "text": message.text}
    if message.buttons:
        body["buttons"] = [{"title": b.title, "payload": b.payload} for b in message.buttons]
    return body
