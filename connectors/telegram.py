"""The Telegram channel (python-telegram-bot 22 as the Bot API client; aiohttp serves the webhook).

Webhook mode: Telegram POSTs updates to `channels.telegram.webhook_path` with the secret given to
`setWebhook` in `X-Telegram-Bot-Api-Secret-Token`; a missing or wrong secret gets 403 before the
body is read. Polling mode (`mode: polling`) calls getUpdates instead, for development without
a public URL. Either way an update is answered 200 at once and handled in the background, in
order per chat, deduplicated on `update_id` in the shared store.

Clarify options and other buttons become inline keyboards whose callback data is a short random
key (Telegram allows 64 bytes); the key maps to the button's payload in the shared store.
Photos, stickers, voice and files arrive as attachments with no text (the engine answers
politely and keeps them for an agent); an edited message is handled as the customer's new text.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import logging
import secrets
from typing import Any

from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from bot.errors import InvalidMessage
from bot.messages import Attachment, Button, InboundMessage, OutboundMessage
from bot.settings import SettingsError
from connectors.channel import Channel, ChannelContext
from connectors.dedupe_store import open_dedupe_store
from connectors.delivery_log import DeliveryLog
from connectors.http_errors import json_error, read_json_object
from connectors.keyed_worker import KeyedWorker
from connectors.telegram_sender import TelegramSender, retry_seconds
from connectors.text_split import split_text, utf16_len

log = logging.getLogger(__name__)

__all__ = ["TelegramChannel"]

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_TEXT = 4096  # UTF-16 code units
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
_SEEN_SECONDS = 24 * 3600  # Telegram keeps unconfirmed updates for 24 h
_NETWORK_DETAIL = {
    "TimedOut": "Telegram 多次未及时答复，消息可能已送达也可能没有 / Telegram did not answer in time, even after retries: "
                "the message may or may not have arrived.",
    "NetworkError": "无法连接 Telegram / Telegram could not be reached, even after retries.",
}
_EXPIRED = {"zh": "这个选项已过期，请重新提问。", "en": "This option has expired; please ask again."}


class TelegramChannel(Channel):
    name = "telegram"

    def __init__(self, context: ChannelContext) -> None:
        super().__init__(context)
        self.config = context.settings.channels.telegram
        token = _required(context.settings.secrets.telegram_token, "KEFU_TELEGRAM_TOKEN")
        self._secret = ""
        if self.config.mode == "webhook":
            self._secret = _required(context.settings.secrets.telegram_webhook_secret, "KEFU_TELEGRAM_WEBHOOK_SECRET")
        base = self.config.api_base_url.rstrip("/")
        self.bot = Bot(
            token,
            base_url=f"{base}/bot",
            base_file_url=f"{base}/file/bot",
            request=HTTPXRequest(connection_pool_size=32, connect_timeout=self.config.api_timeout_seconds,
                                 read_timeout=self.config.api_timeout_seconds,
                                 write_timeout=self.config.api_timeout_seconds),
            get_updates_request=HTTPXRequest(read_timeout=self.config.poll_timeout_seconds + 10.0),
        )
        self.store = open_dedupe_store(context.settings.shared_store_url, context.settings.shared_store_prefix)
        self.failures = DeliveryLog(self.store, self.name, context.delivery_failed)
        self.sender = TelegramSender(self.bot, self.config.per_chat_interval_seconds, self.config.global_per_second)
        self._inbound = KeyedWorker("telegram-in")
        self._poller: asyncio.Task | None = None

    def routes(self) -> list[web.AbstractRouteDef]:
        return [web.post(self.config.webhook_path, self._webhook)] if self.config.mode == "webhook" else []

    async def start(self) -> None:
        if self.config.mode == "polling":
            self._poller = asyncio.create_task(self._poll(), name="telegram-poll")
        elif self.config.webhook_url:
            try:
                await self.bot.set_webhook(self.config.webhook_url, secret_token=self._secret,
                                           allowed_updates=ALLOWED_UPDATES)
            except TelegramError as exc:  # the server still runs; the log says what to fix
                log.error("telegram: setWebhook(%s) failed: %s", self.config.webhook_url, exc)

    async def stop(self) -> None:
        if self._poller:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
        await self._inbound.close()
        await self.sender.close()
        await self.bot.shutdown()
        await self.store.close()

    async def drain(self) -> None:
        """Wait until every accepted update is answered and sent (tests, graceful shutdown)."""
        await self._inbound.join()
        await self.sender.drain()

    async def send(self, message: OutboundMessage) -> None:
        """An out-of-band message (an agent's reply): raises DeliveryFailed if Telegram refuses it."""
        try:
            await self._send_reply(message.user_id, message)
        except (Forbidden, BadRequest) as exc:  # blocked by the user, chat gone: the agent must know
            raise await self.failures.record(message.user_id, type(exc).__name__, exc.message, message.message_id)
        except NetworkError as exc:  # still failing after the sender's retries (TimedOut included)
            detail = _NETWORK_DETAIL.get(type(exc).__name__, _NETWORK_DETAIL["NetworkError"])
            raise await self.failures.record(message.user_id, type(exc).__name__, detail, message.message_id)
        await self.failures.clear(message.user_id)

    # --- inbound ------------------------------------------------------------------------

    async def _webhook(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self._secret.encode()):
            return json_error(403, "bad_secret", "密钥错误 / Missing or wrong secret token.")
        data = await read_json_object(request)
        update_id = data.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            return json_error(400, "bad_update", "不是 Telegram 更新 / The body has no integer update_id.")
        try:
            update = Update.de_json(data, self.bot)
        except (TypeError, ValueError, KeyError, AttributeError):
            return json_error(400, "bad_update", "无法解析的更新 / The update could not be parsed.")
        self._accept(update)
        return web.json_response({"ok": True})  # at once: Telegram resends on a slow or non-2xx answer

    async def _poll(self) -> None:
        await self.bot.delete_webhook()  # getUpdates answers 409 while a webhook is set
        offset, backoff = None, 1.0
        while True:
            try:
                updates = await self.bot.get_updates(offset=offset, timeout=self.config.poll_timeout_seconds,
                                                     allowed_updates=ALLOWED_UPDATES)
                backoff = 1.0
            except RetryAfter as exc:
                await asyncio.sleep(retry_seconds(exc))
                continue
            except TelegramError as exc:  # Telegram or the network is down: keep trying
                log.warning("telegram: getUpdates failed (%s); retrying in %.0f s", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 60.0)
                continue
            for update in updates:
                offset = update.update_id + 1
                self._accept(update)

    def _accept(self, update: Update) -> None:
        # Queued before any await so updates of one chat keep their order.
        chat = update.effective_chat.id if update.effective_chat else (update.effective_user.id if update.effective_user else 0)
        self._inbound.submit(str(chat), lambda: self._handle(update))

    async def _handle(self, update: Update) -> None:
        try:
            if not await self.store.claim(f"telegram:update:{update.update_id}", ttl=_SEEN_SECONDS):
                return  # a resend of an update already handled (by any worker)
            if update.callback_query:
                await self._button(update)
            elif (message := update.message or update.edited_message) is not None:
                await self._deliver(self._inbound_message(update, message), message.chat_id)
        except Exception:  # one broken update must not stop the chat's queue
            log.exception("telegram: update %s failed", update.update_id)

    async def _button(self, update: Update) -> None:
        query = update.callback_query
        stored = await self.store.get(f"telegram:button:{query.data}") if query.data else None
        language = _language(query.from_user.language_code if query.from_user else None)
        try:  # always answer, or the button keeps spinning in the client
            await self.bot.answer_callback_query(query.id, text=None if stored else _EXPIRED[language or "zh"])
        except TelegramError as exc:
            log.info("telegram: answerCallbackQuery failed: %s", exc)
        if stored is None:
            return
        button = json.loads(stored)
        chat_id = query.message.chat.id if query.message else query.from_user.id
        await self._deliver(InboundMessage(
            channel=self.name, user_id=str(chat_id), text=button["payload"], message_id=str(update.update_id),
            metadata={"button_title": button["title"]}, language=language, raw=update.to_dict(),
        ), chat_id)

    def _inbound_message(self, update: Update, message: Message) -> InboundMessage:
        user = message.from_user
        metadata: dict[str, Any] = {"telegram_message_id": message.message_id}
        if user:
            metadata |= {"user_name": user.full_name, "username": user.username or ""}
        if update.edited_message is not None:
            metadata["edited"] = True
        return InboundMessage(
            channel=self.name, user_id=str(message.chat_id), text=message.text or message.caption or "",
            message_id=str(update.update_id), attachments=_attachments(message), metadata=metadata,
            language=_language(user.language_code if user else None), raw=update.to_dict(),
        )

    async def _deliver(self, inbound: InboundMessage, chat_id: int) -> None:
        try:
            replies = await self.context.deliver(inbound)
        except InvalidMessage as exc:  # e.g. too long: tell the customer instead of staying silent
            await self.sender.send_text(chat_id, exc.message)
            return
        for reply in replies:
            await self._send_reply(chat_id, reply)

    # --- outbound -----------------------------------------------------------------------

    async def _send_reply(self, chat_id: int | str, message: OutboundMessage) -> None:
        parts = split_text(message.text or " ", MAX_TEXT, utf16_len)
        markup = await self._keyboard(message.buttons) if message.buttons else None
        futures = [self.sender.send_text(chat_id, part, markup if i == len(parts) - 1 else None)
                   for i, part in enumerate(parts)]
        await asyncio.gather(*futures)

    async def _keyboard(self, buttons: tuple[Button, ...]) -> InlineKeyboardMarkup:
        rows = []
        for button in buttons:
            key = secrets.token_urlsafe(12)  # 16 characters, far under the 64-byte limit
            value = json.dumps({"payload": button.payload, "title": button.title}, ensure_ascii=False)
            await self.store.set(f"telegram:button:{key}", value, self.config.button_ttl_seconds)
            rows.append([InlineKeyboardButton(button.title, callback_data=key)])
        return InlineKeyboardMarkup(rows)


def _attachments(message: Message) -> tuple[Attachment, ...]:
    if message.photo:
        return (Attachment("image", media_id=message.photo[-1].file_id),)  # the largest size
    if message.sticker:
        return (Attachment("sticker", media_id=message.sticker.file_id, name=message.sticker.emoji or ""),)
    if message.voice:
        return (Attachment("voice", media_id=message.voice.file_id),)
    if message.video or message.video_note or message.animation:
        media = message.video or message.video_note or message.animation
        return (Attachment("video", media_id=media.file_id),)
    if message.document or message.audio:
        media = message.document or message.audio
        return (Attachment("file", media_id=media.file_id, name=media.file_name or ""),)
    if message.location:
        return (Attachment("location", url=f"geo:{message.location.latitude},{message.location.longitude}"),)
    if not message.text and not message.caption:
        return (Attachment("other"),)  # a poll, a contact...: still shown to an agent
    return ()


def _language(code: str | None) -> str:
    if not code:
        return ""
    return "zh" if code.lower().startswith("zh") else "en"


def _required(secret, env_name: str) -> str:
    value = secret.get_secret_value() if secret is not None else ""
    if not value:
        raise SettingsError(f"channels.telegram is enabled but {env_name} is not set in the environment")
    return value
