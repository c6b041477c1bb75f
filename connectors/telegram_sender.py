"""Sends Telegram messages in order per chat, within Telegram's rate limits, surviving 429s.

Telegram allows about one message per second in a chat and thirty per second overall; above that
it answers 429 with `retry_after`. Each chat has its own queue (`KeyedWorker`), so a chat waiting
out a 429 keeps its order and never holds up other chats; a message is retried until Telegram
accepts it, so none is lost or sent twice because of a 429.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from datetime import timedelta

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, NetworkError, RetryAfter

from connectors.keyed_worker import KeyedWorker

log = logging.getLogger(__name__)

__all__ = ["TelegramSender", "retry_seconds"]

NETWORK_RETRIES = 3  # then the error goes to the caller
_MAX_TRACKED_CHATS = 10_000


class TelegramSender:
    def __init__(self, bot: Bot, per_chat_interval: float, global_per_second: int) -> None:
        self.bot = bot
        self.per_chat_interval = per_chat_interval
        self._window: deque[float] = deque(maxlen=global_per_second)
        self._global_lock = asyncio.Lock()
        self._last_sent: dict[str, float] = {}
        self._queues = KeyedWorker("telegram-send")

    def send_text(self, chat_id: int | str, text: str, markup: InlineKeyboardMarkup | None = None) -> asyncio.Future:
        """Queue one message; the future resolves to the sent Message (or the final error)."""
        return self._queues.submit(str(chat_id), lambda: self._send(chat_id, text, markup))

    async def drain(self) -> None:
        await self._queues.join()

    async def close(self) -> None:
        await self._queues.close()

    async def _send(self, chat_id: int | str, text: str, markup: InlineKeyboardMarkup | None) -> Message:
        failures = 0
        while True:
            await self._pace(str(chat_id))
            try:
                return await self.bot.send_message(chat_id, text, reply_markup=markup)
            except RetryAfter as exc:
                wait = retry_seconds(exc)
                log.info("telegram: 429 for chat %s, retrying in %.1f s", chat_id, wait)
                await asyncio.sleep(wait)
            except BadRequest:
                raise  # our request is wrong (e.g. chat not found): retrying cannot help
            except NetworkError as exc:  # includes TimedOut
                # A timed-out call may have reached Telegram: the retry makes delivery at-least-once
                # (Telegram has no idempotency key), which beats an agent's reply silently lost.
                failures += 1
                if failures > NETWORK_RETRIES:
                    raise
                log.info("telegram: %r sending to chat %s, retry %d", exc, chat_id, failures)
                await asyncio.sleep(0.5 * 2 ** failures)

    async def _pace(self, chat: str) -> None:
        # Per chat: this chat's queue is the only writer of its timestamp.
        last = self._last_sent.get(chat)
        if last is not None and (wait := last + self.per_chat_interval - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        # Global: at most maxlen sends in any one-second window.
        async with self._global_lock:
            if len(self._window) == self._window.maxlen:
                wait = self._window[0] + 1.0 - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
            now = time.monotonic()
            self._window.append(now)
        self._last_sent[chat] = now
        if len(self._last_sent) > _MAX_TRACKED_CHATS:  # forget chats idle longer than the interval
            cutoff = now - self.per_chat_interval
            self._last_sent = {c: t for c, t in self._last_sent.items() if t > cutoff}


def retry_seconds(exc: RetryAfter) -> float:
    """PTB 22 gives retry_after as int or timedelta depending on PTB_TIMEDELTA."""
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
