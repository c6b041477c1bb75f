"""Short-lived tokens that a company's app backend mints for its signed-in users.

The token is a JWT signed with HS256 and the shared secret `KEFU_APP_TOKEN_SECRET`, so any
backend language can mint one with its standard JWT library. Claims:

- `sub` (required): the app's own user id. It is the only identity the app channel trusts.
- `exp` (required): expiry, at most `channels.app.token_max_age_seconds` in the future.
- `iat` (optional): when present, `exp - iat` must also stay within that maximum.
- `name`, `lang` (optional): display name and language hint ("zh", "en").

Python backend (PyJWT)::

    import os, time, jwt
    token = jwt.encode(
        {"sub": user.id, "exp": int(time.time()) + 600, "name": user.name, "lang": "zh"},
        os.environ["KEFU_APP_TOKEN_SECRET"], algorithm="HS256")

Node backend (jsonwebtoken)::

    const jwt = require("jsonwebtoken");
    const token = jwt.sign({ sub: user.id, name: user.name, lang: "zh" },
      process.env.KEFU_APP_TOKEN_SECRET, { algorithm: "HS256", expiresIn: 600 });
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import jwt

__all__ = ["AppIdentity", "AppTokenError", "mint_app_token", "verify_app_token"]

ALGORITHM = "HS256"
MAX_USER_ID_CHARS = 191  # the conversation store's limit for user ids
# Tolerated clock difference between the app backend and us.
CLOCK_SKEW_SECONDS = 30


class AppTokenError(Exception):
    """The token cannot be trusted; the message says why and is safe to show the app."""


@dataclass(frozen=True)
class AppIdentity:
    """Who a verified token speaks for."""

    user_id: str
    expires_at: int
    name: str = ""
    language: str = ""


def mint_app_token(
    secret: str, user_id: str, ttl: int, *, name: str = "", lang: str = "", now: float | None = None
) -> str:
    """Mint a token as an app backend would (for tests, docs and the CLI)."""
    issued = int(time.time() if now is None else now)
    claims: dict[str, object] = {"sub": user_id, "iat": issued, "exp": issued + ttl}
    if name:
        claims["name"] = name
    if lang:
        claims["lang"] = lang
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_app_token(token: str, secret: str, max_age_seconds: int, *, now: float | None = None) -> AppIdentity:
    """Check signature, algorithm, expiry and lifetime; return the identity or raise AppTokenError."""
    if not token:
        raise AppTokenError("missing token: send 'Authorization: Bearer <token>'")
    current = time.time() if now is None else now
    try:
        # Pinning the algorithm list is what rejects alg=none and RS/HS confusion.
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "exp"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.MissingRequiredClaimError as exc:
        raise AppTokenError(f"token lacks the required claim '{exc.claim}'") from None
    except jwt.InvalidAlgorithmError:
        raise AppTokenError(f"token must be signed with {ALGORITHM}") from None
    except jwt.InvalidSignatureError:
        raise AppTokenError("token signature does not match the shared secret") from None
    except jwt.InvalidTokenError as exc:
        raise AppTokenError(f"malformed token: {exc}") from None
    return _identity(claims, current, max_age_seconds)


def _identity(claims: dict, now: float, max_age_seconds: int) -> AppIdentity:
    # Expiry is checked here rather than by PyJWT so that `now` is injectable in tests.
    exp, iat, sub = claims["exp"], claims.get("iat"), claims["sub"]
    if not _is_number(exp) or (iat is not None and not _is_number(iat)):
        raise AppTokenError("claims 'exp' and 'iat' must be numbers (seconds since the epoch)")
    if exp <= now - CLOCK_SKEW_SECONDS:
        raise AppTokenError("token has expired; ask the app backend for a new one")
    if exp - now > max_age_seconds + CLOCK_SKEW_SECONDS:
        raise AppTokenError(f"token lifetime exceeds the maximum of {max_age_seconds} seconds")
    if iat is not None and exp - iat > max_age_seconds:
        raise AppTokenError(f"token lifetime (exp - iat) exceeds the maximum of {max_age_seconds} seconds")
    if not isinstance(sub, str) or not sub.strip() or len(sub) > MAX_USER_ID_CHARS:
        raise AppTokenError(f"claim 'sub' must be a non-empty string of at most {MAX_USER_ID_CHARS} characters")
    name, lang = claims.get("name", ""), claims.get("lang", "")
    if not isinstance(name, str) or not isinstance(lang, str):
        raise AppTokenError("claims 'name' and 'lang' must be strings")
    return AppIdentity(user_id=sub, expires_at=int(exp), name=name[:200], language=lang[:16])


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
