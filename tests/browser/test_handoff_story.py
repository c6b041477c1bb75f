"""Issue 4's acceptance story in two real browsers: a customer in the web widget, an agent in the console.

The bot answers two questions, the customer asks for a person, the agent sees the wait (with the
reason and the bot's earlier answers), claims it and replies; both sides see each other live without
reloading; the agent resolves, the customer rates, and the bot answers again.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from bot.texts import say
from knowledge.formats import read_faq

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]
expect.set_options(timeout=20_000)  # a patience limit on a busy 2-core machine, not a measured time
DEMO_FAQ = Path(__file__).resolve().parents[2] / "knowledge" / "data" / "demo_faq.json"


def chinese_questions(n: int) -> list[tuple[str, str]]:
    """(question, first line of its answer) of plain published entries of the demo knowledge base."""
    plain = [e for e in read_faq(DEMO_FAQ) if e.status == "published" and not e.action and not e.handoff
             and not e.links and not e.buttons and any("\u4e00" <= ch <= "\u9fff" for ch in e.question)]
    return [(e.question, e.answer.strip().splitlines()[0][:30]) for e in plain[:n]]


class Customer:
    """The web widget on the demo shop page (Playwright's CSS locators reach into its shadow root)."""

    def __init__(self, page: Page) -> None:
        self.page = page

    async def open(self) -> None:
        await self.page.locator("kefu-widget .launcher").click()
        await expect(self.page.locator("kefu-widget .kefu")).to_have_attribute("data-state", "online")

    async def say(self, text: str) -> None:
        await self.page.locator("kefu-widget .input").fill(text)
        await self.page.locator("kefu-widget .input").press("Enter")

    def bubbles(self, author: str):
        return self.page.locator(f"kefu-widget .msg-{author}:not(.is-greeting) .bubble")

    def last_row(self):
        return self.page.locator("kefu-widget .msg:not(.is-greeting)").last

    async def rate(self, question_key: str, score: str) -> None:
        row = self.last_row()
        await expect(row.locator(".bubble")).to_have_text(say(question_key, "zh"))
        await row.get_by_role("button", name=score, exact=True).click()


@pytest_asyncio.fixture(loop_scope="module")
async def customer_page(browser: Browser, console_server):
    ctx = await browser.new_context(locale="zh-CN", viewport={"width": 1000, "height": 800})
    page = await ctx.new_page()
    await page.goto(console_server.url + "/")
    yield page
    await ctx.close()


async def test_a_customer_is_handed_to_an_agent_and_back_to_the_bot(customer_page, agent_page, console):
    (q1, a1), (q2, a2) = chinese_questions(2)
    customer = Customer(customer_page)
    agent = agent_page

    # The agent signs in and goes on duty, so a request for a person waits in the queue.
    await console.login("wang")
    await expect(agent.locator("#agent-name")).to_have_text("王小明")
    await agent.locator("#status-select").select_option("online")
    await expect(agent.locator("#queue-empty")).to_be_visible()

    await customer.open()
    await customer.say(q1)
    await expect(customer.bubbles("bot").last).to_contain_text(a1)
    await customer.say(q2)
    await expect(customer.bubbles("bot").last).to_contain_text(a2)
    await customer.say("转人工")
    await expect(customer.bubbles("bot").last).to_contain_text("正在为您转接人工客服")
    # Markers that a reload would wipe: everything below must arrive live.
    await customer_page.evaluate("window.notReloaded = true")
    await agent.evaluate("window.notReloaded = true")

    # The queue fills live, with the reason and the last thing the customer said.
    item = console.queue.first
    await expect(console.queue).to_have_count(1)
    await expect(item.locator(".item-reason")).to_have_text("客户要求转人工")
    await expect(item.locator(".item-last")).to_have_text("转人工")
    wait = item.locator(".wait")
    await expect(wait).to_have_text(re.compile(r"^\d+:\d\d$"))
    await expect(wait).not_to_have_text(await wait.text_content())  # the wait time ticks
    await item.locator(".item-open").click()  # a look before claiming: the bot's answers are there
    await expect(console.messages("customer")).to_have_text([q1, q2, "转人工"])
    await expect(console.messages("bot").nth(0)).to_contain_text(a1)
    await expect(console.messages("bot").nth(1)).to_contain_text(a2)
    await expect(console.notice).to_have_text("这个会话还在排队，接入后才能回复。")
    await expect(console.reply_box).to_be_disabled()
    await expect(agent.locator("#handoff-info")).to_contain_text("客户要求转人工")

    await item.locator(".claim").click()
    await expect(console.queue).to_have_count(0)
    await expect(console.mine).to_have_count(1)
    await expect(console.reply_box).to_be_enabled()
    await expect(customer_page.locator("kefu-widget .msg .bubble", has_text="王小明")).to_contain_text("已接入")

    reply = "您好，我是王小明，这就帮您查一下订单。"
    await console.reply(reply)
    await expect(console.messages("agent")).to_have_text([reply])
    await expect(console.reply_box).to_have_value("")
    await expect(customer.bubbles("agent")).to_have_text([reply])  # live, in the same widget
    await expect(customer_page.locator("kefu-widget .msg-agent .author")).to_have_text("人工客服")

    await customer.say("订单号是 20241212，谢谢")
    await expect(console.messages("customer").last).to_have_text("订单号是 20241212，谢谢")

    await agent.locator("#resolve-button").click()  # the first click only asks to confirm
    await expect(agent.locator("#resolve-button")).to_have_text("确定结束这个会话吗？")
    await agent.locator("#resolve-button").click()
    await expect(console.notice).to_have_text("这个会话已结束。")
    await expect(console.mine).to_have_count(0)
    await expect(console.reply_box).to_be_disabled()

    await expect(customer_page.locator("kefu-widget .msg .bubble", has_text=say("agent_left", "zh"))).to_be_visible()
    await customer.rate("rate_resolved", "5")
    await customer.rate("rate_speed", "4")
    await customer.rate("rate_knowledge", "5")
    await expect(customer.bubbles("bot").last).to_have_text(say("rating_thanks", "zh"))

    await customer.say(q1)  # the bot is back in charge
    await expect(customer.bubbles("bot").last).to_contain_text(a1)
    assert await customer_page.evaluate("window.notReloaded") is True
    assert await agent.evaluate("window.notReloaded") is True
