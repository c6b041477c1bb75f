"""An in-memory way to talk to the real engine: `push(text)` one message, read the replies."""
from __future__ import annotations

import itertools
from pathlib import Path

from bot.messages import InboundMessage, OutboundMessage
from bot.services import Services, start_services
from bot.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"
_ids = itertools.count(1)


class DialogueHarness:
    def __init__(self, services: Services, channel: str = "test", user: str = "customer-1") -> None:
        self.services = services
        self.channel = channel
        self.user = user

    @classmethod
    async def start(cls, settings: Settings, **kwargs) -> "DialogueHarness":
        return cls(await start_services(settings), **kwargs)

    async def push(self, text: str, message_id: str | None = None, user: str | None = None) -> list[OutboundMessage]:
        msg = InboundMessage(
            channel=self.channel, user_id=user or self.user, text=text,
            message_id=message_id if message_id is not None else f"m{next(_ids)}",
        )
        return await self.services.engine.handle(msg)

    async def transcript(self, user: str | None = None):
        return await self.services.engine.history(self.channel, user or self.user)

    async def close(self) -> None:
        await self.services.close()
