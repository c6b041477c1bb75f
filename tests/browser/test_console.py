"""The agent console in a real Chromium against the real app: sign-in, untrusted customer text,
conversations of other agents, the language switch, transfer, reconnecting, tickets, the keyboard,
unread counts, knowledge-base answers and WeChat's reply window.

Customers talk through the Rasa REST channel here (plain HTTP from the test), so these tests depend
on the console alone; the widget's side is covered by test_handoff_story.py.
"""
from __future__ import annotations

import contextlib
import re

import aiohttp
import pytest
import pytest_asyncio
from playwright.async_api import Browser, expect
from sqlalchemy import select, update

from bot.app import SERVICES
from bot.auth.user_store import UserStore
from bot.storage.tables import conversations, customers

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]
expect.set_options(timeout=20_000)  # a patience limit on a busy 2-core machine, not a measured time

XSS = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(2)</script><b>bold?</b>"
PASSWORD = "correct-horse-42"  # AGENT_PASSWORD of the console_server fixture


@pytest_asyncio.fixture(scope="module", loop_scope="module", autouse=True)
async def on_duty(console_server):
    """Both agents are away (on duty, so requests for a person queue instead of becoming tickets)."""
    users = UserStore(console_server.app[SERVICES].db)
    for agent in console_server.agents.values():
        await users.set_status(agent.id, "away")


async def customer_says(server, sender: str, text: str) -> list[dict]:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{server.url}/webhooks/rest/webhook", json={"sender": sender, "message": text}) as r:
            assert r.status == 200, await r.text()
            return await r.json()


@contextlib.asynccontextmanager
async def signed_in(server, username: str):
    """An HTTP session of another agent on the Agent API: (session, its CSRF header)."""
    # unsafe=True: aiohttp's cookie jar otherwise ignores cookies from an IP address such as 127.0.0.1.
    async with aiohttp.ClientSession(server.url, cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.post("/api/agent/login", json={"username": username, "password": PASSWORD}) as r:
            assert r.status == 200, await r.text()
            yield http, {"X-CSRF-Token": (await r.json())["csrf_token"]}


async def claim_as(server, username: str, sender: str) -> str:
    """Another agent claims `sender`'s queued conversation; returns its id."""
    async with signed_in(server, username) as (http, csrf):
        async with http.get("/api/agent/queue") as r:
            [conversation_id] = [q["conversation_id"] for q in (await r.json())["queue"]
                                 if q["customer"]["channel_user_id"] == sender]
        async with http.post(f"/api/agent/conversations/{conversation_id}/claim", headers=csrf) as r:
            assert r.status == 200, await r.text()
    return conversation_id


async def test_a_wrong_password_shows_an_error_and_the_right_one_signs_in(agent_page, console):
    await console.login("wang", "not-the-password")
    await expect(console.login_error).to_have_text("用户名或密码错误")
    await expect(console.login_error).to_be_visible()
    await expect(agent_page.locator("#app-view")).to_be_hidden()
    await console.login("nobody-here", "not-the-password")  # an unknown user reads the same
    await expect(console.login_error).to_have_text("用户名或密码错误")  # cleared while it waits, so this is the new answer
    await console.login("wang")
    await expect(agent_page.locator("#agent-name")).to_have_text("王小明")
    await expect(console.login_error).to_be_hidden()
    await agent_page.reload()  # the session cookie keeps the agent signed in
    await expect(agent_page.locator("#agent-name")).to_have_text("王小明")
    await agent_page.get_by_role("button", name="退出登录").click()
    await expect(agent_page.locator("#login-form")).to_be_visible()
    await agent_page.reload()
    await expect(agent_page.locator("#login-form")).to_be_visible()  # signed out on the server too


async def test_markup_from_a_customer_is_only_ever_text(agent_page, console, console_server):
    dialogs: list[str] = []
    agent_page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    await console.login("wang")
    await expect(agent_page.locator("#agent-name")).to_have_text("王小明")
    await customer_says(console_server, "xss-customer", XSS)  # no answer: an unanswered question
    await customer_says(console_server, "xss-customer", "转人工")
    await customer_says(console_server, "xss-customer", SCRIPT)  # while queued: the queue's last message

    item = console.queue.filter(has_text=SCRIPT)
    await expect(item.locator(".item-last")).to_have_text(SCRIPT)
    await item.locator(".item-open").click()
    await expect(console.messages("customer")).to_have_text([XSS, "转人工", SCRIPT])
    await expect(agent_page.locator("#unanswered-list .q-text").first).to_contain_text(XSS)
    await item.locator(".claim").click()
    await expect(console.reply_box).to_be_enabled()
    await agent_page.locator("#note-input").fill(XSS)
    await agent_page.get_by_role("button", name="添加备注", exact=True).click()
    await expect(agent_page.locator("#notes-list .note-text")).to_have_text([XSS])
    await agent_page.locator("#kb-input").fill(SCRIPT)
    await agent_page.locator("#kb-input").press("Enter")
    await expect(agent_page.locator("#kb-results li").first).to_be_visible()

    await customer_says(console_server, "xss-customer", XSS + " again")  # arrives live
    await expect(console.messages("customer").last).to_have_text(XSS + " again")
    await expect(agent_page.locator("#app-view img")).to_have_count(0)
    await expect(agent_page.locator("#app-view script, #app-view b")).to_have_count(0)
    assert dialogs == []


async def test_another_agents_conversation_is_reported_as_not_found(agent_page, console, console_server):
    await customer_says(console_server, "li-customer", "转人工")
    conversation_id = await claim_as(console_server, "li", "li-customer")
    await console.login("wang")
    await expect(agent_page.locator("#agent-name")).to_have_text("王小明")
    await expect(console.queue.filter(has_text="li-customer")).to_have_count(0)  # taken: gone from the queue
    await agent_page.goto(f"{console_server.url}/console#/c/{conversation_id}")
    await expect(console.error).to_have_text("找不到这个会话，或它不属于你。")
    await expect(agent_page.locator("#conv-body")).to_be_hidden()
    await expect(agent_page.locator("#context")).to_be_hidden()


async def test_the_language_toggle_switches_every_string(agent_page, console):
    submit = agent_page.locator("#login-form [type=submit]")
    await expect(submit).to_have_text("登录")  # the browser asks for Chinese
    await agent_page.get_by_role("button", name="Switch to English").first.click()
    await expect(submit).to_have_text("Sign in")
    await expect(agent_page.locator("label[for=login-username]")).to_have_text("Username")
    await console.login("wang")
    await expect(agent_page.get_by_role("button", name="Sign out")).to_be_visible()
    await expect(agent_page.locator("#queue-heading")).to_contain_text("Queue")
    await expect(agent_page.locator("#status-select option[value=away]")).to_have_text("Away")
    await expect(agent_page).to_have_title(re.compile(r"^(\(\d+\) )?kefu agent console$"))
    await agent_page.reload()  # the choice is remembered
    await expect(agent_page.locator("#mine-heading")).to_contain_text("My conversations")
    await agent_page.get_by_role("button", name="切换到中文").last.click()
    await expect(agent_page.get_by_role("button", name="退出登录")).to_be_visible()
    await expect(agent_page.locator("#queue-heading")).to_contain_text("排队中")
    await expect(agent_page.locator("html")).to_have_attribute("lang", "zh-CN")


async def test_an_english_browser_gets_english(browser: Browser, console_server):
    ctx = await browser.new_context(locale="en-US")
    page = await ctx.new_page()
    await page.goto(console_server.url + "/console")
    await expect(page.locator("#login-form [type=submit]")).to_have_text("Sign in")
    await expect(page.locator("#login-form h1")).to_have_text("Agent sign-in")
    await ctx.close()


async def test_a_transfer_hands_the_conversation_to_the_other_agent(agent_page, console, console_server):
    await customer_says(console_server, "transfer-customer", "转人工")
    await console.login("wang")
    item = console.queue.filter(has_text="transfer")
    await item.locator(".claim").click()
    await expect(console.reply_box).to_be_enabled()
    await expect(agent_page.locator("#transfer-button")).to_be_disabled()  # no target picked yet
    li = console_server.agents["li"]
    await agent_page.locator("#transfer-target").select_option(li.id)
    await expect(agent_page.locator("#transfer-target option:checked")).to_contain_text("李娜")
    await agent_page.locator("#transfer-button").click()
    await expect(agent_page.locator("#toast")).to_have_text("会话已转接。")
    await expect(agent_page.locator("#conv-placeholder")).to_be_visible()
    await expect(console.mine.filter(has_text="transfer")).to_have_count(0)
    mine = await conversations_of(console_server, "li")
    assert "transfer-customer" in [c["customer"]["channel_user_id"] for c in mine]


async def conversations_of(server, username: str) -> list[dict]:
    async with signed_in(server, username) as (http, _csrf):
        async with http.get("/api/agent/conversations?state=agent") as r:
            return (await r.json())["conversations"]


async def test_after_a_dropped_socket_the_console_reconnects_and_catches_up(agent_page, console, console_server):
    link = {"up": True, "ends": []}

    async def relay(ws):  # between the page and the server, so the test can cut the line
        if not link["up"]:
            await ws.close()
            return
        server = ws.connect_to_server()
        server.on_message(ws.send)  # forwarded by us, so nothing reaches the page once we cut
        link["ends"] = [ws, server]

    await agent_page.route_web_socket("**/api/agent/ws", relay)
    await agent_page.reload()
    await customer_says(console_server, "reconnect-customer", "转人工")
    await console.login("wang")
    await console.queue.filter(has_text="reconnec").locator(".claim").click()
    await expect(console.reply_box).to_be_enabled()
    await expect(console.messages("customer")).to_have_text(["转人工"])

    link["up"] = False
    for end in link["ends"]:
        await end.close()
    await expect(agent_page.locator("#live-state")).to_be_visible()
    await expect(agent_page.locator("#live-state")).to_have_text("实时连接已断开，正在重连…")
    await customer_says(console_server, "reconnect-customer", "还在吗？")  # sent while the console is cut off
    link["up"] = True
    await expect(agent_page.locator("#live-state")).to_be_hidden()
    await expect(console.messages("customer").last).to_have_text("还在吗？")  # fetched after reconnecting
    await customer_says(console_server, "reconnect-customer", "好的")
    await expect(console.messages("customer").last).to_have_text("好的")  # and live again


async def test_a_message_left_while_nobody_is_on_duty_is_a_ticket_the_agent_can_close(agent_page, console, console_server):
    users = UserStore(console_server.app[SERVICES].db)
    for agent in console_server.agents.values():
        await users.set_status(agent.id, "offline")
    try:
        await customer_says(console_server, "ticket-customer", "转人工")  # nobody there: leave a message
        await customer_says(console_server, "ticket-customer", "发票抬头开错了<b>急</b>")
        await customer_says(console_server, "ticket-customer", "13800000000")
    finally:
        for agent in console_server.agents.values():
            await users.set_status(agent.id, "away")
    await console.login("wang")
    tab = agent_page.get_by_role("tab", name=re.compile("留言工单"))
    await expect(tab.locator(".count")).to_have_text("1")
    await tab.click()
    ticket = agent_page.locator("#ticket-list .ticket")
    await expect(ticket.locator(".ticket-message")).to_have_text("发票抬头开错了<b>急</b>")
    await expect(ticket.locator(".ticket-contact")).to_have_text("联系方式: 13800000000")
    await ticket.get_by_role("button", name="关闭工单").click()
    await expect(ticket.locator(".muted")).to_have_text("已关闭")
    await expect(tab.locator(".count")).to_have_text("")
    await agent_page.reload()  # closed on the server: no longer among the open tickets
    await agent_page.get_by_role("tab", name=re.compile("留言工单")).click()
    await expect(agent_page.locator("#ticket-empty")).to_be_visible()


async def test_keyboard_only_with_announcements(agent_page, console, console_server):
    await expect(agent_page.locator("#login-username")).to_be_focused()
    await agent_page.keyboard.type("wang")
    await agent_page.keyboard.press("Tab")
    await agent_page.keyboard.type(PASSWORD)
    await agent_page.keyboard.press("Enter")
    await expect(agent_page.locator("#agent-name")).to_have_text("王小明")
    await customer_says(console_server, "keyboard-customer", "转人工")
    await expect(agent_page.locator("#announcer")).to_have_text("新客户排队：REST keyboard")
    item = console.queue.filter(has_text="keyboard")
    await item.locator(".item-open").focus()
    await agent_page.keyboard.press("Enter")
    await expect(console.messages("customer")).to_have_text(["转人工"])
    await agent_page.keyboard.press("Tab")  # from the row to its Claim button
    await expect(item.locator(".claim")).to_be_focused()
    await agent_page.keyboard.press("Enter")
    await expect(console.reply_box).to_be_enabled()
    await console.reply_box.focus()
    await agent_page.keyboard.type("第一行")
    await agent_page.keyboard.press("Shift+Enter")  # a new line, not a send
    await agent_page.keyboard.type("第二行")
    await agent_page.keyboard.press("Enter")
    await expect(console.messages("agent")).to_have_text(["第一行\n第二行"])
    await expect(console.transcript).to_have_attribute("role", "log")
    await expect(console.transcript).to_have_attribute("aria-live", "polite")


async def test_unread_badges_and_a_kb_answer_inserted_into_the_reply(agent_page, console, console_server):
    for sender in ("unread-a", "unread-b"):
        await customer_says(console_server, sender, "转人工")
    await console.login("wang")
    for name in ("unread-a", "unread-b"):  # claiming opens each one; unread-b stays open
        await console.queue.filter(has_text=name).locator(".claim").click()
        await expect(console.mine.filter(has_text=name)).to_have_count(1)
    await expect(agent_page.locator("#conv-title")).to_have_text("REST unread-b")
    other = console.mine.filter(has_text="unread-a")
    await customer_says(console_server, "unread-a", "我的包裹到哪了？")
    await expect(other.locator(".unread")).to_have_text("1")
    await expect(agent_page).to_have_title(re.compile(r"^\(1\) kefu 客服工作台$"))  # seen from a background tab
    await expect(other.locator(".item-last")).to_have_text("我的包裹到哪了？")
    await other.locator(".item-open").click()
    await expect(console.messages("customer").last).to_have_text("我的包裹到哪了？")
    await expect(other.locator(".unread")).to_have_count(0)

    await agent_page.locator("#kb-input").fill("运费怎么算")
    await agent_page.locator("#kb-input").press("Enter")
    result = agent_page.locator("#kb-results .kb-result").first
    answer = await result.locator(".kb-answer").text_content()
    assert answer
    await result.get_by_role("button", name=re.compile("^插入回复")).click()
    await expect(console.reply_box).to_have_value(answer)
    await expect(console.reply_box).to_be_focused()
    await agent_page.keyboard.press("Enter")
    await expect(console.messages("agent")).to_have_text([answer])


async def test_a_closed_reply_window_blocks_replies(agent_page, console, console_server):
    await customer_says(console_server, "window-customer", "转人工")
    await console.login("wang")
    await console.queue.filter(has_text="window-c").locator(".claim").click()
    await expect(console.messages("customer")).to_have_text(["转人工"])
    await expect(console.reply_box).to_be_enabled()

    async def as_if_wechat(route):  # only WeChat limits replies; this app runs without it
        response = await route.fetch()
        data = await response.json()
        data["reply_window"] = {"open": False, "until": "2026-01-01T00:00:00+00:00",
                                "last_failure": {"code": "45015", "detail": "回复时间超过限制"}}
        await route.fulfill(response=response, json=data)

    await agent_page.route(re.compile(r".*/api/agent/conversations/[0-9a-f]+$"), as_if_wechat)
    await agent_page.reload()
    await expect(console.notice).to_contain_text("已超过回复窗口（微信 48 小时），无法再主动回复")
    await expect(console.notice).to_contain_text("上次发送失败：回复时间超过限制（45015）")
    await expect(console.reply_box).to_be_disabled()
    await expect(agent_page.locator("#reply-window")).to_be_visible()


async def test_earlier_conversations_of_the_customer_are_folded_away(agent_page, console, console_server):
    await customer_says(console_server, "returning", "上次的问题<i>已解决</i>")
    # Nothing closes conversations on its own yet (no idle timeout): close the first one by hand.
    db = console_server.app[SERVICES].db
    async with db.engine.begin() as conn:
        mine = select(customers.c.id).where(customers.c.channel_user_id == "returning").scalar_subquery()
        await conn.execute(update(conversations).where(conversations.c.customer_id == mine).values(state="closed"))
    await customer_says(console_server, "returning", "转人工")
    await console.login("wang")
    await console.queue.filter(has_text="returnin").locator(".item-open").click()
    await expect(console.messages("customer")).to_have_text(["转人工"])
    earlier = console.transcript.locator("details.previous")
    await expect(earlier).to_have_count(1)
    await expect(earlier.locator("summary")).to_contain_text("历史会话")
    await expect(earlier.locator(".msg-customer .msg-text")).to_be_hidden()  # folded
    await earlier.locator("summary").click()
    await expect(earlier.locator(".msg-customer .msg-text")).to_have_text("上次的问题<i>已解决</i>")
