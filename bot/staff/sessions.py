"""Desk sessions in a signed cookie (HS256 via PyJWT): who is signed in, the CSRF token of their
forms, when they last did something, and one flash message for the next page.

The cookie is HttpOnly and SameSite=Strict; it is Secure unless the desk listens on loopback only.
A session ends when idle for ``idle_logout_minutes``, after ``max_hours``, or when the account's
session epoch moves on (logout, password change): the server checks all three on every request.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass, field, replace
from typing import Any

import jwt

from bot.staff.settings import settings

COOKIE = "desk_session"
ALGORITHM = "HS256"


@dataclass(frozen=True)
class Session:
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    user_id: int | None = None
    epoch: int = 0
    issued: float = field(default_factory=time.time)
    seen: float = field(default_factory=time.time)
    flash: tuple[str, dict[str, Any]] | None = None

    def signed_in(self, user_id: int, epoch: int) -> Session:
        """A new session for a user who just proved their password (new CSRF token too)."""
        return Session(user_id=user_id, epoch=epoch)

    def with_flash(self, key: str, **values: Any) -> Session:
        return replace(self, flash=(key, values))

    def csrf_matches(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(token.encode(), self.csrf.encode())


# why a cookie was not accepted: none sent, not ours (tampered or from an old secret), ended
MISSING, INVALID, EXPIRED = "missing", "invalid", "expired"


def encode(session: Session, secret: str) -> str:
    payload = {"c": session.csrf, "u": session.user_id, "e": session.epoch,
               "i": session.issued, "s": time.time(), "f": session.flash}
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


def decode(cookie: str | None, secret: str, now: float | None = None) -> tuple[Session, str | None]:
    """The session in the cookie and None, or a fresh anonymous one and why the cookie failed."""
    if not cookie:
        return Session(), MISSING
    try:
        payload = jwt.decode(cookie, secret, algorithms=[ALGORITHM])
        session = Session(csrf=str(payload["c"]), user_id=payload["u"], epoch=int(payload["e"]),
                          issued=float(payload["i"]), seen=float(payload["s"]),
                          flash=tuple(payload["f"]) if payload.get("f") else None)
    except (jwt.InvalidTokenError, KeyError, TypeError, ValueError):
        return Session(), INVALID
    now = time.time() if now is None else now
    limits = settings()["sessions"]
    if now - session.seen > limits["idle_logout_minutes"] * 60 or \
            now - session.issued > limits["max_hours"] * 3600:
        return Session(), EXPIRED
    return session, None
