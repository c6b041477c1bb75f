"""The narrow interface every channel implements, and what a channel is given."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Awaitable, Callable, ClassVar

import aiohttp
from aiohttp import web

from bot.messages import InboundMessage, OutboundMessage, TranscriptMessage
from bot.settings import Settings

Deliver = Callable[[InboundMessage], Awaitable[list[OutboundMessage]]]
History = Callable[[str, str], Awaitable[list[TranscriptMessage]]]
# (message_id, code, detail): a platform refused a stored message (e.g. WeChat 45015).
DeliveryFailed = Callable[[str, str, str], Awaitable[None]]


class ChannelContext:
    """What the app hands a channel: it never reaches into the engine or the router itself.

    `deliver` gives the engine one inbound message and returns the bot's replies to it (already
    persisted); it returns the same replies again for a duplicate message id. `history` returns
    the current conversation of (channel, user_id), oldest first. `http` is the shared client
    session (the app creates it when it starts, so it may be given as a zero-argument callable).
    `delivery_failed` tells the engine that a platform refused a stored message, so the agent
    who wrote it sees that it did not arrive.
    """

    def __init__(
        self,
        settings: Settings,
        deliver: Deliver,
        history: History,
        http: aiohttp.ClientSession | Callable[[], aiohttp.ClientSession] | None = None,
        delivery_failed: DeliveryFailed | None = None,
    ) -> None:
        self.settings = settings
        self.deliver = deliver
        self.history = history
        self._http = http
        self.delivery_failed = delivery_failed

    @property
    def http(self) -> aiohttp.ClientSession:
        session = self._http() if callable(self._http) else self._http
        if session is None:
            raise RuntimeError("the HTTP client session exists only while the app runs")
        return session


class Channel(ABC):
    name: ClassVar[str]
    # True for channels whose customers hold a live socket to one server process (web, app):
    # with several processes, out-of-band messages are relayed to every process.
    fanout: ClassVar[bool] = False

    def __init__(self, context: ChannelContext) -> None:
        self.context = context

    @abstractmethod
    def routes(self) -> list[web.AbstractRouteDef]:
        """HTTP and WebSocket routes this channel serves."""

    async def start(self) -> None:
        """Start background work (polling, token refresh). Called once the app runs."""

    async def stop(self) -> None:
        """Stop background work and close connections."""

    @abstractmethod
    async def send(self, message: OutboundMessage) -> None:
        """Deliver a message that is not a direct reply (an agent's message, a queue update)."""
