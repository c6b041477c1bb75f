"""The editor API in the OpenAPI document (docs/editor_api.md has the prose)."""
from __future__ import annotations

from bot.openapi import ApiFragment

_OBJ = {"type": "object", "additionalProperties": True}
_ERRORS = {
    403: "Role not allowed (editor or admin needed), or missing/wrong X-CSRF-Token on a change.",
    404: "No such entry (or revision).",
    409: "`edit_conflict`: the entry changed after `base_revision` (the body says who, when and how; "
         "reload, compare, apply again); `exists`: the id is taken; `no_draft`: nothing to discard.",
}
_REVISION = {"type": "integer", "minimum": 0, "maximum": 2**31 - 1,
             "description": "The `revision` the entry was read at (GET /api/editor/entries/{id})."}
_CONFLICT = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"enum": ["edit_conflict", "exists", "no_draft"]},
        "message": {"type": "string", "description": "Chinese / English: who changed it, when, what to do."},
        "entry_id": {"type": "string"}, "base_revision": {"type": "integer"},
        "current_revision": {"type": "integer", "description": "The entry's revision now."},
        "changed_by": {"type": "string"}, "changed_at": {"type": "string", "format": "date-time"},
        "change": {"type": "string", "description": "save, rollback, accept_misses, discard_draft, delete or import."},
        "deleted": {"type": "boolean", "description": "The change was a deletion."},
    }}},
}


def _ref(kind: str, name: str) -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def _op(summary: str, ok: str, errors: tuple[int, ...], body: dict | None = None, status: str = "200",
        params: list | None = None) -> dict:
    done = {"description": ok} if status == "204" else {
        "description": ok, "content": {"application/json": {"schema": _OBJ}}}
    op: dict = {"tags": ["editor"], "summary": summary, "security": [{"AgentSession": []}], "responses": {status: done}}
    for code in errors:
        op["responses"][str(code)] = _ref("responses", f"EditorError{code}" if code in _ERRORS else f"Error{code}")
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if params:
        op["parameters"] = params
    return op


def _change(summary: str, ok: str, errors: tuple[int, ...], body: dict | None = None, status: str = "200",
            params: list | None = None) -> dict:
    """A state-changing operation: the CSRF header is required."""
    csrf = {"name": "X-CSRF-Token", "in": "header", "required": True, "schema": {"type": "string"}}
    return _op(summary, ok, errors, body, status, [csrf, *(params or [])])


def editor_fragment() -> ApiFragment:
    entry_id = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
    entry_body = {"type": "object", "description": "Entry fields (id, question, variants, answer, buttons, links, "
                                                   "channel_answers, category, tags, language, action, handoff)."}
    update_body = {"allOf": [entry_body, {"type": "object", "properties": {"base_revision": _REVISION}}],
                   "description": "Without base_revision the save is not checked (the last write wins); the "
                                  "editor UI always sends it."}
    paths = {
        "/api/editor/status": {"get": _op("KB version, the version this process answers from, drafts.",
                                          "{version, loaded_version, drafts, live_entries, refresh_seconds}", (401, 403))},
        "/api/editor/entries": {
            "get": _op("Entries (working copies) with filters q, status, category, tag, language, limit, offset.",
                       "{total, entries, drafts, categories, tags, languages}", (400, 401, 403)),
            "post": _change("Create an entry as a draft; never replaces an existing id.", "{entry, revision}",
                            (400, 401, 403, 409), entry_body, "201"),
        },
        "/api/editor/entries/{id}": {
            "parameters": entry_id,
            "get": _op("An entry's draft and live version, and its revision (the token for the next change).",
                       "{id, draft, live, revision}", (401, 403, 404)),
            "put": _change("Save a new draft of an entry, unless it changed after base_revision.", "{entry, revision}",
                           (400, 401, 403, 404, 409), update_body),
            "delete": _change("Delete an entry (draft and live), unless it changed after base_revision.", "Deleted.",
                              (400, 401, 403, 404, 409), status="204",
                              params=[{"name": "base_revision", "in": "query", "schema": _REVISION}]),
        },
        "/api/editor/entries/{id}/discard": {"parameters": entry_id, "post": _change(
            "Discard the draft: back to the live version, or the entry is gone if it never went live "
            "(audited as discard_draft).", "{id, entry (live, or null), removed, revision}", (400, 401, 403, 404, 409),
            {"type": "object", "required": ["base_revision"], "properties": {"base_revision": _REVISION}})},
        "/api/editor/entries/{id}/history": {"parameters": entry_id, "get": _op(
            "Every revision of an entry, newest first.", "{id, revisions}", (401, 403, 404))},
        "/api/editor/entries/{id}/diff": {"parameters": entry_id, "get": _op(
            "What changed: ?revision=N&against=previous|current|M.", "{from, to, changes}", (400, 401, 403, 404))},
        "/api/editor/entries/{id}/rollback": {"parameters": entry_id, "post": _change(
            "Restore a revision's content as a new draft (audited as rollback).", "{entry, restored_revision, revision}",
            (400, 401, 403, 404, 409), {"type": "object", "required": ["revision"], "properties": {
                "revision": {"type": "integer"}, "base_revision": _REVISION}})},
        "/api/editor/publish": {"post": _change("Make every draft live; returns the new KB version.",
                                                "{version, published}", (401, 403))},
        "/api/editor/audit": {"get": _op("Who did what: save, rollback, accept_misses, discard_draft, delete, "
                                         "publish, import (?limit, ?entry_id).", "{events}", (400, 401, 403))},
        "/api/editor/import/preview": {"post": _change("What an import file would change (multipart: file, mode).",
                                                       "{file, entries, mode, new, changed, removed, unchanged}",
                                                       (400, 401, 403, 413))},
        "/api/editor/import/apply": {"post": _change("Import a file in one transaction (multipart: file, mode).",
                                                     "{file, entries, version, ...preview}", (400, 401, 403, 413))},
        "/api/editor/export": {"get": _op("Download the KB (?format=csv|json|xlsx|yaml&scope=published|all).",
                                          "The file.", (400, 401, 403))},
        "/api/editor/try": {"post": _change("How the bot would answer a question.", "{text, decision, confidence, "
                                            "candidates, thresholds, kb_version}", (400, 401, 403),
                                            {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}})},
        "/api/editor/check": {"get": _op("Whole-KB check: confused variants, near duplicates, entries without variants.",
                                         "{entries, kb_version, confused_variants, near_duplicates, no_variants}", (401, 403))},
        "/api/editor/misses": {"get": _op("Questions the bot missed, grouped (?days).", "{days, misses, groups}",
                                          (400, 401, 403))},
        "/api/editor/misses/accept": {"post": _change(
            "Add missed questions as variants of an entry ({questions, entry_id}) or as a new entry "
            "({questions, new_entry}); a draft, audited as accept_misses.", "{entry, revision}", (400, 401, 403, 404, 409),
            {"type": "object", "required": ["questions"]})},
        "/api/editor/misses/dismiss": {"post": _change("Dismiss missed questions.", "{dismissed}", (400, 401, 403),
                                                       {"type": "object", "required": ["questions"]})},
    }
    responses = {f"EditorError{code}": {"description": text, "content": {"application/json": {
        "schema": _CONFLICT if code == 409 else _ref("schemas", "Error")}}} for code, text in _ERRORS.items()}
    return ApiFragment(
        tag="editor",
        description="The knowledge editor's API (editor and admin roles, session cookie of /api/agent/login); "
                    "docs/editor_api.md. Changes of an entry name the `base_revision` they were based on.",
        paths=paths,
        components={"responses": responses},
    )
