"""Discarding a draft (back to the live version, or a never-published entry is gone) and the audit
names of discard, rollback and accepted misses."""
from __future__ import annotations

from tests.editor.conftest import Session, ask, edit, read

ENTRY = "/api/editor/entries/return_policy"


async def audit(editor, entry_id: str) -> list[dict]:
    return (await (await editor.get("/api/editor/audit", entry_id=entry_id)).json())["events"]


async def test_discarding_a_draft_of_a_published_entry_brings_back_its_published_text(editor, services, app_client):
    live = await services.kb.store.get("return_policy", "published")
    version = await services.kb.store.version()
    assert (await editor.put(ENTRY, edit(await read(editor, ENTRY), answer="草稿：30 天无理由退货。"))).status == 200
    one = await read(editor, ENTRY)
    assert one["draft"]["answer"] == "草稿：30 天无理由退货。"

    resp = await editor.post(f"{ENTRY}/discard", {"base_revision": one["revision"]})
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["removed"] is False and body["entry"]["answer"] == live.answer and body["entry"]["status"] == "published"
    after = await read(editor, ENTRY)
    assert after["draft"] is None and after["live"]["answer"] == live.answer and after["revision"] == body["revision"]
    assert await services.kb.store.version() == version  # customers saw no change
    listing = await (await editor.get("/api/editor/entries", status="draft")).json()
    assert listing["drafts"] == 0
    [event] = [e for e in await audit(editor, "return_policy") if e["operation"] == "discard_draft"]
    assert event["by"] == "ed" and event["detail"] == {"removed": False}
    latest = (await (await editor.get(f"{ENTRY}/history")).json())["revisions"][0]
    assert latest["change"] == "discard_draft" and latest["entry"]["answer"] == live.answer
    assert (await ask(app_client, "cust-1", live.question))[0]["text"] == live.answer


async def test_discarding_a_never_published_entry_removes_it(editor, services):
    created = await editor.post("/api/editor/entries", {"id": "gift_wrap", "question": "可以礼品包装吗", "answer": "可以。"})
    assert created.status == 201
    resp = await editor.post("/api/editor/entries/gift_wrap/discard", {"base_revision": (await created.json())["revision"]})
    assert resp.status == 200 and (await resp.json())["removed"] is True and (await resp.json())["entry"] is None
    assert (await editor.get("/api/editor/entries/gift_wrap")).status == 404
    assert await services.kb.store.get("gift_wrap") is None
    assert [e["operation"] for e in await audit(editor, "gift_wrap")] == ["discard_draft", "save"]


async def test_discard_refuses_unknown_ids_no_draft_stale_tokens_and_agents(editor, services, aiohttp_client, app_client):
    assert (await editor.post("/api/editor/entries/nope/discard", {"base_revision": 0})).status == 404
    one = await read(editor, ENTRY)
    nothing = await editor.post(f"{ENTRY}/discard", {"base_revision": one["revision"]})
    assert nothing.status == 409 and (await nothing.json())["error"]["code"] == "no_draft"
    missing = await editor.post(f"{ENTRY}/discard", {})
    assert missing.status == 400 and (await missing.json())["error"]["code"] == "missing_base_revision"
    garbled = await editor.post(f"{ENTRY}/discard", {"base_revision": "draft"})
    assert garbled.status == 400 and (await garbled.json())["error"]["code"] == "bad_base_revision"

    assert (await editor.put(ENTRY, edit(one, answer="第一版草稿"))).status == 200
    stale = await editor.post(f"{ENTRY}/discard", {"base_revision": one["revision"]})  # read before that save
    assert stale.status == 409 and (await stale.json())["error"]["code"] == "edit_conflict"
    assert (await services.kb.store.get("return_policy", "draft")).answer == "第一版草稿"
    agent = await Session.login(aiohttp_client, app_client, services, "wang", "agent")
    fresh = await read(editor, ENTRY)
    refused = await agent.post(f"{ENTRY}/discard", {"base_revision": fresh["revision"]})
    assert refused.status == 403 and (await services.kb.store.get("return_policy", "draft")) is not None


async def test_rollback_and_accepted_misses_have_their_own_audit_names(editor, services):
    one = await read(editor, ENTRY)
    assert (await editor.put(ENTRY, edit(one, answer="改过的答案"))).status == 200
    back = await editor.post(f"{ENTRY}/rollback", {"revision": 1, "base_revision": one["revision"] + 1})
    assert back.status == 200, await back.text()
    accepted = await editor.post("/api/editor/misses/accept", {"questions": ["东西坏了能退吗"], "entry_id": "return_policy"})
    assert accepted.status == 200, await accepted.text()
    events = await audit(editor, "return_policy")
    assert [e["operation"] for e in events[:3]] == ["accept_misses", "rollback", "save"]
    assert events[1]["detail"] == {"created": False, "restored_revision": 1}
    changes = [r["change"] for r in (await (await editor.get(f"{ENTRY}/history")).json())["revisions"]]
    assert changes[:3] == ["accept_misses", "rollback", "save"]
