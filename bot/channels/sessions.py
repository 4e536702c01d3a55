"""Signed web-widget sessions: the server issues a session id with a token (an HMAC of the id),
and only a client that holds the token may use that conversation. Knowing a session id alone (it
is the conversation id operators see) is not enough to read or join the conversation.

Every replica must share the secret: ``WIDGET_SESSION_SECRET`` (``bot.stack`` sets it).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

SECRET_ENV = "WIDGET_SESSION_SECRET"


class MissingSecret(RuntimeError):
    """WIDGET_SESSION_SECRET is not set, so no session can be issued or checked."""


def _secret() -> bytes:
    secret = os.environ.get(SECRET_ENV)
    if not secret:
        raise MissingSecret(f"{SECRET_ENV} is not set")
    return secret.encode("utf-8")


def sign(session_id: str) -> str:
    return hmac.new(_secret(), session_id.encode("utf-8"), hashlib.sha256).hexdigest()


def new_session() -> tuple[str, str]:
    """A fresh (session id, token)."""
    session_id = secrets.token_hex(16)
    return session_id, sign(session_id)


def verify(session_id: object, token: object) -> bool:
    """True when ``token`` was issued for ``session_id`` by a server with the same secret."""
    if not isinstance(session_id, str) or not isinstance(token, str) or not session_id:
        return False
    return hmac.compare_digest(sign(session_id), token)


def kept_secret(path: Path) -> str:
    """WIDGET_SESSION_SECRET from the environment, else one made once and kept in ``path``
    (readable by this user only), so that a restart keeps every widget session valid."""
    if os.environ.get(SECRET_ENV):
        return os.environ[SECRET_ENV]
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass  # made by an earlier run
    else:
        with os.fdopen(descriptor, "w", encoding="utf-8") as secret_file:
            secret_file.write(secrets.token_urlsafe(32))
    return path.read_text(encoding="utf-8").strip()
