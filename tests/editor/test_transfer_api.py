"""Editor API: import preview and apply (all or nothing), export in every format."""
from __future__ import annotations

import json

from tests.editor.conftest import Session

GOOD_CSV = ("id,question,variants,answer,category\n"
            "shipping_time,多久发货,什么时候发货,当天发货。,shipping\n"
            "gift_wrap,可以礼品包装吗,能包装吗|do you gift wrap,可以。,orders\n").encode("utf-8-sig")
BAD_CSV = ("id,question,variants,answer,category\n"
           "gift_wrap,可以礼品包装吗,能包装吗,可以。,orders\n"
           "broken,,没有问题的一行,答案,orders\n"
           "shipping_time,多久发货,,当天发货。,shipping\n").encode("utf-8")


async def _snapshot(services):
    return await services.kb.store.list_entries(None), await services.kb.store.version()


async def test_preview_shows_new_changed_and_unchanged_and_writes_nothing(editor, services):
    before = await _snapshot(services)
    resp = await editor.upload("/api/editor/import/preview", "faq.csv", GOOD_CSV)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["new"] == [{"id": "gift_wrap", "status": "published"}]
    assert body["changed"] == [{"id": "shipping_time", "status": "published", "fields": ["variants", "answer"]}]
    assert body["removed"] == [] and body["entries"] == 2
    assert await _snapshot(services) == before


async def test_replace_mode_previews_what_would_be_removed(editor):
    body = await (await editor.upload("/api/editor/import/preview", "faq.csv", GOOD_CSV, mode="replace")).json()
    assert {"id": "return_policy", "status": "published"} in body["removed"]
    assert {"id": "shipping_time", "status": "published"} not in body["removed"]


async def test_a_bad_row_is_reported_with_its_line_and_nothing_changes(editor, services):
    before = await _snapshot(services)
    for path in ("/api/editor/import/preview", "/api/editor/import/apply"):
        resp = await editor.upload(path, "faq.csv", BAD_CSV)
        error = (await resp.json())["error"]
        assert resp.status == 400 and error["code"] == "invalid_file"
        assert error["problems"] == [{"where": "line 3", "message": "empty question (问题为空)"}]
    assert await _snapshot(services) == before


async def test_bad_uploads_are_400(editor, services):
    before = await _snapshot(services)
    for name, content, code in (("faq.xls", b"\xd0\xcf", "bad_file_type"), ("faq.json", b"{not json", "invalid_file"),
                                ("faq.xlsx", b"not a zip", "invalid_file"), ("faq.yml", b"- [", "invalid_file"),
                                ("faq.csv", b"", "invalid_file")):
        resp = await editor.upload("/api/editor/import/apply", name, content)
        error = (await resp.json())["error"]
        assert resp.status == 400 and error["code"] == code and error["message"], (name, error)
    bad_mode = await editor.upload("/api/editor/import/apply", "faq.csv", GOOD_CSV, mode="everything")
    assert bad_mode.status == 400
    not_form = await editor.post("/api/editor/import/apply", {"file": "faq.csv"})
    assert not_form.status == 400 and (await not_form.json())["error"]["code"] == "multipart_required"
    assert await _snapshot(services) == before


async def test_an_upload_larger_than_a_chat_message_body_is_fine(editor, services):
    rows = "".join(f"bulk_{i},问题 {i} 是什么,,答案 {i}。 {'x' * 100},bulk\n" for i in range(800))
    content = ("id,question,variants,answer,category\n" + rows).encode()
    assert len(content) > services.settings.server.max_body_bytes
    body = await (await editor.upload("/api/editor/import/preview", "big.csv", content)).json()
    assert len(body["new"]) == 800


async def test_apply_writes_everything_in_one_go_and_bumps_the_version(editor, services):
    version = await services.kb.store.version()
    resp = await editor.upload("/api/editor/import/apply", "faq.csv", GOOD_CSV)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["version"] == version + 1
    assert (await services.kb.store.get("gift_wrap", "published")).variants == ("能包装吗", "do you gift wrap")
    audit = (await (await editor.get("/api/editor/audit", limit="1")).json())["events"][0]
    assert audit["operation"] == "import" and audit["by"] == "ed"


async def test_export_in_every_format_reimports_to_the_same_entries(editor, services):
    for fmt, suffix in (("csv", ".csv"), ("xlsx", ".xlsx"), ("json", ".json"), ("yaml", ".yml")):
        resp = await editor.get("/api/editor/export", format=fmt)
        assert resp.status == 200
        assert resp.headers["Content-Disposition"].endswith(f'{suffix}"')
        body = await (await editor.upload("/api/editor/import/preview", f"back{suffix}", await resp.read())).json()
        assert body["new"] == [] and body["changed"] == [] and body["unchanged"] == 6, (fmt, body)
    data = json.loads(await (await editor.get("/api/editor/export", format="json")).read())
    assert len(data) == 6
    assert (await editor.get("/api/editor/export", format="pdf")).status == 400
    assert (await editor.get("/api/editor/export", scope="some")).status == 400


async def test_agents_cannot_import_or_export(app_client, services, aiohttp_client):
    agent = await Session.login(aiohttp_client, app_client, services, "li", "agent")
    assert (await agent.upload("/api/editor/import/apply", "faq.csv", GOOD_CSV)).status == 403
    assert (await agent.get("/api/editor/export")).status == 403
