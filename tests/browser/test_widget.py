"""The chat widget in a real Chromium against the real kefu app (demo page, demo knowledge base)."""
from __future__ import annotations

import asyncio
import json

import pytest
from playwright.async_api import Page, WebSocketRoute, expect

from bot.messages import OutboundMessage
from bot.texts import say

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]
expect.set_options(timeout=20_000)  # a patience limit on a busy 2-core machine, not a measured time

XSS = "<img src=x onerror=alert(1)>"


class Widget:
    """The widget as a customer sees it (Playwright's CSS locators reach into its open shadow root)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.launcher = page.locator("kefu-widget .launcher")
        self.panel = page.locator("kefu-widget .panel")
        self.input = page.locator("kefu-widget .input")
        self.typing = page.locator("kefu-widget .typing")

    async def open(self) -> None:
        await self.launcher.click()
        await self.online()

    async def online(self) -> None:
        await expect(self.page.locator("kefu-widget .kefu")).to_have_attribute("data-state", "online")

    async def say(self, text: str) -> None:
        await self.input.fill(text)
        await self.input.press("Enter")

    def rows(self, author: str):
        return self.page.locator(f"kefu-widget .msg-{author}:not(.is-greeting)")

    def bubbles(self, author: str = ""):
        return self.page.locator(f"kefu-widget .msg{'-' + author if author else ''}:not(.is-greeting) .bubble")

    async def visitor(self) -> str:
        return await self.page.evaluate("localStorage.getItem('kefu:visitor')")


def part(line: str) -> str:
    return line[:40]  # enough to tell the answers apart


async def test_answers_a_chinese_question_and_takes_a_rating(page, demo_questions):
    widget = Widget(page)
    await widget.open()
    question = demo_questions["zh"]
    await widget.say(question.text)
    await expect(widget.bubbles("customer").last).to_have_text(question.text)
    answer = widget.rows("bot").last
    await expect(answer.locator(".bubble")).to_contain_text(part(question.answer_line))
    await expect(answer.locator(".author")).to_have_text("智能客服")
    await answer.get_by_role("button", name=say("helpful", "zh"), exact=True).click()
    await expect(widget.bubbles("customer").last).to_have_text(say("helpful", "zh"))  # the title, not the payload
    await expect(widget.bubbles("bot").last).to_have_text(say("feedback_thanks", "zh"))
    await expect(page.locator("kefu-widget .quick")).to_have_count(0)  # the rated answer's buttons are gone


async def test_switches_to_english_and_answers_in_english(page, demo_questions):
    widget = Widget(page)
    await widget.open()
    await expect(widget.input).to_have_attribute("placeholder", "请输入您的问题…")
    await page.get_by_role("button", name="Switch to English").click()
    await expect(widget.input).to_have_attribute("placeholder", "Type your question…")
    await expect(page.locator("kefu-widget .title")).to_have_text("YouXuan Shop · Support")
    question = demo_questions["en"]
    await widget.say(question.text)
    answer = widget.rows("bot").last
    await expect(answer.locator(".bubble")).to_contain_text(part(question.answer_line))
    await expect(answer.locator(".author")).to_have_text("Assistant")
    await expect(answer.get_by_role("button", name=say("helpful", "en"), exact=True)).to_be_visible()
    await page.reload()  # the choice is remembered
    await expect(widget.input).to_have_attribute("placeholder", "Type your question…")
    await page.get_by_role("button", name="切换到中文").click()
    await expect(page.locator("kefu-widget .title")).to_have_text("优选商城 · 在线客服")


async def test_shows_the_typing_indicator_while_the_bot_works(page, demo_questions):
    held: list[str | bytes] = []
    to_page: list[WebSocketRoute] = []
    answered = asyncio.Event()

    def relay(ws: WebSocketRoute) -> None:
        # Sits between the page and the real server: after "typing on", frames wait until released.
        to_page.append(ws)
        server = ws.connect_to_server()

        def from_server(frame: str | bytes) -> None:
            if held or json.loads(frame) == {"type": "typing", "on": True}:
                held.append(frame)
            if len(held) <= 1:
                ws.send(frame)
            elif json.loads(frame) == {"type": "typing", "on": False}:
                answered.set()

        server.on_message(from_server)

    await page.route_web_socket("**/ws*", relay)
    await page.reload()
    widget = Widget(page)
    await widget.open()
    await expect(widget.typing).to_be_hidden()
    await widget.say(demo_questions["zh"].text)
    await expect(widget.typing).to_be_visible()
    await expect(widget.typing).to_have_text("客服正在输入…")
    await asyncio.wait_for(answered.wait(), 60)  # the whole answer is at the relay (the limit only guards a hang)
    await expect(widget.rows("bot")).to_have_count(0)  # the answer has arrived at the relay, not the page
    for frame in held[1:]:
        to_page[-1].send(frame)
    await expect(widget.rows("bot")).to_have_count(1)
    await expect(widget.typing).to_be_hidden()


async def test_a_reload_shows_the_same_conversation(page, demo_questions):
    widget = Widget(page)
    await widget.open()
    await widget.say(demo_questions["zh"].text)
    await expect(widget.rows("bot")).to_have_count(1)
    before, visitor = await widget.bubbles().all_inner_texts(), await widget.visitor()
    await page.reload()
    await widget.online()  # the panel reopens by itself: it was open
    await expect(widget.bubbles()).to_have_text(before)
    assert await widget.visitor() == visitor


async def test_reconnects_after_the_server_drops_the_socket_and_sends_what_was_typed(page, server, demo_questions):
    widget = Widget(page)
    await widget.open()
    await widget.say(demo_questions["zh"].text)
    await expect(widget.rows("bot")).to_have_count(1)
    await page.context.set_offline(True)  # new connections fail until we are back online
    await server.web_channel.stop()  # drops every open socket, as a server restart would
    await expect(page.locator("kefu-widget .status-text")).to_have_text("连接已断开，正在重连…")
    await widget.say(demo_questions["en"].text)  # typed while offline: kept in the outbox
    await expect(widget.rows("customer").last).to_have_class("msg msg-customer is-pending")
    await page.context.set_offline(False)
    await widget.online()
    await expect(widget.rows("customer").last).to_have_class("msg msg-customer")
    answer = widget.rows("bot").last.locator(".bubble")
    await expect(answer).to_contain_text(part(demo_questions["en"].answer_line))
    await expect(widget.rows("customer")).to_have_count(2)  # the earlier turn is still there, nothing twice


async def test_markup_from_the_customer_is_shown_as_text(page):
    dialogs: list[str] = []

    async def record(dialog) -> None:
        dialogs.append(dialog.message)
        await dialog.dismiss()  # an open alert would freeze the page instead of failing the test

    page.on("dialog", record)
    widget = Widget(page)
    await widget.open()
    await widget.say(XSS)
    await expect(widget.rows("bot")).to_have_count(1)  # answered (with "sorry"), so the frame round-tripped
    await expect(widget.bubbles("customer").last).to_have_text(XSS)
    await page.reload()  # and again when it comes back from the stored history
    await expect(widget.bubbles("customer").last).to_have_text(XSS)
    await expect(page.locator("kefu-widget .log img")).to_have_count(0)
    assert dialogs == []


async def test_other_tabs_and_agent_messages_show_with_their_author(page, server, demo_questions):
    widget = Widget(page)
    await widget.open()
    other_page = await page.context.new_page()  # same profile: same visitor, a second tab
    await other_page.goto(server.url + "/")
    other = Widget(other_page)
    await other.online()
    await widget.say(demo_questions["zh"].text)
    await expect(other.bubbles("customer")).to_have_text([demo_questions["zh"].text])
    await expect(other.rows("bot")).to_have_count(1)
    await other.page.get_by_role("button", name="关闭聊天窗口").click()
    agent = OutboundMessage("web", await widget.visitor(), "", "您好，我是客服小王 / Hi, this is Wang", sender="agent",
                            message_id="agent-msg-1")
    await server.web_channel.send(agent)
    for tab in (widget, other):
        await expect(tab.rows("agent").locator(".author")).to_have_text("人工客服")
        await expect(tab.rows("agent").locator(".bubble")).to_have_text(agent.text)
    await expect(other.launcher.locator(".badge")).to_have_text("1")  # closed tab: an unread count
    await other_page.close()


async def test_keyboard_only_and_phone_width(page):
    widget = Widget(page)
    await page.set_viewport_size({"width": 390, "height": 760})
    await widget.launcher.focus()
    await page.keyboard.press("Enter")
    await expect(widget.input).to_be_focused()
    await expect(widget.launcher).to_have_attribute("aria-expanded", "true")
    box = await widget.panel.bounding_box()
    assert (box["x"], box["width"]) == (0, 390)  # the whole screen width on a phone
    await widget.online()
    await page.keyboard.type("你好")
    await page.keyboard.press("Enter")
    await expect(widget.rows("bot")).to_have_count(1)
    await expect(page.locator("kefu-widget .log")).to_have_attribute("aria-live", "polite")
    await page.keyboard.press("Escape")
    await expect(widget.panel).to_be_hidden()
    await expect(widget.launcher).to_be_focused()
