"""Buttons for WeChat text messages: a numbered list, and the customer answers with the number.

Official Account text messages (passive or customer-service) have no buttons, so clarify
options, "was this helpful?" and "talk to a person" are shown as "1. ... 2. ..." and the number
maps back to the button's payload. The map lives in the shared store per customer (any worker may
get the answer) and expires; a later batch of replies replaces it, one without buttons clears it.
"""
from __future__ import annotations

import json
import re
import unicodedata

from bot.messages import OutboundMessage
from connectors.dedupe_store import DedupeStore

__all__ = ["NumberedOptions"]

_NUMBER = re.compile(r"\s*(\d{1,2})\s*[.。、]?\s*")
_HINT = {"zh": "回复数字选择：", "en": "Reply with a number:"}


class NumberedOptions:
    def __init__(self, store: DedupeStore, channel: str, ttl_seconds: int) -> None:
        self.store, self.channel, self.ttl = store, channel, ttl_seconds

    def _key(self, user_id: str) -> str:
        return f"{self.channel}:options:{user_id}"

    async def render(self, user_id: str, replies: list[OutboundMessage]) -> list[str]:
        """The text of each reply with its buttons as numbered lines (numbered across the batch)."""
        texts: list[str] = []
        choices: dict[str, dict[str, str]] = {}
        for reply in replies:
            text = reply.text
            if reply.buttons:
                lines = []
                for button in reply.buttons:
                    number = str(len(choices) + 1)
                    choices[number] = {"payload": button.payload, "title": button.title}
                    lines.append(f"{number}. {button.title}")
                hint = _HINT["en" if _latin(text) else "zh"]
                text = f"{text}\n\n{hint}\n" + "\n".join(lines) if text else "\n".join(lines)
            texts.append(text)
        if choices:
            await self.store.set(self._key(user_id), json.dumps(choices, ensure_ascii=False), self.ttl)
        elif replies:
            await self.store.delete(self._key(user_id))
        return texts

    async def resolve(self, user_id: str, text: str) -> dict[str, str] | None:
        """{"payload", "title"} when `text` is just the number of an offered option."""
        match = _NUMBER.fullmatch(unicodedata.normalize("NFKC", text))  # full-width digits too
        if not match:
            return None
        raw = await self.store.get(self._key(user_id))
        if not raw:
            return None
        return json.loads(raw).get(str(int(match.group(1))))


def _latin(text: str) -> bool:
    return bool(text) and not re.search(r"[\u4e00-\u9fff]", text)
