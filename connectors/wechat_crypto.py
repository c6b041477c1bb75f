"""Signatures and AES for WeChat callbacks (Official Account and WeCom kf share the scheme).

wechatpy does the AES (`PrpCrypto`); this adds what it leaves out: a constant-time signature
check, the previous EncodingAESKey during a key rotation, and replay protection (wechatpy does not
look at the timestamp, so a captured request could be posted again forever).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from typing import Callable

from wechatpy.crypto import PrpCrypto
from wechatpy.crypto import WeChatCrypto as _OfficialCrypto
from wechatpy.enterprise.crypto import PrpCrypto as _CorpPrpCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as _CorpCrypto

__all__ = ["CallbackRejected", "WeChatCrypto", "signature"]


class CallbackRejected(Exception):
    """A callback that must be refused with 403 (bad signature, stale timestamp, wrong key)."""


def signature(*parts: str) -> str:
    """WeChat's SHA-1 over the sorted, joined strings."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


class WeChatCrypto:
    def __init__(
        self,
        token: str,
        receiver_id: str,
        aes_keys: list[str] | None = None,
        *,
        enterprise: bool = False,
        max_skew_seconds: int = 300,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`aes_keys`: current EncodingAESKey first, then the previous one while rotating."""
        self.token, self.receiver_id = token, receiver_id
        self.aes_keys = [k for k in (aes_keys or []) if k]
        for key in self.aes_keys:
            if len(key) != 43:
                raise ValueError("an EncodingAESKey has 43 characters")
        self.enterprise, self.max_skew, self.clock = enterprise, max_skew_seconds, clock
        self._prp = _CorpPrpCrypto if enterprise else PrpCrypto

    @property
    def can_encrypt(self) -> bool:
        return bool(self.aes_keys)

    def check(self, given: str, timestamp: str, nonce: str, *extra: str) -> None:
        """Raise CallbackRejected unless `given` signs (token, timestamp, nonce, *extra) and is fresh."""
        expected = signature(self.token, timestamp, nonce, *extra)
        if not given or not hmac.compare_digest(expected, given.lower()):
            raise CallbackRejected("bad signature")
        try:
            age = abs(self.clock() - int(timestamp))
        except ValueError:
            raise CallbackRejected("timestamp is not a number") from None
        if age > self.max_skew:
            raise CallbackRejected(f"timestamp is {age:.0f} s away from now (a replay or a wrong clock)")

    def decrypt(self, encrypted: str, msg_signature: str, timestamp: str, nonce: str) -> str:
        """The plaintext of an `Encrypt` field (or WeCom's encrypted `echostr`)."""
        # A raw "+" in a query string arrives as a space; base64 has no spaces.
        encrypted = encrypted.replace(" ", "+")
        self.check(msg_signature, timestamp, nonce, encrypted)
        if not self.aes_keys:
            raise CallbackRejected("an encrypted message came but no EncodingAESKey is configured")
        for key in self.aes_keys:  # the previous key keeps working during a rotation
            try:
                return self._prp(_key_bytes(key)).decrypt(encrypted, self.receiver_id)
            except Exception:  # wrong key: bad padding, garbage length, or another app id
                continue
        raise CallbackRejected("the message does not decrypt with the configured EncodingAESKey(s)")

    def encrypt(self, xml: str, nonce: str, timestamp: str | None = None) -> str:
        """A passive reply in the encrypted envelope, with the current key."""
        cls = _CorpCrypto if self.enterprise else _OfficialCrypto
        return cls(self.token, self.aes_keys[0], self.receiver_id).encrypt_message(
            xml, nonce, timestamp or str(int(self.clock()))
        )


def _key_bytes(encoding_aes_key: str) -> bytes:
    try:
        return base64.b64decode(encoding_aes_key + "=")
    except binascii.Error as exc:
        raise ValueError("the EncodingAESKey is not valid base64") from exc
