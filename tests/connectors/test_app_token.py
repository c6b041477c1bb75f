"""App tokens: HS256 JWTs minted by the company's app backend."""
from __future__ import annotations

import base64
import json

import jwt
import pytest

from connectors.app_token import AppIdentity, AppTokenError, mint_app_token, verify_app_token

SECRET = "test-secret-that-is-long-enough-for-hs256"
NOW = 1_800_000_000
MAX_AGE = 900


def _unsigned(claims: dict) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def test_minted_token_verifies_to_its_identity() -> None:
    token = mint_app_token(SECRET, "user-42", 600, name="小王", lang="zh", now=NOW)
    assert verify_app_token(token, SECRET, MAX_AGE, now=NOW + 10) == AppIdentity("user-42", NOW + 600, "小王", "zh")


def test_token_minted_by_a_backend_without_iat_verifies() -> None:
    token = jwt.encode({"sub": "u1", "exp": NOW + 300}, SECRET, algorithm="HS256")
    assert verify_app_token(token, SECRET, MAX_AGE, now=NOW).user_id == "u1"


@pytest.mark.parametrize("token, message", [
    ("", "missing token"),
    ("not.a.jwt", "malformed token"),
    (mint_app_token("another-secret-of-the-same-good-length", "u1", 300, now=NOW), "signature"),
    (mint_app_token(SECRET, "u1", 300, now=NOW - 1000), "expired"),
    (mint_app_token(SECRET, "u1", 3600, now=NOW), "exceeds the maximum"),
    (jwt.encode({"sub": "u1", "exp": NOW + 600, "iat": NOW - 3000}, SECRET, algorithm="HS256"), "exp - iat"),
    (jwt.encode({"sub": "u1"}, SECRET, algorithm="HS256"), "'exp'"),
    (jwt.encode({"exp": NOW + 300}, SECRET, algorithm="HS256"), "'sub'"),
    (jwt.encode({"sub": "", "exp": NOW + 300}, SECRET, algorithm="HS256"), "'sub'"),
    (jwt.encode({"sub": "x" * 192, "exp": NOW + 300}, SECRET, algorithm="HS256"), "'sub'"),
    (jwt.encode({"sub": "u1", "exp": NOW + 300, "name": 7}, SECRET, algorithm="HS256"), "'name'"),
    (jwt.encode({"sub": "u1", "exp": NOW + 300}, SECRET * 2, algorithm="HS512"), "HS256"),
    (_unsigned({"sub": "u1", "exp": NOW + 300}), "HS256"),
])
def test_untrustworthy_tokens_are_rejected_with_a_reason(token: str, message: str) -> None:
    with pytest.raises(AppTokenError) as caught:
        verify_app_token(token, SECRET, MAX_AGE, now=NOW)
    assert message in str(caught.value)


def test_small_clock_skew_is_tolerated() -> None:
    token = mint_app_token(SECRET, "u1", 300, now=NOW)
    assert verify_app_token(token, SECRET, MAX_AGE, now=NOW + 310).user_id == "u1"
    with pytest.raises(AppTokenError, match="expired"):
        verify_app_token(token, SECRET, MAX_AGE, now=NOW + 400)
