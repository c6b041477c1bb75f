"""Editor API: version history, diffs, rollback (as a draft) and the audit log."""
from __future__ import annotations


async def _edit_answer(editor, services, answer: str) -> None:
    live = await services.kb.store.get("return_policy")
    body = {"question": live.question, "variants": list(live.variants), "answer": answer, "category": live.category}
    assert (await editor.put("/api/editor/entries/return_policy", body)).status == 200
    assert (await editor.post("/api/editor/publish")).status == 200


async def test_history_diff_and_rollback_restore_the_previous_answer(editor, services, app_client):
    original = (await services.kb.store.get("return_policy")).answer
    await _edit_answer(editor, services, "签收后 15 天内可退货。")
    revisions = (await (await editor.get("/api/editor/entries/return_policy/history")).json())["revisions"]
    assert [r["change"] for r in revisions] == ["publish", "save", "import"]
    assert revisions[0]["entry"]["answer"] == "签收后 15 天内可退货。" and revisions[1]["changed_by"] == "ed"

    diff = await (await editor.get("/api/editor/entries/return_policy/diff", revision="2")).json()
    assert diff["from"] == 1 and diff["to"] == 2
    [change] = diff["changes"]
    assert change["field"] == "answer" and change["before"] == original
    assert ["insert", "15"] in change["segments"] and ["delete", "7"] in change["segments"]

    resp = await editor.post("/api/editor/entries/return_policy/rollback", {"revision": 1})
    assert resp.status == 200 and (await resp.json())["entry"]["status"] == "draft"
    one = await (await editor.get("/api/editor/entries/return_policy")).json()
    assert one["draft"]["answer"] == original and one["live"]["answer"] == "签收后 15 天内可退货。"
    assert (await editor.post("/api/editor/publish")).status == 200
    await services.kb.refresh()
    assert services.kb.entry("return_policy").answer == original


async def test_diff_against_current_and_bad_revisions(editor, services):
    await _edit_answer(editor, services, "新的答案。")
    current = await (await editor.get("/api/editor/entries/return_policy/diff", revision="1", against="current")).json()
    assert current["to"] == "current" and current["changes"][0]["after"] == "新的答案。"
    assert (await editor.get("/api/editor/entries/return_policy/diff", revision="99")).status == 404
    assert (await editor.get("/api/editor/entries/return_policy/diff", revision="x")).status == 400
    for body in ({"revision": "1"}, {"revision": True}, {}):
        assert (await editor.post("/api/editor/entries/return_policy/rollback", body)).status == 400
    assert (await editor.post("/api/editor/entries/return_policy/rollback", {"revision": 42})).status == 404


async def test_a_deleted_entry_comes_back_from_its_history_but_not_from_the_deletion(editor, services):
    assert (await editor.delete("/api/editor/entries/return_policy")).status == 204
    revisions = (await (await editor.get("/api/editor/entries/return_policy/history")).json())["revisions"]
    assert revisions[0]["change"] == "delete" and revisions[0]["entry"] is None
    gone = await editor.post("/api/editor/entries/return_policy/rollback", {"revision": revisions[0]["revision"]})
    assert gone.status == 400 and (await gone.json())["error"]["code"] == "deleted_revision"
    back = await editor.post("/api/editor/entries/return_policy/rollback", {"revision": 1})
    assert back.status == 200 and (await services.kb.store.get("return_policy")).status == "draft"


async def test_audit_log_says_who_did_what(editor, services):
    await _edit_answer(editor, services, "新的答案。")
    events = (await (await editor.get("/api/editor/audit")).json())["events"]
    assert [(e["operation"], e["by"]) for e in events[:2]] == [("publish", "ed"), ("save", "ed")]
    mine = (await (await editor.get("/api/editor/audit", entry_id="return_policy")).json())["events"]
    assert {e["operation"] for e in mine} == {"publish", "save"}  # an import names no entries
    assert (await editor.get("/api/editor/audit", limit="5000")).status == 400
