"""Delivers out-of-band messages (agent replies, queue updates) on the customer's own channel."""
from __future__ import annotations

import logging
from typing import Mapping

from bot.messages import OutboundMessage

log = logging.getLogger(__name__)


class Outbox:
    def __init__(self) -> None:
        self.channels: Mapping[str, object] = {}

    def attach(self, channels: Mapping[str, object]) -> None:
        self.channels = channels

    async def send(self, message: OutboundMessage) -> bool:
        """False when the channel is not running here or failed; the message stays stored."""
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
