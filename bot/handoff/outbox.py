"""Delivers out-of-band messages (agent replies, queue updates) on the customer's own channel.

Socket channels (web widget, app) hold a customer's connection in one process only: with several
processes, their messages go through the Redis relay to every process, and the one holding the
socket delivers. API channels (WeChat, Telegram) send from whichever process has the message.
"""
from __future__ import annotations

import logging
from typing import Mapping

from bot.cluster import RedisRelay
from bot.cluster.codec import decode, encode
from bot.messages import OutboundMessage

log = logging.getLogger(__name__)


class Outbox:
    def __init__(self) -> None:
        self.channels: Mapping[str, object] = {}
        self.relay: RedisRelay | None = None

    def attach(self, channels: Mapping[str, object], relay: RedisRelay | None = None) -> None:
        self.channels = channels
        self.relay = relay
        if relay is not None:
            relay.on("outbox", self._from_relay)

    async def send(self, message: OutboundMessage) -> bool:
        """False when the channel is not running here or failed; the message stays stored."""
        channel = self.channels.get(message.channel)
        if self.relay is not None and getattr(channel, "fanout", False):
            await self.relay.publish("outbox", encode(message))
            return True
        return await self._send_here(message)

    async def _from_relay(self, data: dict) -> None:
        await self._send_here(decode(data))

    async def _send_here(self, message: OutboundMessage) -> bool:
        channel = self.channels.get(message.channel)
        if channel is None:
            log.info("no running channel %s for message %s", message.channel, message.message_id)
            return False
        try:
            await channel.send(message)
        except Exception:  # a channel's failure must not break the agent's request
            log.exception("channel %s failed to send message %s", message.channel, message.message_id)
            return False
        return True
