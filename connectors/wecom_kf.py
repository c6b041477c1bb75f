"""The WeChat Customer Service channel (WeCom 微信客服, "kf").

WeCom's callback carries no message, only a signal (`kf_msg_or_event` with a `Token` and the kf
account `OpenKfId`); the messages are pulled with `kf/sync_msg`. Pulls are serialised per kf
account (a lock in the shared store, so across workers too), the cursor is persisted per account
after each page, and every message is claimed by `msgid`, so a re-pull never answers twice.
Only customers' messages (origin 3) are answered: system events (4) and a human servicer's own
messages (5) never are. Replies go out with `kf/send_msg` carrying our own msgid (WeCom refuses a
repeated msgid, so a retried send cannot duplicate). Buttons become a `msgmenu` whose click comes
back as a text with `menu_id`. With `handoff: wecom` a handoff moves the session to WeCom's own
servicers (`service_state/trans`) and the bot stays silent while a servicer holds it.

The customer's id on this channel is `<open_kfid>/<external_userid>`: one conversation per kf account.
"""
from __future__ import annotations

import logging
import secrets

import xmltodict
from aiohttp import web

from bot.errors import InvalidMessage
from bot.messages import OutboundMessage
from bot.settings import SettingsError
from connectors.channel import Channel, ChannelContext
from connectors.dedupe_store import open_dedupe_store
from connectors.delivery_log import DeliveryFailed, DeliveryLog
from connectors.http_errors import json_error
from connectors.keyed_worker import KeyedWorker
from connectors.text_split import split_text, utf8_len
from connectors.wechat_api import WeChatApi, WeChatApiError
from connectors.wechat_crypto import CallbackRejected, WeChatCrypto
from connectors.wechat_token import WeChatToken
from connectors.wecom_inbound import inbound_message

log = logging.getLogger(__name__)

__all__ = ["WeComKfChannel"]

MAX_TEXT_BYTES = 2000  # send_msg text is limited to 2048 bytes
MAX_MENU_HEAD_BYTES = 1000
_SEEN_SECONDS = 7 * 24 * 3600  # sync_msg returns messages of the last few days
_LOCK_SECONDS = 120
HUMAN_STATES = {2, 3}  # queued for / held by a WeCom servicer


class WeComKfChannel(Channel):
    name = "wecom"

    def __init__(self, context: ChannelContext) -> None:
        super().__init__(context)
        self.config = cfg = context.settings.channels.wecom
        secrets_ = context.settings.secrets
        if not cfg.corp_id:
            raise SettingsError("channels.wecom is enabled but channels.wecom.corp_id (the WeCom corp id) is empty")
        token = _required(secrets_.wecom_token, "KEFU_WECOM_TOKEN")
        aes_key = _required(secrets_.wecom_aes_key, "KEFU_WECOM_AES_KEY")
        corp_secret = _required(secrets_.wecom_secret, "KEFU_WECOM_SECRET")
        try:
            self.crypto = WeChatCrypto(token, cfg.corp_id, [aes_key], enterprise=True,
                                       max_skew_seconds=cfg.max_clock_skew_seconds)
        except ValueError as exc:
            raise SettingsError(f"KEFU_WECOM_AES_KEY: {exc}") from None
        self.store = open_dedupe_store(context.settings.shared_store_url, context.settings.shared_store_prefix)
        base = cfg.api_base_url.rstrip("/")
        access = WeChatToken(self.store, lambda: context.http, f"{base}/cgi-bin/gettoken",
                             {"corpid": cfg.corp_id, "corpsecret": corp_secret}, f"wecom:token:{cfg.corp_id}")
        self.api = WeChatApi(lambda: context.http, base, access, cfg.api_timeout_seconds)
        self.failures = DeliveryLog(self.store, self.name, context.delivery_failed)
        self._pulls = KeyedWorker("wecom-sync")

    def routes(self) -> list[web.AbstractRouteDef]:
        return [web.get(self.config.path, self._verify_url), web.post(self.config.path, self._callback)]

    async def stop(self) -> None:
        await self._pulls.close()
        await self.store.close()

    async def drain(self) -> None:
        """Wait for pulls in progress (tests, graceful shutdown)."""
        await self._pulls.join()

    async def send(self, message: OutboundMessage) -> None:
        """An agent's message with send_msg; DeliveryFailed if WeCom refuses it."""
        await self._send(message.user_id, message)
        await self.failures.clear(message.user_id)

    # --- callbacks ----------------------------------------------------------------------

    async def _verify_url(self, request: web.Request) -> web.Response:
        q = request.query
        try:  # the echostr is encrypted: answer its plaintext
            plain = self.crypto.decrypt(q.get("echostr", ""), q.get("msg_signature", ""),
                                        q.get("timestamp", ""), q.get("nonce", ""))
        except CallbackRejected as exc:
            return json_error(403, "bad_signature", f"签名无效 / Rejected: {exc}.")
        return web.Response(text=plain)

    async def _callback(self, request: web.Request) -> web.Response:
        q = request.query
        try:
            envelope = xmltodict.parse(await request.text())["xml"]
            encrypted = str(envelope["Encrypt"])
        except Exception:
            return json_error(400, "bad_message", "无法解析的消息 / The body is not a WeCom callback.")
        try:
            event = xmltodict.parse(self.crypto.decrypt(encrypted, q.get("msg_signature", ""),
                                                        q.get("timestamp", ""), q.get("nonce", "")))["xml"]
        except CallbackRejected as exc:
            log.warning("wecom: rejected a callback: %s", exc)
            return json_error(403, "bad_signature", f"签名无效 / Rejected: {exc}.")
        except Exception:
            return json_error(400, "bad_message", "无法解析的消息 / The decrypted callback is not XML.")
        if event.get("Event") == "kf_msg_or_event" and event.get("OpenKfId"):
            kfid, token = str(event["OpenKfId"]), str(event.get("Token") or "")
            self._pulls.submit(kfid, lambda: self._pull(kfid, token))
        return web.Response(text="success")  # at once: the messages are pulled in the background

    # --- sync_msg -----------------------------------------------------------------------

    async def _pull(self, kfid: str, token: str) -> None:
        lock, again, owner = f"wecom:sync-lock:{kfid}", f"wecom:sync-again:{kfid}", secrets.token_hex(8)
        while True:
            if not await self.store.claim(lock, owner, ttl=_LOCK_SECONDS):
                await self.store.set(again, "1", _LOCK_SECONDS)  # the worker pulling now pulls once more
                return
            try:
                await self._sync(kfid, token)
            except Exception:
                log.exception("wecom: sync_msg for %s failed", kfid)
            finally:
                await self.store.delete_if(lock, owner)
            if not await self.store.delete_if(again, "1"):
                return

    async def _sync(self, kfid: str, token: str) -> None:
        cursor_key = f"wecom:cursor:{kfid}"
        cursor = await self.store.get(cursor_key) or ""
        while True:
            page = await self.api.post("kf/sync_msg", {"cursor": cursor, "token": token, "limit": 1000, "open_kfid": kfid})
            for item in page.get("msg_list") or []:
                await self._handle(kfid, item)
            cursor = page.get("next_cursor") or cursor
            await self.store.set(cursor_key, cursor)  # kept forever: the cursor is the account's position
            if not page.get("has_more"):
                return

    async def _handle(self, kfid: str, item: dict) -> None:
        msgid = str(item.get("msgid") or "")
        if item.get("origin") != 3 or not msgid or not item.get("external_userid"):
            return  # system events and servicers' messages are never answered
        if not await self.store.claim(f"wecom:seen:{msgid}", ttl=_SEEN_SECONDS):
            return
        inbound = await inbound_message(self.name, kfid, item, self.store)
        try:
            replies = await self.context.deliver(inbound)
        except InvalidMessage as exc:
            replies = [OutboundMessage(self.name, inbound.user_id, "", exc.message, kind="error")]
        except Exception:
            await self.store.delete(f"wecom:seen:{msgid}")  # not handled: the next pull tries again
            raise
        if self.config.handoff == "wecom" and await self._with_servicer(kfid, item["external_userid"]):
            return  # a WeCom servicer holds the session: the message is stored, the bot stays silent
        try:
            for reply in replies:
                await self._send(inbound.user_id, reply)
            if self.config.handoff == "wecom" and any(r.kind == "handoff" for r in replies):
                await self._transfer(kfid, item["external_userid"])
        except (DeliveryFailed, WeChatApiError) as exc:
            log.warning("wecom: answer to %s not delivered: %s", inbound.user_id, exc)

    async def _with_servicer(self, kfid: str, external: str) -> bool:
        state = await self.api.post("kf/service_state/get", {"open_kfid": kfid, "external_userid": external})
        return state.get("service_state") in HUMAN_STATES

    async def _transfer(self, kfid: str, external: str) -> None:
        servicer = self.config.servicer_userid
        body = {"open_kfid": kfid, "external_userid": external, "service_state": 3 if servicer else 2}
        if servicer:
            body["servicer_userid"] = servicer
        await self.api.post("kf/service_state/trans", body)

    # --- send_msg -----------------------------------------------------------------------

    async def _send(self, user_id: str, message: OutboundMessage) -> None:
        kfid, _, external = user_id.partition("/")
        base_id = (message.message_id or secrets.token_hex(14))[:28]
        limit = MAX_MENU_HEAD_BYTES if message.buttons else MAX_TEXT_BYTES
        parts = split_text(message.text or " ", limit, utf8_len)
        for i, part in enumerate(parts):
            body = {"touser": external, "open_kfid": kfid, "msgid": f"{base_id}_{i}"}
            if message.buttons and i == len(parts) - 1:
                body |= {"msgtype": "msgmenu", "msgmenu": {"head_content": part, "list": await self._menu(message)}}
            else:
                body |= {"msgtype": "text", "text": {"content": part}}
            try:
                await self.api.post("kf/send_msg", body)
            except WeChatApiError as exc:
                raise await self.failures.record(user_id, str(exc.code), exc.explanation, message.message_id) from exc

    async def _menu(self, message: OutboundMessage) -> list[dict]:
        items = []
        for button in message.buttons:
            key = secrets.token_hex(8)
            await self.store.set(f"wecom:menu:{key}", button.payload, self.config.option_ttl_seconds)
            items.append({"type": "click", "click": {"id": key, "content": button.title}})
        return items


def _required(secret, env_name: str) -> str:
    value = secret.get_secret_value() if secret is not None else ""
    if not value:
        raise SettingsError(f"channels.wecom is enabled but {env_name} is not set in the environment")
    return value
