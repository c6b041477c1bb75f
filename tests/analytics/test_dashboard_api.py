"""The dashboard API through the real app over HTTP: roles, bad input, figures and CSV exports."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import insert

from bot.app import SERVICES
from bot.storage.tables import conversations, customers, messages
from tests.analytics.app_setup import PASSWORD, add_role_users, dashboard_app
from tests.analytics.expected import expected_figures
from tests.analytics.seed import RANGE_FROM, RANGE_TO, TZ, build_seed, insert_seed
from tests.conftest import make_settings

SHOP_FAQ = Path(__file__).resolve().parents[1] / "bot" / "fixtures" / "shop_faq.json"

WEEK = {"from": RANGE_FROM, "to": RANGE_TO, "tz": TZ}
TARGET = 90


@pytest.fixture
async def app_client(aiohttp_client, tmp_path):
    client = await aiohttp_client(dashboard_app(make_settings(
        tmp_path, KEFU_HANDOFF__WAIT_TARGET_SECONDS=str(TARGET), KEFU_KNOWLEDGE__DEMO_KB=str(SHOP_FAQ)
    )))
    await add_role_users(client.app)
    await insert_seed(client.app[SERVICES].db, build_seed())
    return client


async def login(aiohttp_client, app_client, username: str):
    client = await aiohttp_client(app_client.server)  # its own cookie jar, same running app
    resp = await client.post("/api/agent/login", json={"username": username, "password": PASSWORD})
    assert resp.status == 200, await resp.text()
    return client


@pytest.fixture
async def editor(aiohttp_client, app_client):
    return await login(aiohttp_client, app_client, "erin")


def read_csv(body: bytes) -> list[dict]:
    assert body.startswith("\ufeff".encode())  # Excel needs the BOM to read UTF-8
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


async def test_editors_and_admins_may_read_agents_may_not(aiohttp_client, app_client):
    assert (await app_client.get("/api/dashboard/report")).status == 401
    agent = await login(aiohttp_client, app_client, "alex")
    resp = await agent.get("/api/dashboard/report/decisions?format=csv")
    assert resp.status == 403 and (await resp.json())["error"]["code"] == "forbidden"
    for username in ("erin", "ada"):
        client = await login(aiohttp_client, app_client, username)
        assert (await client.get("/api/dashboard/report", params=WEEK)).status == 200


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ({"from": "2025-02-30"}, 400, "bad_from"),
        ({"to": "yesterday"}, 400, "bad_to"),
        ({"from": "2025-03-10", "to": "2025-03-03"}, 400, "bad_from"),
        ({"from": "2023-01-01", "to": "2025-01-01"}, 400, "bad_to"),
        ({"channel": "fax"}, 400, "bad_channel"),
        ({"tz": "Mars/Olympus_Mons"}, 400, "bad_tz"),
        ({"format": "csv"}, 400, "bad_format"),
    ],
)
async def test_bad_input_is_a_clear_400(editor, query, status, code):
    resp = await editor.get("/api/dashboard/report", params=query)
    assert resp.status == status
    error = (await resp.json())["error"]
    assert error["code"] == code and " / " in error["message"]  # Chinese / English


async def test_unknown_tables_and_formats(editor):
    assert (await editor.get("/api/dashboard/report/salaries")).status == 404
    resp = await editor.get("/api/dashboard/report/decisions", params={"format": "xlsx"})
    assert resp.status == 400 and (await resp.json())["error"]["code"] == "bad_format"


@pytest.mark.parametrize("channel", [None, "web"])
async def test_the_report_shows_the_seeded_figures(editor, channel):
    want = expected_figures(build_seed(), channel)
    resp = await editor.get("/api/dashboard/report", params=WEEK | ({"channel": channel} if channel else {}))
    body = await resp.json()
    summary = body["summary"]
    assert body["filter"]["channel"] == (channel or "all") and body["filter"]["tz"] == TZ
    assert summary["conversations"] == sum(c["conversations"] for c in want.channels.values())
    assert summary["containment_rate"] == round(want.contained / want.cohort, 4)
    assert summary["handoffs"] == sum(want.reasons.values())
    assert summary["no_answer_rate"] == round(want.decisions["no_answer"] / sum(want.decisions.values()), 4)
    assert summary["wait_p50_seconds"] == round(want.percentile(50), 2)
    assert summary["within_target_share"] == round(sum(w <= TARGET for w in want.waits) / len(want.waits), 4)
    assert summary["satisfaction_driver"] == (want.driver or "")
    assert {r["reason"]: r["handoffs"] for r in body["reasons"]} == dict(want.reasons)
    assert sum(r["handoffs"] for r in body["wait"]) == len(want.waits)
    assert "web" in body["known_channels"] and "summary" in body["tables"] and body["wait_target_seconds"] == TARGET


async def test_every_table_exports_as_csv_with_the_same_figures(editor):
    report = await (await editor.get("/api/dashboard/report", params=WEEK)).json()
    for name in report["tables"]:
        resp = await editor.get(f"/api/dashboard/report/{name}", params=WEEK | {"format": "csv"})
        assert resp.status == 200 and resp.content_type == "text/csv" and resp.charset == "utf-8"
        assert f'filename="kefu-{name}-2025-03-03_2025-03-09_all.csv"' in resp.headers["Content-Disposition"]
        rows = read_csv(await resp.read())
        screen = [{"metric": k, "value": v} for k, v in report["summary"].items()] if name == "summary" else report[name]
        assert len(rows) == len(screen), name
        for parsed, shown in zip(rows, screen):
            assert parsed == {k: "" if v is None else str(v) for k, v in shown.items()}, name
    # And the CSV numbers are the seed's, read back as numbers.
    want = expected_figures(build_seed())
    decisions = read_csv(await (await editor.get("/api/dashboard/report/decisions", params=WEEK | {"format": "csv"})).read())
    assert {r["decision"]: int(r["count"]) for r in decisions} == {d: want.decisions[d] for d in ("answer", "clarify", "no_answer")}
    sat = read_csv(await (await editor.get("/api/dashboard/report/satisfaction", params=WEEK | {"format": "csv"})).read())
    for row in sat:
        scores = want.ratings[row["attribute"]]
        assert int(row["ratings"]) == len(scores) and float(row["mean"]) == round(sum(scores) / len(scores), 4)


async def test_csv_cells_with_commas_quotes_lines_and_formulas_survive(editor, app_client):
    nasty = '=HYPERLINK("http://x"),\n"退款" 呢?'
    db = app_client.app[SERVICES].db
    at = build_seed().start
    async with db.engine.begin() as conn:
        await conn.execute(insert(customers).values(id="nasty", channel="web", channel_user_id="nasty", display_name="",
                                                    language="zh", profile={}, created_at=at, last_seen_at=at))
        await conn.execute(insert(conversations).values(id="nasty", customer_id="nasty", channel="web", state="bot",
                                                        language="zh", misses_in_row=1, unhelpful=False, created_at=at, updated_at=at))
        await conn.execute(insert(messages), [
            {"id": "nasty-q", "conversation_id": "nasty", "author": "customer", "channel": "web", "kind": "text",
             "text": nasty, "buttons": [], "meta": {}, "reply_to": None, "created_at": at},
            {"id": "nasty-r", "conversation_id": "nasty", "author": "bot", "channel": "web", "kind": "no_answer",
             "text": "…", "buttons": [], "meta": {"decision": "no_answer"}, "reply_to": "nasty-q", "created_at": at},
        ])
    resp = await editor.get("/api/dashboard/report/unanswered", params=WEEK | {"format": "csv", "channel": "web"})
    rows = read_csv(await resp.read())
    [row] = [r for r in rows if "HYPERLINK" in r["question"]]
    assert row["question"] == "'" + nasty  # a spreadsheet shows the text instead of running it
    assert row["asked"] == "1" and row["customers"] == "1"


async def test_without_a_time_zone_the_report_is_in_utc(editor):
    body = await (await editor.get("/api/dashboard/report", params={"from": RANGE_FROM, "to": RANGE_TO})).json()
    assert body["filter"]["tz"] == "UTC" and body["filter"]["from"] == "2025-03-03T00:00:00+00:00"
