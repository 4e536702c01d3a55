"""Which web pages may use the public port from a browser: ``ALLOWED_ORIGINS``.

One parser for the variable, used by HTTP CORS (``bot.server``) and by the Socket.IO origin check
(``bot.channels.socketio``). The value is a comma-separated list of origins (scheme, host and
port, nothing else), e.g. ``https://www.jiangmen.gov.cn,https://jiangmen.gov.cn``. Unset, only the
local demo page is allowed. ``*`` is refused: together with credentials it would let any site
read what the public port answers.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

ENV = "ALLOWED_ORIGINS"
# a host name or an IPv6 address: nothing that could break a header or nginx's configuration
_HOST = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?|[0-9a-f:.]+")
DEMO_PORT = 5005


class InvalidOrigins(ValueError):
    """ALLOWED_ORIGINS holds something that is not an origin; the message names it."""


def demo_origins(port: int = DEMO_PORT) -> tuple[str, ...]:
    """The demo page served by the Rasa server itself on ``port``."""
    return (f"http://localhost:{port}", f"http://127.0.0.1:{port}")


def parse_origins(value: str) -> tuple[str, ...]:
    """The origins of a comma-separated list, normalised (lower case, no trailing slash)."""
    origins: list[str] = []
    for item in value.split(","):
        item = item.strip()
        if item:
            origins.append(_origin(item))
    if not origins:
        raise InvalidOrigins(f"{ENV} is set but names no origin")
    return tuple(dict.fromkeys(origins))


def _origin(item: str) -> str:
    parts = urlsplit(item.rstrip("/"))
    try:
        port = parts.port
    except ValueError:
        port = -1
    if (parts.scheme not in ("http", "https") or not parts.hostname or port == -1
            or parts.path or parts.query or parts.fragment or "@" in parts.netloc
            or not _HOST.fullmatch(parts.hostname)):
        raise InvalidOrigins(f"{ENV}: {item!r} is not an origin like https://example.org[:port]")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def allowed_origins(environ: Mapping[str, str] = os.environ) -> tuple[str, ...]:
    """The origins ALLOWED_ORIGINS allows; the local demo page when it is unset or empty."""
    value = environ.get(ENV, "")
    return parse_origins(value) if value.strip() else demo_origins()


def is_allowed(origin: str | None, allowed: tuple[str, ...]) -> bool:
    """True when a request's ``Origin`` header is one of ``allowed``."""
    return bool(origin) and origin.rstrip("/").lower() in allowed


def origin_patterns(allowed: tuple[str, ...]) -> list[re.Pattern[str]]:
    """``allowed`` as exact-match patterns for sanic_cors, which would read a plain string with
    ``[`` or ``?`` in it (an IPv6 host) as a regular expression."""
    return [re.compile(re.escape(origin) + r"\Z", re.IGNORECASE) for origin in allowed]


def own_origins(environ: Mapping[str, Any]) -> set[str]:
    """The origin(s) a request was addressed to: the Host header, and the host a reverse proxy
    says it forwarded (a browser page cannot set those headers for another site)."""
    scheme = str(environ.get("wsgi.url_scheme", "http")).split(",")[0].strip()
    hosts = {environ.get("HTTP_HOST"), environ.get("HTTP_X_FORWARDED_HOST")}
    return {f"{scheme}://{host.split(',')[0].strip().lower()}" for host in hosts if host}


def origin_allowed(origin: str | None, environ: Mapping[str, Any]) -> bool:
    """The Socket.IO handshake check: true for a client that sends no Origin (not a browser page),
    for the assistant's own origin (its demo page) and for ALLOWED_ORIGINS."""
    if not origin:
        return True
    origin = origin.strip().rstrip("/").lower()
    return origin in allowed_origins() or origin in own_origins(environ)
