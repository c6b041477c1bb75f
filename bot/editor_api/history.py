"""Editor API: an entry's version history, the diff between two versions, rollback, the audit log.

Rollback writes the chosen version's content as a new DRAFT (never straight to customers): the
editor sees it beside the live version, can still change it, and it goes live with the next
publish, like any other edit. Publishing is all-drafts-at-once, so a rollback that published
directly would also publish other editors' unfinished drafts. It is audited as `rollback` (with the
revision restored) and, like a save, refused with 409 if the entry changed after `base_revision`.
"""
from __future__ import annotations

from dataclasses import replace

from aiohttp import web

from bot.app_keys import SERVICES
from bot.auth import User
from bot.editor_api.entry_json import entry_view, read_body
from bot.editor_api.http import EditorError, base_revision, editor_route, int_query, who
from bot.storage.times import iso
from knowledge.entry_diff import EntryDiff
from knowledge.faq_store import EntryRevision


def _store(request: web.Request):
    return request.app[SERVICES].kb.store


def _revision_view(rev: EntryRevision) -> dict:
    return {"revision": rev.revision, "change": rev.change, "status": rev.status, "changed_at": iso(rev.changed_at),
            "changed_by": rev.changed_by, "entry": entry_view(rev.entry)}


async def _revisions(request: web.Request) -> list[EntryRevision]:
    entry_id = request.match_info["id"]
    revisions = await _store(request).history(entry_id)
    if not revisions:
        raise EditorError(404, "not_found", f"没有这个条目的历史 / No history for entry {entry_id!r}.")
    return revisions


def _pick(revisions: list[EntryRevision], number: int) -> EntryRevision:
    for rev in revisions:
        if rev.revision == number:
            return rev
    raise EditorError(404, "no_revision", f"没有第 {number} 版 / There is no revision {number}.")


@editor_route
async def history(request: web.Request, user: User) -> web.Response:
    revisions = await _revisions(request)
    return web.json_response({"id": request.match_info["id"], "revisions": [_revision_view(r) for r in revisions]})


@editor_route
async def diff(request: web.Request, user: User) -> web.Response:
    """?revision=N&against=previous|current|M: what changed from `against` to revision N
    (for "current": from revision N to the working copy)."""
    revisions = await _revisions(request)
    rev = _pick(revisions, int_query(request, "revision", revisions[0].revision, 1, 10**9))
    against = request.query.get("against", "previous")
    if against == "current":
        current = await _store(request).get(request.match_info["id"])
        before, after, labels = rev.entry, current, (rev.revision, "current")
    elif against == "previous":
        older = [r for r in revisions if r.revision < rev.revision]
        before, after, labels = (older[0].entry if older else None), rev.entry, (older[0].revision if older else None, rev.revision)
    else:
        other = _pick(revisions, int_query(request, "against", 1, 1, 10**9))
        before, after, labels = other.entry, rev.entry, (other.revision, rev.revision)
    return web.json_response({"from": labels[0], "to": labels[1], "changes": EntryDiff(before, after).as_list()})


@editor_route
async def rollback(request: web.Request, user: User) -> web.Response:
    """{revision, base_revision}: that revision's content as the new draft."""
    data = await read_body(request)
    number = data.get("revision")
    if isinstance(number, bool) or not isinstance(number, int):
        raise EditorError(400, "bad_revision", "revision 必须是整数 / revision must be a whole number.")
    base = base_revision(data.get("base_revision"))
    rev = _pick(await _revisions(request), number)
    if rev.entry is None:
        raise EditorError(400, "deleted_revision",
                          "这一版是删除记录，没有内容可恢复 / That revision is a deletion; it has no content to restore.")
    written = await _store(request).write_draft(replace(rev.entry, status="draft"), who(user), base_revision=base,
                                                operation="rollback", detail={"restored_revision": number})
    return web.json_response({"entry": entry_view(written.entry), "restored_revision": number,
                              "revision": written.revision})


@editor_route
async def audit(request: web.Request, user: User) -> web.Response:
    limit = int_query(request, "limit", 100, 1, 1000)
    entry_id = request.query.get("entry_id", "")
    events = await _store(request).audit_log(1000 if entry_id else limit)
    if entry_id:
        events = [e for e in events if e.entry_id == entry_id or entry_id in (e.detail.get("entries") or [])][:limit]
    return web.json_response({"events": [
        {"at": iso(e.at), "by": e.by, "operation": e.operation, "entry_id": e.entry_id, "detail": dict(e.detail)}
        for e in events
    ]})
