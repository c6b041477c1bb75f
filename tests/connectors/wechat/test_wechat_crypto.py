"""Signatures, AES and replay protection, checked against WeChat's real test vector."""
from __future__ import annotations

import xmltodict
import pytest
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto as WeChatServerCrypto

from connectors.wechat_crypto import CallbackRejected, WeChatCrypto, signature
from tests.connectors.wechat.conftest import AES_KEY, PAYLOADS, TOKEN

VECTOR = (PAYLOADS / "real_encrypted_vector.xml").read_text()
VECTOR_ENCRYPT = xmltodict.parse(VECTOR)["xml"]["Encrypt"]
VECTOR_SIGNATURE, VECTOR_TIMESTAMP, VECTOR_NONCE = "74d92dfeb87ba7c714f89d98870ae5eb62dff26d", "1411525903", "461056294"
APP_ID = "wx49f0ab532d5d035a"
NEW_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def crypto(keys=(AES_KEY,), now: float = 1411525903 + 10, **kwargs) -> WeChatCrypto:
    return WeChatCrypto(TOKEN, APP_ID, list(keys), clock=lambda: now, **kwargs)


def test_the_known_url_check_pair() -> None:
    assert signature("AAAAA", "1714037059", "486452656") == "899cf89e464efb63f54ddac96b0a0a235f53aa78"


def test_the_real_encrypted_vector_decrypts() -> None:
    xml = crypto().decrypt(VECTOR_ENCRYPT, VECTOR_SIGNATURE, VECTOR_TIMESTAMP, VECTOR_NONCE)
    message = parse_message(xml)
    assert (message.source, message.content, message.id) == ("messense", "test", 4363689963896700987)


def test_a_changed_nonce_is_rejected() -> None:
    with pytest.raises(CallbackRejected, match="signature"):
        crypto().decrypt(VECTOR_ENCRYPT, VECTOR_SIGNATURE, VECTOR_TIMESTAMP, "461056295")


def test_a_stale_timestamp_is_rejected_even_with_a_valid_signature() -> None:
    with pytest.raises(CallbackRejected, match="timestamp"):
        crypto(now=1411525903 + 301).decrypt(VECTOR_ENCRYPT, VECTOR_SIGNATURE, VECTOR_TIMESTAMP, VECTOR_NONCE)


def test_the_previous_key_still_decrypts_during_a_rotation() -> None:
    rotated = crypto(keys=(NEW_KEY, AES_KEY))
    assert "messense" in rotated.decrypt(VECTOR_ENCRYPT, VECTOR_SIGNATURE, VECTOR_TIMESTAMP, VECTOR_NONCE)
    with pytest.raises(CallbackRejected, match="does not decrypt"):
        crypto(keys=(NEW_KEY,)).decrypt(VECTOR_ENCRYPT, VECTOR_SIGNATURE, VECTOR_TIMESTAMP, VECTOR_NONCE)


def test_replies_are_encrypted_with_the_current_key() -> None:
    rotated = crypto(keys=(NEW_KEY, AES_KEY))
    envelope = xmltodict.parse(rotated.encrypt("<xml><Content>hi</Content></xml>", "42", "1411525910"))["xml"]
    server = WeChatServerCrypto(TOKEN, NEW_KEY, APP_ID)
    plain = server.decrypt_message({"Encrypt": envelope["Encrypt"]}, envelope["MsgSignature"], "1411525910", "42")
    assert plain == "<xml><Content>hi</Content></xml>"


def test_a_plus_decoded_as_a_space_is_repaired() -> None:
    encrypted = VECTOR_ENCRYPT
    assert "+" in encrypted
    assert "messense" in crypto().decrypt(encrypted.replace("+", " "), VECTOR_SIGNATURE, VECTOR_TIMESTAMP, VECTOR_NONCE)


def test_an_aes_key_of_the_wrong_length_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="43"):
        crypto(keys=("short",))
