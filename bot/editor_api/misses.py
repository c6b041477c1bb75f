"""Editor API: learn from misses. Groups of questions the bot missed, a suggestion for each, and
one-click accept (as variants of an entry, or as a new entry: a draft, live on publish) or dismiss.

Questions an editor accepted or dismissed leave the list for good (editor_miss_resolutions), and so
do questions that are already a phrasing of some entry, draft or live.
"""
from __future__ import annotations

import asyncio
from dataclasses import replace

from aiohttp import web

from bot.app_keys import SERVICES
from bot.auth import User
from bot.editor_api.entries import working_copies
from bot.editor_api.entry_json import entry_from_body, entry_view, read_body
from bot.editor_api.http import EditorError, editor_route, int_query, who
from bot.editor_api.insight import candidate_view
from bot.editor_api.miss_source import MissSource
from bot.storage.times import iso
from knowledge.miss_groups import MissGroups, question_key
from knowledge.text_similarity import normalise_question

_MAX_GROUPS = 50
_MAX_QUESTIONS = 200


@editor_route
async def list_misses(request: web.Request, user: User) -> web.Response:
    days = int_query(request, "days", 30, 1, 365)
    services = request.app[SERVICES]
    source = MissSource(services.db)
    misses = await source.misses(days)
    resolved = await source.resolved_keys()
    covered = {normalise_question(p) for work, _, _ in await working_copies(services.kb.store) for p in work.phrasings}
    open_misses = [m for m in misses if question_key(m.text) not in resolved and normalise_question(m.text) not in covered]
    groups = (await asyncio.to_thread(MissGroups().group, open_misses))[:_MAX_GROUPS]
    kb = services.kb
    results = await asyncio.to_thread(kb.retriever.search_batch, [g.representative for g in groups], 3) if groups else []
    threshold = services.settings.knowledge.clarify_threshold
    out = []
    for group, result in zip(groups, results):
        candidates = [candidate_view(kb, c) for c in result.candidates if kb.entry(c.entry_id)]
        variant = bool(candidates) and candidates[0]["confidence"] >= threshold
        out.append({
            "key": group.key, "representative": group.representative, "questions": list(group.questions),
            "customers": group.customers, "asked": group.asked, "last_asked": iso(group.last_asked),
            "reasons": dict(group.reasons), "candidates": candidates,
            "suggestion": {"kind": "variant", "entry_id": candidates[0]["entry_id"]} if variant else {"kind": "new"},
        })
    return web.json_response({"days": days, "misses": len(open_misses), "groups": out})


def _questions(data: dict) -> list[str]:
    questions = data.get("questions")
    if not isinstance(questions, list) or not questions or len(questions) > _MAX_QUESTIONS \
            or not all(isinstance(q, str) and q.strip() and len(q) <= 2000 for q in questions):
        raise EditorError(400, "bad_questions", f"questions 必须是 1 到 {_MAX_QUESTIONS} 个非空问题 / "
                                                f"questions must be a list of 1 to {_MAX_QUESTIONS} non-empty texts.")
    return list(dict.fromkeys(q.strip() for q in questions))


@editor_route
async def accept(request: web.Request, user: User) -> web.Response:
    """{questions, entry_id}: add them as variants of that entry; {questions, new_entry: {id, answer, ...}}:
    a new entry asking the first question, the others as its variants. Either way a draft."""
    data = await read_body(request)
    questions = _questions(data)
    store = request.app[SERVICES].kb.store
    if isinstance(data.get("entry_id"), str) and "new_entry" not in data:
        state = await store.state(data["entry_id"])
        entry = state.working
        if entry is None:
            raise EditorError(404, "not_found", f"没有这个条目 / No entry {data['entry_id']!r}.")
        known = {normalise_question(p) for p in entry.phrasings}
        added = [q for q in questions if normalise_question(q) not in known]
        draft = replace(entry, variants=(*entry.variants, *added), status="draft")
        # Based on the revision just read: an editor's save landing in between is not overwritten (409).
        base, expect = state.revision, "existing"
    elif isinstance(data.get("new_entry"), dict) and "entry_id" not in data:
        fields = dict(data["new_entry"])
        fields.setdefault("question", questions[0])
        fields.setdefault("variants", [q for q in questions if normalise_question(q) != normalise_question(fields["question"])])
        draft = entry_from_body(fields)
        base, expect = None, "new"  # 409 exists if the id is taken
    else:
        raise EditorError(400, "bad_target", "请给出 entry_id 或 new_entry 之一 / Give either entry_id or new_entry.")
    written = await store.write_draft(draft, who(user), base_revision=base, expect=expect, operation="accept_misses",
                                      detail={"questions": len(questions)})
    await MissSource(request.app[SERVICES].db).resolve(questions, "accepted", who(user), draft.id)
    return web.json_response({"entry": entry_view(written.entry), "revision": written.revision})


@editor_route
async def dismiss(request: web.Request, user: User) -> web.Response:
    questions = _questions(await read_body(request))
    count = await MissSource(request.app[SERVICES].db).resolve(questions, "dismissed", who(user))
    return web.json_response({"dismissed": count})
