"""Editor API: roles, CSRF, entries as drafts, publish, unknown ids and bad bodies (nothing changes)."""
from __future__ import annotations

from tests.editor.conftest import Session, ask

NEW = {"id": "gift_wrap", "question": "可以包装成礼物吗", "variants": ["能礼品包装吗", "do you gift wrap"],
       "answer": "可以，结算时选择礼品包装。/ Yes, choose gift wrap at checkout.", "category": "orders",
       "tags": ["gift"], "language": "zh", "buttons": [{"title": "查订单", "payload": "/track"}],
       "links": [{"title": "帮助", "url": "https://example.com/help"}], "channel_answers": {"wechat": "可以包装"},
       "handoff": False}


async def test_anonymous_is_401_and_an_agent_is_403(app_client, services, aiohttp_client):
    assert (await app_client.get("/api/editor/entries")).status == 401
    agent = await Session.login(aiohttp_client, app_client, services, "li", "agent")
    for resp in (await agent.get("/api/editor/entries"), await agent.post("/api/editor/publish"),
                 await agent.post("/api/editor/entries", NEW)):
        assert resp.status == 403 and (await resp.json())["error"]["code"] == "forbidden"
    assert await services.kb.store.get("gift_wrap") is None


async def test_changes_without_the_csrf_token_are_refused_and_change_nothing(editor, services):
    resp = await editor.client.post("/api/editor/entries", json=NEW)  # no X-CSRF-Token
    assert resp.status == 403 and (await resp.json())["error"]["code"] == "csrf"
    version = await services.kb.store.version()
    assert (await editor.client.post("/api/editor/publish")).status == 403
    assert await services.kb.store.get("gift_wrap") is None and await services.kb.store.version() == version


async def test_an_admin_may_edit_too(app_client, services, aiohttp_client):
    admin = await Session.login(aiohttp_client, app_client, services, "boss", "admin")
    assert (await admin.post("/api/editor/entries", NEW)).status == 201


async def test_create_is_a_draft_with_every_field_and_customers_see_it_after_publish(editor, services, app_client):
    resp = await editor.post("/api/editor/entries", NEW)
    assert resp.status == 201, await resp.text()
    saved = (await resp.json())["entry"]
    assert saved["status"] == "draft" and saved["updated_by"] == "ed"
    assert {k: saved[k] for k in NEW} == NEW
    one = await (await editor.get("/api/editor/entries/gift_wrap")).json()
    assert one["live"] is None and one["draft"]["answer"] == NEW["answer"]
    listing = await (await editor.get("/api/editor/entries", status="draft")).json()
    assert [e["id"] for e in listing["entries"]] == ["gift_wrap"] and listing["drafts"] == 1
    assert services.kb.entry("gift_wrap") is None  # not live before publish

    published = await (await editor.post("/api/editor/publish")).json()
    assert published["published"] == ["gift_wrap"]
    await services.kb.refresh()  # what KnowledgeBase.watch does every couple of seconds
    status = await (await editor.get("/api/editor/status")).json()
    assert status == status | {"version": published["version"], "loaded_version": published["version"], "drafts": 0}
    replies = await ask(app_client, "cust-1", "do you gift wrap")
    assert replies[0]["text"].startswith("可以，结算时选择礼品包装")


async def test_list_filters_by_text_category_tag_status_and_language(editor):
    await editor.post("/api/editor/entries", NEW)
    async def ids(**params):
        return [e["id"] for e in (await (await editor.get("/api/editor/entries", **params)).json())["entries"]]
    assert await ids(q="GIFT WRAP") == ["gift_wrap"]
    assert await ids(q="支付宝") == ["payment_methods"]  # found in a variant
    assert "gift_wrap" in await ids(category="orders") and "shipping_time" not in await ids(category="orders")
    assert await ids(tag="gift") == ["gift_wrap"]
    assert "gift_wrap" not in await ids(status="published") and "shipping_time" in await ids(status="published")
    assert await ids(language="zh") == ["gift_wrap"]
    body = await (await editor.get("/api/editor/entries")).json()
    assert "orders" in body["categories"] and "gift" in body["tags"] and body["total"] == 7
    assert (await editor.get("/api/editor/entries", status="maybe")).status == 400
    assert (await editor.get("/api/editor/entries", limit="0")).status == 400


async def test_edit_keeps_the_live_version_until_publish(editor, services):
    live = await services.kb.store.get("shipping_time", "published")
    body = {"question": live.question, "variants": [*live.variants, "发货要几天"], "answer": "24 小时内发货。"}
    resp = await editor.put("/api/editor/entries/shipping_time", body)
    assert resp.status == 200, await resp.text()
    one = await (await editor.get("/api/editor/entries/shipping_time")).json()
    assert one["live"]["answer"] == live.answer and one["draft"]["answer"] == "24 小时内发货。"
    assert one["draft"]["variants"][-1] == "发货要几天"


async def test_unknown_ids_are_404(editor):
    assert (await editor.get("/api/editor/entries/nope")).status == 404
    assert (await editor.put("/api/editor/entries/nope", {"question": "q", "answer": "a"})).status == 404
    assert (await editor.delete("/api/editor/entries/nope")).status == 404
    assert (await editor.get("/api/editor/entries/nope/history")).status == 404
    assert (await editor.post("/api/editor/entries/nope/rollback", {"revision": 1})).status == 404


async def test_bad_bodies_are_400_naming_every_problem_and_change_nothing(editor, services):
    before = await services.kb.store.list_entries(None)
    cases = [
        {"id": "x", "question": "", "answer": ""},
        {"id": "has space", "question": "q", "answer": "a"},
        {"id": "y", "question": "q", "answer": "a", "variants": "not a list", "status": "published", "colour": 1},
        {"id": "z", "question": "q", "answer": "a", "buttons": [{"title": "only a title"}], "handoff": "yes"},
    ]
    for body in cases:
        resp = await editor.post("/api/editor/entries", body)
        error = (await resp.json())["error"]
        assert resp.status == 400 and error["code"] == "invalid_entry" and error["problems"], body
    three = (await (await editor.post("/api/editor/entries", cases[2])).json())["error"]["problems"]
    assert {p["where"] for p in three} >= {"status", "colour"} and any("variants" in p["message"] for p in three)
    renamed = await editor.put("/api/editor/entries/shipping_time", {"id": "other", "question": "q", "answer": "a"})
    assert renamed.status == 400
    not_json = await editor.client.post("/api/editor/entries", data=b"{oops", headers={"X-CSRF-Token": editor.csrf})
    assert not_json.status == 400 and (await not_json.json())["error"]["code"] == "malformed_json"
    assert (await editor.post("/api/editor/entries", {**NEW, "id": "shipping_time"})).status == 409
    assert await services.kb.store.list_entries(None) == before


async def test_delete_removes_draft_and_live_and_customers_stop_getting_it(editor, services):
    assert (await editor.delete("/api/editor/entries/return_policy")).status == 204
    await services.kb.refresh()
    assert services.kb.entry("return_policy") is None
    assert (await editor.get("/api/editor/entries/return_policy")).status == 404
