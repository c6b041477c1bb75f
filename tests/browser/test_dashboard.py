"""The analytics dashboard in a real Chromium against the real app, seeded with a known week of
conversations (tests/analytics/seed.py). Every figure on screen is checked against what this test
works out from the seed objects itself (tests/analytics/expected.py), not against the server's code.
"""
from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.async_api import Page, expect

from bot.app import SETTINGS
from tests.analytics.app_setup import PASSWORD
from tests.analytics.expected import Expected, expected_figures
from tests.analytics.seed import MISSED, TZ

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]
expect.set_options(timeout=20_000)  # a patience limit on a busy 2-core machine, not a measured time

FIRST_DAY, LAST_DAY = "2025-03-03", "2025-03-09"  # the seeded week, "through" included


async def sign_in(page: Page, username: str) -> None:
    await page.locator("#login-username").fill(username)
    await page.locator("#login-password").fill(PASSWORD)
    await page.locator("#login-password").press("Enter")


async def show(page: Page, channel: str = "all", first: str = FIRST_DAY, last: str = LAST_DAY) -> None:
    await page.locator("#filter-from").fill(first)
    await page.locator("#filter-through").fill(last)
    await page.locator("#filter-tz").select_option(TZ)
    await page.locator("#filter-channel").select_option(channel)
    await page.locator("#filter-form [type=submit]").click()


async def number(page: Page, selector: str) -> float:
    """The number a tile shows: "56.9%" -> 56.9, "211.0 秒" -> 211.0, "3.42 / 5" -> 3.42."""
    text = await page.locator(selector).text_content()
    return float(re.match(r"-?[\d.,]+", text.strip()).group(0).replace(",", ""))


async def check_figures(page: Page, want: Expected, target: int) -> None:
    await expect(page.locator("#report")).to_have_attribute("data-state", "ready")
    conversations = sum(c["conversations"] for c in want.channels.values())
    await expect(page.locator("#kpi-conversations")).to_have_text(str(conversations))
    customer = sum(c["customer"] for c in want.channels.values())
    await expect(page.locator("#kpi-messages")).to_have_text(str(customer))
    decided = sum(want.decisions.values())
    # Shown to a tenth of a percent or second, a hundredth of a point; the API gives ratios to 4
    # decimals and seconds to 2: equal within display rounding plus API rounding.
    pct, sec = 0.05 + 0.005, 0.05 + 0.005
    shown = {
        "#kpi-containment": (100 * want.contained / want.cohort, pct),
        "#kpi-handoff-rate": (100 * (want.cohort - want.contained) / want.cohort, pct),
        "#kpi-answer": (100 * want.decisions["answer"] / decided, pct),
        "#kpi-clarify": (100 * want.decisions["clarify"] / decided, pct),
        "#kpi-no-answer": (100 * want.decisions["no_answer"] / decided, pct),
        "#kpi-satisfaction": (sum(want.all_scores) / len(want.all_scores), 0.005 + 0.00005),
        "#kpi-wait-p50": (want.percentile(50), sec),
        "#kpi-wait-p90": (want.percentile(90), sec),
        "#kpi-within-target": (100 * sum(w <= target for w in want.waits) / len(want.waits), pct),
    }
    for selector, (value, precision) in shown.items():
        assert abs(await number(page, selector) - value) <= precision + 1e-9, selector
    await expect(page.locator("#kpi-containment-sub")).to_have_text(f"{want.contained} / {want.cohort}")
    # Handoff reasons: one row per reason, with its count.
    rows = page.locator("#reasons-table tbody tr")
    await expect(rows).to_have_count(len(want.reasons))
    counts = await page.locator("#reasons-table td[data-col=handoffs]").all_text_contents()
    assert sorted(int(c) for c in counts) == sorted(want.reasons.values())
    # Unanswered questions: each group once, with how often and by how many customers it was asked.
    groups = {text: group for text, group in MISSED}
    # A question cell's hover text lists every wording of its group.
    wordings = await page.locator("#unanswered-table td[data-col=question]").evaluate_all("cs => cs.map(c => c.title)")
    labels = [{groups[w] for w in title.split("\n")} for title in wordings]
    assert all(len(found) == 1 for found in labels)
    asked = await page.locator("#unanswered-table td[data-col=asked]").all_text_contents()
    customers = await page.locator("#unanswered-table td[data-col=customers]").all_text_contents()
    assert {found.pop(): (int(a), int(c)) for found, a, c in zip(labels, asked, customers)} == want.unanswered
    # Satisfaction: the attribute that moves it most, and the heatmap cell by cell.
    await expect(page.locator("#driver")).to_have_attribute("data-value", want.driver or "")
    cells = page.locator("#heatmap-chart rect[data-count]")
    await expect(cells).to_have_count(7 * 24)
    drawn = await cells.evaluate_all("cs => cs.map(c => [+c.dataset.weekday, +c.dataset.hour, +c.dataset.count])")
    heat = {}
    for (_channel, day, hour), n in want.heatmap.items():
        heat[(day, hour)] = heat.get((day, hour), 0) + n
    assert {(d, h): n for d, h, n in drawn if n} == heat


async def test_agents_are_turned_away_and_editors_see_the_seeded_week(dashboard_page, dashboard_server):
    page = dashboard_page
    await sign_in(page, "alex")  # an agent
    await expect(page.locator("#login-error")).to_contain_text("没有服务分析权限")
    await sign_in(page, "erin")  # an editor
    await expect(page.locator("#app-view")).to_be_visible()
    await show(page)
    target = dashboard_server.app[SETTINGS].handoff.wait_target_seconds
    await check_figures(page, expected_figures(dashboard_server.seed), target)
    # The containment tile explains itself.
    title = await page.locator(".kpi[data-def=def_containment]").first.get_attribute("title")
    assert "至少有一条客户消息" in title and "从未转人工" in title
    # Customers' words are shown as text, never run as markup.
    await expect(page.locator("#unanswered-table td", has_text="<img src=x onerror=")).to_have_count(1)
    assert await page.evaluate("window.__xss") is None

    await show(page, "wechat")
    await check_figures(page, expected_figures(dashboard_server.seed, "wechat"), target)
    assert "channel=wechat" in page.url  # a reload or a shared link shows the same report


async def test_english_csv_exports_and_bad_dates(dashboard_page, dashboard_server):
    page = dashboard_page
    await sign_in(page, "erin")
    await show(page)
    await expect(page.locator("#report")).to_have_attribute("data-state", "ready")
    await page.locator("#app-view .lang-toggle").click()
    await expect(page.locator("#h-heatmap")).to_have_text("Incoming conversations (weekday × hour)")
    await expect(page.locator("#kpi-wait-p50")).to_have_text(re.compile(r"^[\d.]+ s$"))
    title = await page.locator(".kpi[data-def=def_containment]").first.get_attribute("title")
    assert title.startswith("Containment = of the conversations created in the range with at least one customer message")
    await expect(page.locator("#driver-method")).to_contain_text("Pearson")

    # "Export CSV" downloads the table on screen for the same filter; its numbers are the seed's.
    want = expected_figures(dashboard_server.seed)
    link = page.locator("a[data-csv=decisions]")
    href = await link.get_attribute("href")
    assert f"from={FIRST_DAY}" in href and "to=2025-03-10" in href and "tz=Asia%2FShanghai" in href
    async with page.expect_download() as download_info:
        await link.click()
    download = await download_info.value
    assert download.suggested_filename == "kefu-decisions-2025-03-03_2025-03-09_all.csv"
    body = open(await download.path(), "rb").read()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert {r["decision"]: int(r["count"]) for r in rows} == {d: want.decisions[d] for d in ("answer", "clarify", "no_answer")}
    response = await page.request.get(dashboard_server.url + await page.locator("a[data-csv=unanswered]").get_attribute("href"))
    exported = list(csv.DictReader(io.StringIO((await response.body()).decode("utf-8-sig"), newline="")))
    assert any(r["question"].startswith("<img src=x onerror=") and r["question"].endswith('"quoted"') for r in exported)

    # A range that ends before it starts: the server's reason, in both languages, on the page.
    await show(page, first="2025-03-09", last="2025-03-01")
    await expect(page.locator("#filter-error")).to_contain_text("'from' must be before 'to'")
    await expect(page.locator("#report")).to_have_attribute("data-state", "error")
