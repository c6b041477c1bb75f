"""Typed keys of the web application's state."""
from __future__ import annotations

from aiohttp import web

from bot.services import Services
from bot.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
SERVICES = web.AppKey("services", Services)
CHANNEL_MAP = web.AppKey("channels", dict)
