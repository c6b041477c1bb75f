"""The WeCom kf channel inside the real app; WeCom's callbacks and API are simulated locally."""
from __future__ import annotations

import copy
import json
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from wechatpy.enterprise.crypto import PrpCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as WeComServerCrypto

from bot.app import CHANNEL_MAP, SERVICES, create_app
from bot.storage.tables import messages
from connectors.wechat_crypto import signature
from connectors.wecom_kf import WeComKfChannel
from tests.conftest import make_settings
from tests.connectors.wecom.fake_wecom_server import CORP_ID, CORP_SECRET, FakeWeComServer

PAYLOADS = Path(__file__).parent / "payloads"
SHOP_FAQ = Path(__file__).resolve().parents[2] / "bot" / "fixtures" / "shop_faq.json"
TOKEN = "QDG6eK"  # the token and EncodingAESKey of WeCom's callback docs example
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
KFID = "wkAJ2GCAAAZSfhHCt7IFSvLKtMPxyJTw"
CUSTOMER = "wmAJ2GCAAAme1XQRC-NI-q0_ZM9ukoAw"


def sync_items() -> list[dict]:
    return copy.deepcopy(json.loads((PAYLOADS / "sync_msg_page.json").read_text(encoding="utf-8")))


def customer_text(msgid: str, text: str, kfid: str = KFID, **extra) -> dict:
    return {"msgid": msgid, "open_kfid": kfid, "external_userid": CUSTOMER, "send_time": int(time.time()),
            "origin": 3, "msgtype": "text", "text": {"content": text, **extra}}


def wecom_settings(tmp_path: Path, fake: FakeWeComServer, **env: str):
    return make_settings(tmp_path, **{
        "KEFU_KNOWLEDGE__DEMO_KB": str(SHOP_FAQ),
        "KEFU_ACTIONS__URL": "http://127.0.0.1:9/webhook",
        "KEFU_CHANNELS__WECOM__ENABLED": "true",
        "KEFU_CHANNELS__WECOM__CORP_ID": CORP_ID,
        "KEFU_CHANNELS__WECOM__API_BASE_URL": fake.url,
        "KEFU_WECOM_TOKEN": TOKEN,
        "KEFU_WECOM_AES_KEY": AES_KEY,
        "KEFU_WECOM_SECRET": CORP_SECRET,
    } | env)


class WeComSim:
    """Signs and encrypts callbacks the way WeCom's servers do."""

    def __init__(self, client) -> None:
        self.client, self._nonce = client, 5000

    def _query(self, encrypted: str, token: str = TOKEN, timestamp: str | None = None) -> dict:
        ts = timestamp or str(int(time.time()))
        self._nonce += 1
        nonce = str(self._nonce)
        return {"msg_signature": signature(token, ts, nonce, encrypted), "timestamp": ts, "nonce": nonce}

    def encrypt(self, text: str) -> str:
        return PrpCrypto(WeComServerCrypto(TOKEN, AES_KEY, CORP_ID).key).encrypt(text, CORP_ID).decode()

    async def verify_url(self, echo: str, token: str = TOKEN):
        encrypted = self.encrypt(echo)
        return await self.client.get("/webhooks/wecom", params=self._query(encrypted, token) | {"echostr": encrypted})

    async def signal(self, kfid: str = KFID, token: str = TOKEN, timestamp: str | None = None):
        xml = (PAYLOADS / "kf_msg_or_event.xml").read_text(encoding="utf-8").replace(KFID, kfid)
        encrypted = self.encrypt(xml)
        body = f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>"
        return await self.client.post("/webhooks/wecom", params=self._query(encrypted, token, timestamp), data=body.encode())


@pytest.fixture
async def fake_wecom(aiohttp_server) -> FakeWeComServer:
    fake = FakeWeComServer()
    fake.url = str((await aiohttp_server(fake.app)).make_url("")).rstrip("/")
    return fake


@pytest.fixture
async def client(aiohttp_client, tmp_path, fake_wecom):
    return await aiohttp_client(create_app(wecom_settings(tmp_path, fake_wecom)))


@pytest.fixture
def wecom(client) -> WeComSim:
    return WeComSim(client)


def channel_of(client) -> WeComKfChannel:
    return client.app[CHANNEL_MAP]["wecom"]


async def stored(client) -> list:
    async with client.app[SERVICES].db.engine.connect() as conn:
        return (await conn.execute(select(messages).order_by(messages.c.pos))).all()


async def signal_and_wait(wecom: WeComSim, client, **kwargs):
    response = await wecom.signal(**kwargs)
    await channel_of(client).drain()
    return response
