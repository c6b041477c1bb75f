"""The WeChat Official Account channel (公众号): callbacks in plaintext, compatible or safe mode.

WeChat gives a callback 5 seconds and then retries it, three tries in all, with the same MsgId
(events: FromUserName + CreateTime). A message is claimed in the shared store before it is
handled, so a retry (reaching any worker) gets `success` and is never answered twice. The answer
goes back in the HTTP response (a passive reply) if it is ready within `reply_budget_seconds`;
otherwise the response is `success` and the answer follows through the customer-service message
API, exactly once. Customer-service messages are allowed only for 48 h after the customer's last
message: `reply_window(openid)` tells the console whether and until when an agent may write, and
a refusal (45015 and friends) is recorded for the console and raised as `DeliveryFailed`.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import xmltodict
from aiohttp import web
from wechatpy import parse_message
from wechatpy.replies import create_reply

from bot import payloads
from bot.errors import InvalidMessage
from bot.messages import OutboundMessage
from bot.settings import SettingsError
from bot.texts import say
from connectors.channel import Channel, ChannelContext
from connectors.dedupe_store import open_dedupe_store
from connectors.delivery_log import DeliveryFailed, DeliveryFailure, DeliveryLog
from connectors.http_errors import json_error
from connectors.keyed_worker import KeyedWorker
from connectors.text_split import split_text, utf8_len
from connectors.wechat_api import WeChatApi, WeChatApiError
from connectors.wechat_crypto import CallbackRejected, WeChatCrypto
from connectors.wechat_inbound import inbound_message
from connectors.wechat_options import NumberedOptions
from connectors.wechat_token import WeChatToken

log = logging.getLogger(__name__)

__all__ = ["ReplyWindow", "WeChatChannel"]

MAX_TEXT_BYTES = 2000  # WeChat rejects text over about 2048 bytes; keep a margin
_SEEN_SECONDS = 3600  # far beyond WeChat's three tries within about 15 s


@dataclass(frozen=True)
class ReplyWindow:
    open: bool
    until: datetime | None  # when the last customer message stops allowing customer-service messages
    last_failure: DeliveryFailure | None


class WeChatChannel(Channel):
    name = "wechat"

    def __init__(self, context: ChannelContext) -> None:
        super().__init__(context)
        self.config = cfg = context.settings.channels.wechat
        secrets = context.settings.secrets
        if not cfg.app_id:
            raise SettingsError("channels.wechat is enabled but channels.wechat.app_id (the AppID) is empty")
        token = _required(secrets.wechat_token, "KEFU_WECHAT_TOKEN")
        app_secret = _required(secrets.wechat_app_secret, "KEFU_WECHAT_APP_SECRET")
        keys = []
        if cfg.encryption != "plain":
            keys = [_required(secrets.wechat_aes_key, "KEFU_WECHAT_AES_KEY"),
                    secrets.wechat_previous_aes_key.get_secret_value() if secrets.wechat_previous_aes_key else ""]
        try:
            self.crypto = WeChatCrypto(token, cfg.app_id, keys, max_skew_seconds=cfg.max_clock_skew_seconds)
        except ValueError as exc:
            raise SettingsError(f"KEFU_WECHAT_AES_KEY / KEFU_WECHAT_PREVIOUS_AES_KEY: {exc}") from None
        self.store = open_dedupe_store(context.settings.shared_store_url, context.settings.shared_store_prefix)
        base = cfg.api_base_url.rstrip("/")
        access = WeChatToken(self.store, lambda: context.http, f"{base}/cgi-bin/token",
                             {"grant_type": "client_credential", "appid": cfg.app_id, "secret": app_secret},
                             f"wechat:token:{cfg.app_id}")
        self.api = WeChatApi(lambda: context.http, base, access, cfg.api_timeout_seconds)
        self.failures = DeliveryLog(self.store, self.name, context.delivery_failed)
        self.options = NumberedOptions(self.store, self.name, cfg.option_ttl_seconds)
        self._outbox = KeyedWorker("wechat-send")  # customer-service messages in order per customer
        self._late: set[asyncio.Task] = set()

    def routes(self) -> list[web.AbstractRouteDef]:
        return [web.get(self.config.path, self._verify_url), web.post(self.config.path, self._callback)]

    async def stop(self) -> None:
        for task in list(self._late):
            task.cancel()
        await asyncio.gather(*self._late, return_exceptions=True)
        await self._outbox.close()
        await self.store.close()

    async def drain(self) -> None:
        """Wait for answers still being prepared or sent (tests, graceful shutdown)."""
        while self._late:
            await asyncio.gather(*list(self._late), return_exceptions=True)
        await self._outbox.join()

    async def send(self, message: OutboundMessage) -> None:
        """An agent's message via the customer-service API; DeliveryFailed if WeChat refuses it."""
        texts = await self.options.render(message.user_id, [message])
        await self._outbox.submit(message.user_id, lambda: self._send_texts(message.user_id, texts, message.message_id))
        await self.failures.clear(message.user_id)

    async def reply_window(self, openid: str) -> ReplyWindow:
        last = await self.store.get(self._window_key(openid))
        failure = await self.failures.last(openid)
        if last is None:
            return ReplyWindow(False, None, failure)
        until = datetime.fromtimestamp(float(last), timezone.utc) + timedelta(hours=self.config.reply_window_hours)
        return ReplyWindow(until > datetime.now(timezone.utc), until, failure)

    # --- callbacks ----------------------------------------------------------------------

    async def _verify_url(self, request: web.Request) -> web.Response:
        q = request.query
        try:
            self.crypto.check(q.get("signature", ""), q.get("timestamp", ""), q.get("nonce", ""))
        except CallbackRejected as exc:
            return json_error(403, "bad_signature", f"签名无效 / Rejected: {exc}.")
        return web.Response(text=q.get("echostr", ""))

    async def _callback(self, request: web.Request) -> web.Response:
        q = request.query
        encrypted = q.get("encrypt_type", "raw") == "aes"
        try:
            body = await request.text()
            if encrypted:  # safe and compatible mode: msg_signature covers the Encrypt field
                envelope = xmltodict.parse(body)["xml"]
                xml = self.crypto.decrypt(str(envelope["Encrypt"]), q.get("msg_signature", ""),
                                          q.get("timestamp", ""), q.get("nonce", ""))
            else:
                self.crypto.check(q.get("signature", ""), q.get("timestamp", ""), q.get("nonce", ""))
                if self.config.encryption == "safe":
                    raise CallbackRejected("a plaintext message while the account is in safe mode")
                xml = body
            message = parse_message(xml)
            if message is None:
                raise ValueError("empty message")
        except CallbackRejected as exc:
            log.warning("wechat: rejected a callback: %s", exc)
            return json_error(403, "bad_signature", f"签名无效 / Rejected: {exc}.")
        except Exception:  # malformed XML, missing fields, not UTF-8
            return json_error(400, "bad_message", "无法解析的消息 / The body is not a WeChat XML message.")
        reply = await self._answer(message)
        if reply is None:
            return web.Response(text="success")  # WeChat stops retrying; nothing is shown
        if encrypted:
            reply = self.crypto.encrypt(reply, q.get("nonce", ""))
        return web.Response(text=reply, content_type="application/xml")

    async def _answer(self, message) -> str | None:
        """The passive reply XML, or None for `success`."""
        openid = message.source
        if message.type == "event" and message.event == "unsubscribe":
            await self.store.delete(self._window_key(openid))
            return None
        await self.store.set(self._window_key(openid), str(time.time()), self.config.reply_window_hours * 3600)
        if message.type == "event" and message.event in ("subscribe", "subscribe_scan"):
            return create_reply(self.config.welcome_text or say("greeting", "zh"), message).render()
        inbound = await inbound_message(self.name, message, self.options, self._menu_entry)
        if inbound is None:
            return None  # VIEW, SCAN, LOCATION reports...: nothing to say
        if not await self.store.claim(f"wechat:seen:{openid}:{inbound.message_id}", ttl=_SEEN_SECONDS):
            return None  # a retry of a message already being answered (maybe by another worker)
        task = asyncio.create_task(self._respond(inbound))
        done, _ = await asyncio.wait({task}, timeout=self.config.reply_budget_seconds)
        if not done:  # too slow for a passive reply: answer via the customer-service API when ready
            self._background(self._answer_later(openid, task))
            return None
        replies = task.result()
        if self.config.handoff == "wechat_kf" and any(r.kind == "handoff" for r in replies):
            rest = [r for r in replies if r.kind != "handoff"]
            if rest:
                self._background(self._push(openid, rest))
            return _transfer_xml(message, self.config.kf_account)
        texts = await self.options.render(openid, replies)
        parts = [p for text in texts for p in split_text(text, MAX_TEXT_BYTES, utf8_len)]
        if not parts:
            return None
        if len(parts) > 1:
            self._background(self._push_texts(openid, parts[1:]))
        return create_reply(parts[0], message).render()

    def _menu_entry(self, key: str) -> str | None:
        if key in self.config.menu:
            return payloads.faq(self.config.menu[key])
        return payloads.faq(key[4:]) if key.startswith("faq:") and len(key) > 4 else None

    async def _respond(self, inbound) -> list[OutboundMessage]:
        try:
            return await self.context.deliver(inbound)
        except InvalidMessage as exc:  # e.g. too long: say so instead of staying silent
            return [OutboundMessage(self.name, inbound.user_id, "", exc.message, kind="error")]
        except Exception:
            log.exception("wechat: answering %s of %s failed", inbound.message_id, inbound.user_id)
            return []

    # --- customer-service messages --------------------------------------------------------

    async def _answer_later(self, openid: str, task: asyncio.Task) -> None:
        await self._push(openid, await task)

    async def _push(self, openid: str, replies: list[OutboundMessage]) -> None:
        await self._push_texts(openid, await self.options.render(openid, replies))

    async def _push_texts(self, openid: str, texts: list[str]) -> None:
        try:
            await self._outbox.submit(openid, lambda: self._send_texts(openid, texts, ""))
        except DeliveryFailed:
            pass  # recorded by _send_texts; a bot answer has nobody else to tell

    async def _send_texts(self, openid: str, texts: list[str], message_id: str) -> None:
        for part in (p for text in texts for p in split_text(text, MAX_TEXT_BYTES, utf8_len)):
            try:
                await self.api.post("message/custom/send",
                                    {"touser": openid, "msgtype": "text", "text": {"content": part}})
            except WeChatApiError as exc:
                if exc.code == 45015:
                    await self.store.delete(self._window_key(openid))
                raise await self.failures.record(openid, str(exc.code), exc.explanation, message_id) from exc

    def _background(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._late.add(task)
        task.add_done_callback(self._late.discard)

    def _window_key(self, openid: str) -> str:
        return f"wechat:window:{openid}"


def _transfer_xml(message, kf_account: str) -> str:
    """Hand the customer to WeChat's own agents (wechatpy's reply class has no TransInfo)."""
    trans = f"<TransInfo><KfAccount><![CDATA[{kf_account}]]></KfAccount></TransInfo>" if kf_account else ""
    return (f"<xml><ToUserName><![CDATA[{message.source}]]></ToUserName>"
            f"<FromUserName><![CDATA[{message.target}]]></FromUserName><CreateTime>{int(time.time())}</CreateTime>"
            f"<MsgType><![CDATA[transfer_customer_service]]></MsgType>{trans}</xml>")


def _required(secret, env_name: str) -> str:
    value = secret.get_secret_value() if secret is not None else ""
    if not value:
        raise SettingsError(f"channels.wechat is enabled but {env_name} is not set in the environment")
    return value
