"""Editor API: learn from misses (seeded through the REST channel), try it, and the whole-KB check."""
from __future__ import annotations

from tests.editor.conftest import Session, ask

# Several customers asking, in two languages, about something the shop FAQ does not cover.
POINTS_ZH = ["积分能换现金吗", "积分可以兑换现金吗", "积分能不能换成现金"]
POINTS_EN = ["do you have a loyalty card", "is there a loyalty card", "loyalty card for members?"]


async def _seed(app_client) -> None:
    for i, text in enumerate(POINTS_ZH + POINTS_EN):
        await ask(app_client, f"customer-{i}", text)
    await ask(app_client, "customer-0", "积分能换现金吗")  # the same customer again: still one customer


async def _groups(editor) -> list[dict]:
    resp = await editor.get("/api/editor/misses")
    assert resp.status == 200, await resp.text()
    return (await resp.json())["groups"]


async def test_misses_are_grouped_per_question_and_ranked_by_customers(editor, app_client):
    await _seed(app_client)
    groups = await _groups(editor)
    by_question = {q: g for g in groups for q in g["questions"]}
    zh, en = by_question[POINTS_ZH[0]], by_question[POINTS_EN[0]]
    assert sorted(zh["questions"]) == sorted(POINTS_ZH) and zh["customers"] == 3 and zh["asked"] == 4
    assert sorted(en["questions"]) == sorted(POINTS_EN) and en["customers"] == 3
    assert groups.index(zh) <= 1 and groups.index(en) <= 1
    assert zh["suggestion"]["kind"] in ("new", "variant") and zh["reasons"]


async def test_accepting_as_a_new_entry_answers_those_questions_after_publish(editor, app_client, services):
    await _seed(app_client)
    group = next(g for g in await _groups(editor) if POINTS_ZH[0] in g["questions"])
    resp = await editor.post("/api/editor/misses/accept", {
        "questions": group["questions"], "new_entry": {"id": "points_cash", "answer": "积分不能兑换现金，可抵扣货款。"}})
    assert resp.status == 200, await resp.text()
    entry = (await resp.json())["entry"]
    assert entry["status"] == "draft" and set(entry["variants"]) | {entry["question"]} == set(POINTS_ZH)
    assert all(POINTS_ZH[0] not in g["questions"] for g in await _groups(editor))
    await editor.post("/api/editor/publish")
    await services.kb.refresh()
    for text in POINTS_ZH:
        assert (await ask(app_client, "later", text))[0]["text"] == "积分不能兑换现金，可抵扣货款。"


async def test_accepting_as_variants_of_an_entry_and_dismissing(editor, app_client, services):
    await _seed(app_client)
    groups = await _groups(editor)
    en = next(g for g in groups if POINTS_EN[0] in g["questions"])
    resp = await editor.post("/api/editor/misses/accept", {"questions": en["questions"], "entry_id": "payment_methods"})
    assert resp.status == 200
    draft = await services.kb.store.get("payment_methods", "draft")
    assert set(POINTS_EN) <= set(draft.variants)
    zh = next(g for g in groups if POINTS_ZH[0] in g["questions"])
    assert (await (await editor.post("/api/editor/misses/dismiss", {"questions": zh["questions"]})).json())["dismissed"] == 3
    assert await _groups(editor) == []


async def test_bad_accepts_are_refused_and_change_nothing(editor, app_client, services):
    await _seed(app_client)
    before = await services.kb.store.list_entries(None)
    for body, status in (({"questions": []}, 400), ({"questions": ["x"]}, 400), ({"questions": [1], "entry_id": "a"}, 400),
                         ({"questions": ["x"], "entry_id": "nope"}, 404),
                         ({"questions": ["x"], "new_entry": {"id": "shipping_time", "answer": "a"}}, 409),
                         ({"questions": ["x"], "new_entry": {"id": "new one", "answer": ""}}, 400)):
        resp = await editor.post("/api/editor/misses/accept", body)
        assert resp.status == status, (body, await resp.text())
    assert await services.kb.store.list_entries(None) == before
    assert len(await _groups(editor)) >= 2
    assert (await editor.get("/api/editor/misses", days="0")).status == 400


async def test_try_it_shows_decision_candidates_and_the_matched_variant(editor):
    resp = await editor.post("/api/editor/try", {"text": "可以用支付宝吗"})
    body = await resp.json()
    assert body["decision"] == "answer"
    top = body["candidates"][0]
    assert top["entry_id"] == "payment_methods" and top["matched"] == "可以用支付宝吗" and top["matched_variant"]
    assert {"dense", "lexical", "confidence", "question"} <= set(top)
    missed = await (await editor.post("/api/editor/try", {"text": "火星上能送货吗 zzz"})).json()
    assert missed["decision"] in ("no_answer", "clarify")
    assert (await editor.post("/api/editor/try", {"text": "  "})).status == 400


async def test_kb_check_flags_entries_without_variants_and_duplicates(editor, services):
    await editor.post("/api/editor/entries", {"id": "ship_copy", "question": "多久发货", "answer": "付款后 48 小时内发货。"})
    await editor.post("/api/editor/publish")
    await services.kb.refresh()
    body = await (await editor.get("/api/editor/check")).json()
    assert {"id": "ship_copy", "question": "多久发货"} in body["no_variants"]
    assert any({d["first"], d["second"]} == {"ship_copy", "shipping_time"} for d in body["near_duplicates"])
    assert body["entries"] == 7


async def test_agents_cannot_see_misses(app_client, services, aiohttp_client):
    agent = await Session.login(aiohttp_client, app_client, services, "li", "agent")
    assert (await agent.get("/api/editor/misses")).status == 403
    assert (await agent.post("/api/editor/misses/dismiss", {"questions": ["x"]})).status == 403
