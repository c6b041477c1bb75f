"""Editor API: "try it" (what the live bot decides for a question, and why) and the whole-KB check.

Both run against the live knowledge base this process answers from: drafts take part once published.
"""
from __future__ import annotations

import asyncio
from dataclasses import asdict

from aiohttp import web

from bot.app_keys import SERVICES
from bot.auth import User
from bot.editor_api.entry_json import read_body
from bot.editor_api.http import EditorError, editor_route
from knowledge.kb_check import KbCheck
from knowledge.types import Candidate

_MAX_QUESTION = 2000


def candidate_view(kb, c: Candidate) -> dict:
    entry = kb.entry(c.entry_id)
    return {"entry_id": c.entry_id, "question": entry.question if entry else "", "confidence": round(c.confidence, 4),
            "matched": c.matched, "matched_variant": bool(entry) and c.matched != entry.question.strip(),
            "dense": round(c.dense, 4), "lexical": round(c.lexical, 4)}


@editor_route
async def try_question(request: web.Request, user: User) -> web.Response:
    data = await read_body(request)
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise EditorError(400, "missing_text", "请输入一个问题 / Type a question to try.")
    if len(text) > _MAX_QUESTION:
        raise EditorError(400, "text_too_long", f"问题超过 {_MAX_QUESTION} 个字符 / The question is longer than {_MAX_QUESTION} characters.")
    services = request.app[SERVICES]
    kb, knowledge = services.kb, services.settings.knowledge
    result = await kb.search(text)
    return web.json_response({
        "text": text, "decision": result.decision, "confidence": round(result.confidence, 4),
        "candidates": [candidate_view(kb, c) for c in result.candidates],
        "thresholds": {"answer": knowledge.answer_threshold, "clarify": knowledge.clarify_threshold},
        "kb_version": kb.version,
    })


@editor_route
async def check(request: web.Request, user: User) -> web.Response:
    kb = request.app[SERVICES].kb
    entries = list(kb.entries)
    report = await asyncio.to_thread(KbCheck(kb.retriever).run, entries)
    questions = {e.id: e.question for e in entries}
    return web.json_response({
        "entries": report.entries, "kb_version": kb.version,
        "confused_variants": [asdict(c) | {"closer_question": questions.get(c.closer_entry, "")}
                              for c in report.confused_variants],
        "near_duplicates": [asdict(d) | {"first_question": questions.get(d.first, ""),
                                         "second_question": questions.get(d.second, "")} for d in report.near_duplicates],
        "no_variants": [{"id": i, "question": questions.get(i, "")} for i in report.no_variants],
    })
