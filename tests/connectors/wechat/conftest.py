"""The WeChat Official Account channel inside the real app; WeChat's side is simulated here."""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import xmltodict
from sqlalchemy import select
from wechatpy.crypto import PrpCrypto
from wechatpy.crypto import WeChatCrypto as WeChatServerCrypto

from bot.app import CHANNEL_MAP, SERVICES, create_app
from bot.settings import Settings
from bot.storage.tables import messages
from connectors.wechat import WeChatChannel
from connectors.wechat_crypto import signature
from tests.conftest import make_settings
from tests.connectors.wechat.fake_wechat_server import APP_ID, APP_SECRET, FakeWeChatServer, GatedActionServer

PAYLOADS = Path(__file__).parent / "payloads"
FAQ = Path(__file__).parent / "faq.json"
TOKEN = "123456"  # the real test vector's token, EncodingAESKey and appid
AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"


def payload(name: str, **fields: str) -> str:
    """A recorded payload with some fields replaced, e.g. Content="怎么开发票", MsgId="2"."""
    xml = (PAYLOADS / name).read_text(encoding="utf-8")
    for tag, value in fields.items():
        xml, count = re.subn(rf"<{tag}>.*?</{tag}>", f"<{tag}><![CDATA[{value}]]></{tag}>", xml, flags=re.S)
        assert count == 1, f"{name} has no <{tag}>"
    return xml


def wechat_settings(tmp_path: Path, fake: FakeWeChatServer, action_url: str, **env: str) -> Settings:
    return make_settings(tmp_path, **{
        "KEFU_KNOWLEDGE__DEMO_KB": str(FAQ),
        "KEFU_ACTIONS__URL": action_url,
        "KEFU_ACTIONS__TIMEOUT_SECONDS": "30",  # longer than the reply budget: the gated action is "slow"
        "KEFU_CHANNELS__WECHAT__ENABLED": "true",
        "KEFU_CHANNELS__WECHAT__APP_ID": APP_ID,
        "KEFU_CHANNELS__WECHAT__ENCRYPTION": "compatible",
        "KEFU_CHANNELS__WECHAT__API_BASE_URL": fake.url,
        "KEFU_CHANNELS__WECHAT__MENU": "{MENU_INVOICE: invoice}",
        "KEFU_WECHAT_TOKEN": TOKEN,
        "KEFU_WECHAT_AES_KEY": AES_KEY,
        "KEFU_WECHAT_APP_SECRET": APP_SECRET,
    } | env)


class WeChatSim:
    """Posts callbacks the way WeChat's servers do: signed, and encrypted in safe mode."""

    def __init__(self, client, path: str = "/webhooks/wechat") -> None:
        self.client, self.path = client, path
        self._nonce = 100000

    def nonce(self) -> str:
        self._nonce += 1
        return str(self._nonce)

    async def post_plain(self, xml: str, timestamp: str | None = None, token: str = TOKEN):
        ts, nonce = timestamp or str(int(time.time())), self.nonce()
        query = {"signature": signature(token, ts, nonce), "timestamp": ts, "nonce": nonce, "openid": OPENID}
        return await self.client.post(self.path, params=query, data=xml.encode("utf-8"))

    def encrypted(self, xml: str, key: str = AES_KEY, timestamp: str | None = None) -> tuple[dict, bytes]:
        ts, nonce = timestamp or str(int(time.time())), self.nonce()
        envelope = xmltodict.parse(WeChatServerCrypto(TOKEN, key, APP_ID).encrypt_message(xml, nonce, ts))["xml"]
        query = {"signature": signature(TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce, "openid": OPENID,
                 "encrypt_type": "aes", "msg_signature": envelope["MsgSignature"]}
        body = f"<xml><ToUserName><![CDATA[gh_3c884a361561]]></ToUserName><Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
        return query, body.encode("utf-8")

    async def post_encrypted(self, xml: str, key: str = AES_KEY, timestamp: str | None = None):
        query, body = self.encrypted(xml, key, timestamp)
        return await self.client.post(self.path, params=query, data=body)


def decrypt_reply(text: str, key: str = AES_KEY) -> dict:
    """What WeChat reads from our encrypted passive reply (after checking its signature)."""
    envelope = xmltodict.parse(text)["xml"]
    expected = signature(TOKEN, envelope["TimeStamp"], envelope["Nonce"], envelope["Encrypt"])
    assert envelope["MsgSignature"] == expected
    plain = PrpCrypto(WeChatServerCrypto(TOKEN, key, APP_ID).key).decrypt(envelope["Encrypt"], APP_ID)
    return xmltodict.parse(plain)["xml"]


@pytest.fixture
async def fake_wechat(aiohttp_server) -> FakeWeChatServer:
    fake = FakeWeChatServer()
    fake.url = str((await aiohttp_server(fake.app)).make_url("")).rstrip("/")
    return fake


@pytest.fixture
async def action_server(aiohttp_server) -> GatedActionServer:
    action = GatedActionServer()
    action.url = str((await aiohttp_server(action.app)).make_url("/webhook"))
    return action


@pytest.fixture
async def client(aiohttp_client, tmp_path, fake_wechat, action_server):
    client = await aiohttp_client(create_app(wechat_settings(tmp_path, fake_wechat, action_server.url)))
    yield client
    action_server.gate.set()  # let a held answer finish before the app stops


@pytest.fixture
def wechat(client) -> WeChatSim:
    return WeChatSim(client)


def channel_of(client) -> WeChatChannel:
    return client.app[CHANNEL_MAP]["wechat"]


async def stored(client) -> list:
    async with client.app[SERVICES].db.engine.connect() as conn:
        return (await conn.execute(select(messages).order_by(messages.c.pos))).all()
