"""A small async client for WeChat's JSON APIs (customer-service messages, WeCom kf).

wechatpy's clients use blocking `requests`; inside the aiohttp server every call would stall all
customers, so calls go through the app's shared aiohttp session. The token comes from
`WeChatToken` and is refreshed once when WeChat says it expired (40001, 42001, 40014).
"""
from __future__ import annotations

import asyncio
import json
from typing import Any, Callable

import aiohttp

from connectors.wechat_token import TokenUnavailable, WeChatToken

__all__ = ["WeChatApi", "WeChatApiError", "ERRORS", "NETWORK_ERROR", "TIMED_OUT"]

TOKEN_DEAD = {40001, 40014, 42001}  # invalid / invalid (WeCom) / expired access_token
NETWORK_ERROR = -2  # ours, not WeChat's: the call did not complete
NO_TOKEN = -3
TIMED_OUT = -4  # ours: no answer within the timeout, so WeChat may or may not have sent the message

# What an agent should read when WeChat refuses a message.
ERRORS = {
    45015: "已超过 48 小时回复窗口，客户再发消息前无法联系 / The 48-hour reply window has passed: wait for the customer to write again.",
    45047: "客户回复前可发送的消息已达上限 / Too many messages since the customer's last message.",
    45002: "消息太长 / The message is too long.",
    45009: "接口调用次数已达上限 / The daily API quota is used up.",
    95001: "发送消息数量已达上限 / The kf message limit is reached.",
    95018: "会话已转人工或已结束，不能发送 / The WeCom session is with a servicer or ended.",
    NETWORK_ERROR: "无法连接微信服务器 / WeChat could not be reached.",
    TIMED_OUT: "微信未及时答复：消息可能已送达，也可能没有 / WeChat did not answer in time: the message may or may not have arrived.",
    NO_TOKEN: "无法获取 access_token（检查 AppSecret 和 IP 白名单） / No access_token: check the secret and IP whitelist.",
}


class WeChatApiError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message

    @property
    def explanation(self) -> str:
        return ERRORS.get(self.code, self.message)


class WeChatApi:
    def __init__(self, http: Callable[[], aiohttp.ClientSession], base_url: str, token: WeChatToken,
                 timeout_seconds: float = 10.0) -> None:
        self._http, self.base_url, self.token = http, base_url.rstrip("/"), token
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST `cgi-bin/<path>`; the answer when errcode is 0, else WeChatApiError."""
        try:
            token = await self.token.get()
        except TokenUnavailable as exc:
            raise WeChatApiError(NO_TOKEN, str(exc)) from None
        for attempt in (1, 2):
            data = await self._post(path, body, token)
            code = int(data.get("errcode") or 0)
            if code in TOKEN_DEAD and attempt == 1:
                try:
                    token = await self.token.refresh(token)
                except TokenUnavailable as exc:
                    raise WeChatApiError(NO_TOKEN, str(exc)) from None
                continue
            if code:
                raise WeChatApiError(code, str(data.get("errmsg", "")))
            return data
        raise AssertionError("unreachable")

    async def _post(self, path: str, body: dict[str, Any], token: str) -> dict[str, Any]:
        url = f"{self.base_url}/cgi-bin/{path}"
        # Raw UTF-8: some WeChat APIs show \\uXXXX escapes to the customer literally.
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        try:
            async with self._http().post(url, params={"access_token": token}, data=payload, timeout=self.timeout,
                                         headers={"Content-Type": "application/json; charset=utf-8"}) as resp:
                data = json.loads(await resp.text())
        except asyncio.TimeoutError as exc:  # before ClientError: aiohttp's timeouts are both
            raise WeChatApiError(TIMED_OUT, repr(exc)) from None
        except (aiohttp.ClientError, ValueError) as exc:
            raise WeChatApiError(NETWORK_ERROR, repr(exc)) from None
        if not isinstance(data, dict):
            raise WeChatApiError(NETWORK_ERROR, f"unexpected answer: {data!r}")
        return data
