"""Button payloads: what a quick-reply button sends back as the message text.

Rasa-style slash commands, so Rasa front ends that send `payload` as the message work as is:
`/faq:ENTRY_ID`, `/feedback:yes:MESSAGE_ID`, `/feedback:no:MESSAGE_ID`, `/handoff`, `/none`,
`/rate:ATTRIBUTE:1-5`.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Payload:
    command: str  # faq | feedback | handoff | none
    args: tuple[str, ...] = ()


_ARITY = {"faq": 1, "feedback": 2, "handoff": 0, "none": 0, "rate": 2}


def parse_payload(text: str) -> Payload | None:
    """The command a button sent, or None for ordinary text (including unknown commands)."""
    text = text.strip()
    if not text.startswith("/") or " " in text:
        return None
    command, *args = text[1:].split(":")
    if _ARITY.get(command) != len(args) or any(not a for a in args):
        return None
    if command == "feedback" and args[0] not in ("yes", "no"):
        return None
    if command == "rate" and (args[1] not in ("1", "2", "3", "4", "5")):
        return None
    return Payload(command, tuple(args))


def faq(entry_id: str) -> str:
    return f"/faq:{entry_id}"


def feedback(helpful: bool, message_id: str) -> str:
    return f"/feedback:{'yes' if helpful else 'no'}:{message_id}"


HANDOFF = "/handoff"
NONE_OF_THESE = "/none"
