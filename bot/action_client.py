"""Runs custom actions on a Rasa action server (rasa_sdk), so business code stays out of the bot.

A standard server runs our `actions` package: `python -m rasa_sdk --actions actions -p 5055`.

How an action asks for a person: it utters a message with
`custom={"handoff": {"reason": "..."}}` (the reason is stored with the handoff), or returns a
`ConversationPaused()` event (reason "action_requested"). The engine then moves the conversation
to the handoff queue; the action's text replies are still shown first.

Any failure (server down, timeout, unknown action, a response that is not the protocol) raises
`ActionUnavailable`; the engine answers with a fallback message and the conversation goes on.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Mapping

import aiohttp

from bot.messages import Button

__all__ = ["ActionClient", "ActionReply", "ActionResult", "ActionUnavailable"]

PROTOCOL_VERSION = "3.6.0"  # the Rasa version we claim; rasa_sdk warns when none is sent
PAUSE_REASON = "action_requested"


class ActionUnavailable(Exception):
    """The action could not run; `reason` says why in words fit for a log."""

    def __init__(self, reason: str, action_name: str = "") -> None:
        super().__init__(f"action '{action_name}' unavailable: {reason}" if action_name else reason)
        self.reason = reason
        self.action_name = action_name


@dataclass(frozen=True)
class ActionReply:
    text: str
    buttons: tuple[Button, ...] = ()
    image: str = ""


@dataclass(frozen=True)
class ActionResult:
    replies: tuple[ActionReply, ...]
    handoff_reason: str | None = None
    events: tuple[Mapping[str, Any], ...] = ()  # raw Rasa events (SlotSet, ...), for the engine to apply


class ActionClient:
    def __init__(self, url: str, timeout_seconds: float, http: aiohttp.ClientSession) -> None:
        self.url = url
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self.http = http

    async def run(
        self,
        action_name: str,
        sender_id: str,
        text: str,
        metadata: Mapping[str, Any],
        slots: Mapping[str, Any] | None = None,
    ) -> ActionResult:
        body = _request_body(action_name, sender_id, text, metadata, slots or {})
        try:
            async with self.http.post(self.url, json=body, timeout=self.timeout) as response:
                if response.status == 404:
                    raise ActionUnavailable("the action server does not know this action", action_name)
                if response.status != 200:
                    detail = (await response.text(errors="replace"))[:200]
                    raise ActionUnavailable(f"action server answered HTTP {response.status}: {detail}", action_name)
                try:
                    payload = await response.json(content_type=None)
                except ValueError:
                    raise ActionUnavailable("action server answered with something that is not JSON", action_name) from None
        except asyncio.TimeoutError:
            raise ActionUnavailable(f"action server timed out after {self.timeout.total} s", action_name) from None
        except aiohttp.ClientError as exc:
            raise ActionUnavailable(f"action server unreachable at {self.url}: {exc}", action_name) from None
        return _parse_result(action_name, payload)


def _request_body(
    action_name: str, sender_id: str, text: str, metadata: Mapping[str, Any], slots: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "next_action": action_name,
        "sender_id": sender_id,
        "tracker": {
            "sender_id": sender_id,
            "slots": dict(slots),
            "latest_message": {"text": text, "intent": {}, "entities": [], "metadata": dict(metadata)},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
        "domain": {},  # rasa_sdk 3.21 answers 449 without one
        "version": PROTOCOL_VERSION,
    }


def _parse_result(action_name: str, payload: Any) -> ActionResult:
    def bad(why: str) -> ActionUnavailable:
        return ActionUnavailable(f"action server answered outside the protocol: {why}", action_name)

    if not isinstance(payload, dict):
        raise bad("the body is not an object")
    responses, events = payload.get("responses") or [], payload.get("events") or []
    if not isinstance(responses, list) or not isinstance(events, list):
        raise bad("'responses' and 'events' must be lists")
    if not all(isinstance(item, dict) for item in (*responses, *events)):
        raise bad("every response and event must be an object")
    replies: list[ActionReply] = []
    handoff_reason: str | None = None
    for response in responses:
        custom = response.get("custom") or {}
        handoff = custom.get("handoff") if isinstance(custom, dict) else None
        if isinstance(handoff, dict):
            handoff_reason = str(handoff.get("reason") or PAUSE_REASON)
        text = response.get("text")
        if isinstance(text, str) and text:
            replies.append(ActionReply(text, _buttons(response.get("buttons")), str(response.get("image") or "")))
    if handoff_reason is None and any(event.get("event") == "pause" for event in events):
        handoff_reason = PAUSE_REASON
    return ActionResult(tuple(replies), handoff_reason, tuple(events))


def _buttons(raw: Any) -> tuple[Button, ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(
        Button(str(item["title"]), str(item["payload"]))
        for item in raw
        if isinstance(item, dict) and item.get("title") and item.get("payload")
    )
