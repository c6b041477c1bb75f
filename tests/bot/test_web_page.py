"""The web UIs' pages and the files they share under /ui/, as the real app serves them."""
from __future__ import annotations

import re

import pytest

from bot.app import create_app
from tests.conftest import make_settings

UIS = ("console", "editor", "dashboard")


@pytest.fixture
async def client(aiohttp_client, tmp_path):
    return await aiohttp_client(create_app(make_settings(tmp_path)))


async def test_shared_files_are_served_with_their_content_types(client):
    css = await client.get("/ui/base.css")
    assert css.status == 200 and css.content_type == "text/css"
    assert ".login-card" in await css.text()
    for module in ("http.js", "i18n.js", "dom.js", "login.js"):
        js = await client.get(f"/ui/{module}")
        # either is a JavaScript type to a browser loading a module (mimetypes picks per system)
        assert js.status == 200 and js.content_type in ("text/javascript", "application/javascript"), module
    assert (await client.get("/ui/")).status in (403, 404)  # no listing of the folder


@pytest.mark.parametrize("ui", UIS)
async def test_each_page_links_the_shared_stylesheet_before_its_own(client, ui):
    page = await client.get(f"/{ui}")
    assert page.status == 200 and page.headers["Cache-Control"] == "no-cache"
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)">', await page.text())
    assert sheets == ["/ui/base.css", f"/{ui}/{ui}.css"]
    own = await client.get(sheets[1])
    assert own.status == 200 and own.content_type == "text/css"
