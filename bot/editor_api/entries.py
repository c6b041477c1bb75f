"""Editor API: list, read, create, edit, discard and delete entries (as drafts), publish, and the KB status.

Edits are drafts customers never see; `publish` makes every draft live at once and bumps the KB
version, which every server process polls (KnowledgeBase.watch) and reloads within seconds.
`GET /api/editor/status` tells whether this process already answers from the published version.

Reading an entry gives its `revision`; an edit sends it back as `base_revision` and gets a 409
`edit_conflict` if someone else changed the entry meanwhile (see http.py), instead of overwriting.
"""
from __future__ import annotations

from collections import defaultdict

from aiohttp import web

from bot.app_keys import SERVICES
from bot.auth import User
from bot.editor_api.entry_json import entry_from_body, entry_view, read_body
from bot.editor_api.http import EditorError, base_revision, editor_route, int_query, who
from bot.storage.times import iso
from knowledge.types import FaqEntry

_STATUSES = ("all", "draft", "published")


def _store(request: web.Request):
    return request.app[SERVICES].kb.store


async def working_copies(store) -> list[tuple[FaqEntry, FaqEntry | None, FaqEntry | None]]:
    """(working copy, draft, live) per entry id: the draft when there is one, else the live row."""
    rows: dict[str, dict[str, FaqEntry]] = defaultdict(dict)
    for entry in await store.list_entries(None):
        rows[entry.id][entry.status] = entry
    return [(r.get("draft") or r["published"], r.get("draft"), r.get("published")) for r in rows.values()]


def _summary(work: FaqEntry, draft: FaqEntry | None, live: FaqEntry | None) -> dict:
    return {"id": work.id, "question": work.question, "answer": work.answer[:200], "category": work.category,
            "tags": list(work.tags), "language": work.language, "variants": len(work.variants),
            "status": "draft" if draft else "published", "live": live is not None,
            "updated_at": iso(work.updated_at), "updated_by": work.updated_by}


def _matches(work: FaqEntry, query: str) -> bool:
    haystack = "\n".join((work.id, work.question, work.answer, *work.variants, *work.channel_answers.values()))
    return query in haystack.casefold()


@editor_route
async def list_entries(request: web.Request, user: User) -> web.Response:
    q = request.query
    status = q.get("status", "all") or "all"
    if status not in _STATUSES:
        raise EditorError(400, "bad_status", "status 只能是 all、draft 或 published / status must be all, draft or published.")
    limit, offset = int_query(request, "limit", 200, 1, 1000), int_query(request, "offset", 0, 0, 10**9)
    copies = await working_copies(_store(request))
    text = q.get("q", "").strip().casefold()
    picked = [
        (w, d, live) for w, d, live in copies
        if (status == "all" or (status == "draft") == (d is not None))
        and (not q.get("category") or w.category == q["category"])
        and (not q.get("tag") or q["tag"] in w.tags)
        and ("language" not in q or q["language"] == "" or w.language == q["language"])
        and (not text or _matches(w, text))
    ]
    picked.sort(key=lambda c: c[0].id)
    return web.json_response({
        "total": len(picked),
        "entries": [_summary(*c) for c in picked[offset:offset + limit]],
        "drafts": sum(1 for _, d, _ in copies if d is not None),
        "categories": sorted({w.category for w, _, _ in copies if w.category}),
        "tags": sorted({t for w, _, _ in copies for t in w.tags}),
        "languages": sorted({w.language for w, _, _ in copies if w.language}),
    })


@editor_route
async def get_entry(request: web.Request, user: User) -> web.Response:
    entry_id = request.match_info["id"]
    state = await _store(request).state(entry_id)
    if state.working is None:
        raise EditorError(404, "not_found", f"没有这个条目 / No entry {entry_id!r}.")
    return web.json_response({"id": entry_id, "draft": entry_view(state.draft), "live": entry_view(state.live),
                              "revision": state.revision})


@editor_route
async def create_entry(request: web.Request, user: User) -> web.Response:
    """A new draft; 409 `exists` if the id is taken, even by an edit that lands at the same moment."""
    entry = entry_from_body(await read_body(request))
    written = await _store(request).write_draft(entry, who(user), expect="new")
    return web.json_response({"entry": entry_view(written.entry), "revision": written.revision}, status=201)


@editor_route
async def update_entry(request: web.Request, user: User) -> web.Response:
    """{...entry fields, base_revision}: a new draft of an existing entry, unless it changed since base_revision."""
    entry_id = request.match_info["id"]
    data = await read_body(request)
    base = base_revision(data.pop("base_revision", None))
    written = await _store(request).write_draft(entry_from_body(data, entry_id), who(user), base_revision=base,
                                                expect="existing")
    return web.json_response({"entry": entry_view(written.entry), "revision": written.revision})


@editor_route
async def delete_entry(request: web.Request, user: User) -> web.Response:
    """?base_revision=N (a DELETE has no body): refused with 409 if the entry changed since."""
    entry_id = request.match_info["id"]
    base = base_revision(request.query.get("base_revision"))
    if not await _store(request).delete(entry_id, who(user), base_revision=base):
        raise EditorError(404, "not_found", f"没有这个条目 / No entry {entry_id!r}.")
    return web.Response(status=204)


@editor_route
async def discard_draft(request: web.Request, user: User) -> web.Response:
    """{base_revision} (required: it names the draft being thrown away): back to the live version,
    or the entry is gone if it never went live (`entry` null, `removed` true)."""
    entry_id = request.match_info["id"]
    base = base_revision((await read_body(request)).get("base_revision"), required=True)
    written = await _store(request).discard_draft(entry_id, who(user), base_revision=base)
    return web.json_response({"id": entry_id, "entry": entry_view(written.entry), "removed": written.entry is None,
                              "revision": written.revision})


@editor_route
async def publish(request: web.Request, user: User) -> web.Response:
    store = _store(request)
    drafts = [e.id for e in await store.list_entries("draft")]
    version = await store.publish(who(user))
    return web.json_response({"version": version, "published": drafts})


@editor_route
async def status(request: web.Request, user: User) -> web.Response:
    services = request.app[SERVICES]
    store = services.kb.store
    return web.json_response({
        "version": await store.version(), "loaded_version": services.kb.version,
        "drafts": len(await store.list_entries("draft")), "live_entries": len(services.kb.entries),
        "refresh_seconds": services.settings.server.kb_refresh_seconds,
    })
