"""A real kefu server (create_app on a free port, fake embedder, temp data dir) and a real Chromium."""
from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator

import pytest
import pytest_asyncio
from aiohttp import web
from playwright.async_api import Browser, Page, async_playwright

from bot.app import CHANNEL_MAP, create_app
from bot.settings import load_settings
from connectors.web import WebChannel
from knowledge.formats import read_faq

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
DEMO_FAQ = Path(__file__).resolve().parents[2] / "knowledge" / "data" / "demo_faq.json"


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    """The app served on a free port of 127.0.0.1; yields its base URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


@asynccontextmanager
async def watched_page(browser: Browser, url: str, **context_options) -> AsyncIterator[Page]:
    """A page in its own browser profile (own cookies and storage) at `url`; any script error
    on it fails the test."""
    ctx = await browser.new_context(locale="zh-CN", **context_options)
    page = await ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(url)
    try:
        yield page
    finally:
        await ctx.close()
    assert errors == []


@dataclass
class LiveServer:
    url: str
    app: web.Application

    @property
    def web_channel(self) -> WebChannel:
        return self.app[CHANNEL_MAP]["web"]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server(tmp_path_factory) -> LiveServer:
    data_dir = tmp_path_factory.mktemp("kefu-data")
    settings = load_settings(None, {
        "KEFU_SERVER__DATA_DIR": str(data_dir), "KEFU_KNOWLEDGE__MODEL": "fake", "KEFU_KNOWLEDGE__DEMO_KB": str(DEMO_FAQ),
    })
    app = create_app(settings)
    async with serving(app) as url:
        yield LiveServer(url, app)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> Browser:
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@pytest_asyncio.fixture(loop_scope="module")
async def context(browser: Browser):
    """A fresh profile per test: its own localStorage, so its own visitor and conversation."""
    ctx = await browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    yield ctx
    await ctx.close()


@pytest_asyncio.fixture(loop_scope="module")
async def page(context, server: LiveServer) -> Page:
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(server.url + "/")
    yield page
    assert errors == []  # the widget never throws


@dataclass(frozen=True)
class DemoQuestion:
    text: str  # what the customer types
    answer_line: str  # a line of the answer the bot must give


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.fixture(scope="session")
def demo_questions() -> dict[str, DemoQuestion]:
    """A Chinese and an English question (of two different entries) from the demo knowledge base."""
    plain = [e for e in read_faq(DEMO_FAQ)
             if e.status == "published" and not e.action and not e.handoff and not e.links and not e.buttons]
    zh = next(e for e in plain if _has_cjk(e.question))
    en = next(e for e in plain if e is not zh and any(not _has_cjk(p) for p in e.phrasings))
    english_lines = [line for line in en.answer.splitlines() if line.strip() and not _has_cjk(line)]
    return {
        "zh": DemoQuestion(zh.question, zh.answer.strip().splitlines()[0]),
        "en": DemoQuestion(next(p for p in en.phrasings if not _has_cjk(p)), (english_lines or [en.answer])[0]),
    }


# ---- Agent console (bot/console): a server with agents, routing "claim" so handoffs wait in the queue ----

AGENT_PASSWORD = "correct-horse-42"


@dataclass
class ConsoleServer:
    url: str
    app: web.Application
    agents: dict  # username -> bot.auth.user_store.User


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def console_server(tmp_path_factory) -> ConsoleServer:
    from bot.app import SERVICES
    from bot.auth.user_store import UserStore
    from tests.conftest import make_settings

    settings = make_settings(tmp_path_factory.mktemp("kefu-console"), KEFU_KNOWLEDGE__DEMO_KB=str(DEMO_FAQ),
                             KEFU_HANDOFF__ROUTING="claim")
    app = create_app(settings)
    async with serving(app) as url:
        users = UserStore(app[SERVICES].db)
        agents = {
            name: await users.create(name, AGENT_PASSWORD, "agent", display_name=display, languages=["zh", "en"], capacity=3)
            for name, display in (("wang", "王小明"), ("li", "李娜"))
        }
        yield ConsoleServer(url, app, agents)


@pytest_asyncio.fixture(loop_scope="module")
async def agent_page(browser: Browser, console_server: ConsoleServer) -> Page:
    """The console in its own profile (so its own session cookie); fails the test on any page error."""
    async with watched_page(browser, console_server.url + "/console", viewport={"width": 1440, "height": 900}) as page:
        yield page


class Console:
    """The agent console as an agent sees it."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.login_error = page.locator("#login-error")
        self.queue = page.locator("#queue-list .queue-item")
        self.mine = page.locator("#mine-list .mine-item")
        self.transcript = page.locator("#transcript")
        self.reply_box = page.locator("#reply-input")
        self.notice = page.locator("#conv-notice")
        self.error = page.locator("#conv-error")

    async def login(self, username: str, password: str = AGENT_PASSWORD) -> None:
        await self.page.locator("#login-username").fill(username)
        await self.page.locator("#login-password").fill(password)
        await self.page.locator("#login-password").press("Enter")

    def messages(self, author: str):
        """This conversation's messages of one author (not those of earlier conversations)."""
        return self.transcript.locator(f":scope > .msg-{author} .msg-text")

    async def reply(self, text: str) -> None:
        await self.reply_box.fill(text)
        await self.reply_box.press("Enter")


@pytest.fixture
def console(agent_page: Page) -> Console:
    return Console(agent_page)


# ---- Analytics dashboard (bot/dashboard): a server seeded with a known week of conversations ----
# (tests/analytics/seed.py), plus an editor and an agent. Added by the dashboard work; the fixtures
# above are unchanged.

@dataclass
class DashboardServer:
    url: str
    app: web.Application
    seed: object  # tests.analytics.seed.SeedSet: what the test computes its expected figures from


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def dashboard_server(tmp_path_factory) -> DashboardServer:
    from bot.app import SERVICES
    from tests.analytics.app_setup import add_role_users, dashboard_app
    from tests.analytics.seed import build_seed, insert_seed
    from tests.conftest import make_settings

    app = dashboard_app(make_settings(tmp_path_factory.mktemp("kefu-dashboard"), KEFU_KNOWLEDGE__DEMO_KB=str(DEMO_FAQ)))
    async with serving(app) as url:
        seed = build_seed()
        await insert_seed(app[SERVICES].db, seed)
        await add_role_users(app)
        yield DashboardServer(url, app, seed)


@pytest_asyncio.fixture(loop_scope="module")
async def dashboard_page(browser: Browser, dashboard_server: DashboardServer) -> Page:
    """The dashboard in its own profile (its own session cookie); fails the test on any page error."""
    async with watched_page(browser, dashboard_server.url + "/dashboard", viewport={"width": 1440, "height": 1000}) as page:
        yield page


# ---- Knowledge editor (bot/editor): a server with an editor, the demo KB, the editor routes and table ----

EDITOR_PASSWORD = "editor-horse-42"


@dataclass
class EditorServer:
    url: str
    app: web.Application

    @property
    def store(self):
        from bot.app import SERVICES

        return self.app[SERVICES].kb.store


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def editor_server(tmp_path_factory) -> EditorServer:
    from bot.app import SERVICES
    from tests.conftest import make_settings
    from bot.app import create_app

    settings = make_settings(tmp_path_factory.mktemp("kefu-editor"), KEFU_KNOWLEDGE__DEMO_KB=str(DEMO_FAQ),
                             KEFU_SERVER__KB_REFRESH_SECONDS="0.5")
    app = create_app(settings)
    async with serving(app) as url:
        await app[SERVICES].users.create("editor1", EDITOR_PASSWORD, "editor", display_name="编辑小张")
        yield EditorServer(url, app)


@pytest_asyncio.fixture(loop_scope="module")
async def editor_page(browser: Browser, editor_server: EditorServer) -> Page:
    """The editor, signed in, in its own profile; fails the test on any page error."""
    async with watched_page(browser, editor_server.url + "/editor", viewport={"width": 1440, "height": 900}, accept_downloads=True) as page:
        await page.locator("#login-username").fill("editor1")
        await page.locator("#login-password").fill(EDITOR_PASSWORD)
        await page.locator("#login-password").press("Enter")
        yield page
