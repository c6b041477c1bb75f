"""JSON shapes of the Agent API (see docs/agent_api.md)."""
from __future__ import annotations

from datetime import datetime

from bot.handoff.agent_desk import message_view
from bot.messages import TranscriptMessage, utcnow
from bot.services import Services
from bot.storage.conversation_store import ConversationRecord
from bot.storage.times import iso


async def summaries(services: Services, convs: list[ConversationRecord]) -> list[dict]:
    last = await services.conversations.last_messages([c.id for c in convs])
    out = []
    for conv in convs:
        customer = await services.conversations.customer(conv.customer_id)
        out.append(_summary(conv, customer, last.get(conv.id)))
    return out


async def summary(services: Services, conv: ConversationRecord) -> dict:
    return (await summaries(services, [conv]))[0]


def _summary(conv: ConversationRecord, customer: dict | None, last: TranscriptMessage | None) -> dict:
    return {
        "id": conv.id, "state": conv.state, "channel": conv.channel, "language": conv.language,
        "customer": customer, "agent_id": conv.agent_id, "reason": conv.handoff_reason,
        "created_at": iso(conv.created_at), "updated_at": iso(conv.updated_at),
        "last_message": message_view(last) if last else None,
    }


async def queue(services: Services) -> list[dict]:
    items = []
    now = utcnow()
    for handoff, _customer in await services.handoffs.queued():
        conv = await services.conversations.get(handoff.conversation_id)
        if conv is None:
            continue
        view = await summary(services, conv)
        items.append(
            {
                "conversation_id": conv.id, "customer": view["customer"], "reason": handoff.reason,
                "detail": handoff.detail, "queued_at": iso(handoff.requested_at),
                "wait_seconds": round(_seconds(now, handoff.requested_at)), "language": handoff.language,
                "category": handoff.category, "channel": conv.channel, "last_message": view["last_message"],
            }
        )
    return items


async def context(services: Services, conv: ConversationRecord, reply_window: dict | None) -> dict:
    transcript = await services.conversations.transcript(conv.id)
    handoff = await services.handoffs.current(conv.id)
    previous = []
    linked = await services.conversations.linked_customers(conv.customer_id)
    for old in await services.conversations.list(customer_id=linked, limit=20):
        if old.id != conv.id:
            messages = await services.conversations.transcript(old.id, limit=100)
            previous.append(
                {"id": old.id, "channel": old.channel, "created_at": iso(old.created_at),
                 "messages": [message_view(m) for m in messages]}
            )
    return {
        "conversation": await summary(services, conv),
        "transcript": [message_view(m) for m in transcript],
        "previous": previous,
        "handoff": None if handoff is None else {
            "reason": handoff.reason, "detail": handoff.detail, "status": handoff.status,
            "requested_at": iso(handoff.requested_at), "assigned_at": iso(handoff.assigned_at),
            "wait_seconds": handoff.wait_seconds,
        },
        "unanswered": _unanswered(services, transcript),
        "customer": await services.conversations.customer(conv.customer_id),
        "notes": await services.records.notes(conv.id),
        "reply_window": reply_window,
    }


def _unanswered(services: Services, transcript: list[TranscriptMessage]) -> list[dict]:
    """Customer questions the bot missed or was unsure of, with its best guesses."""
    by_id = {m.id: m for m in transcript}
    out = []
    for reply in transcript:
        decision = reply.metadata.get("decision")
        if reply.author != "bot" or decision not in ("no_answer", "clarify"):
            continue
        question = by_id.get(reply.reply_to)
        candidates = []
        for c in reply.metadata.get("candidates", [])[:3]:
            entry = services.kb.entry(c["id"])
            candidates.append({"id": c["id"], "question": entry.question if entry else c["id"], "confidence": c["confidence"]})
        out.append(
            {"message_id": question.id if question else None, "text": question.text if question else "",
             "decision": decision, "candidates": candidates}
        )
    return out


def _seconds(now: datetime, then: datetime) -> float:
    return max(0.0, (now - then).total_seconds())
