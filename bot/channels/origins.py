"""Which web origins may talk to the assistant from a browser: ``ALLOWED_ORIGINS``.

A comma-separated list of origins (``https://www.jiangmen.gov.cn,https://example.org``) that embed
the widget. The assistant's own origin (its demo page and accessibility statement) is always
allowed; with the variable unset, that local demo origin is the only one.

The Socket.IO origin check (bot.channels.socketio) and the history endpoint's CORS
(bot.channels.widget) read the variable here, through one parser.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

ENV = "ALLOWED_ORIGINS"


def normalise_origin(origin: str) -> str:
    """``HTTPS://Example.org/`` and ``https://example.org`` are one origin."""
    return origin.strip().rstrip("/").lower()


def allowed_origins() -> frozenset[str]:
    """The origins that ALLOWED_ORIGINS lists (read each time: tests and operators change it)."""
    listed = os.environ.get(ENV, "").split(",")
    return frozenset(normalise_origin(origin) for origin in listed if origin.strip())


def own_origins(environ: Mapping[str, Any]) -> set[str]:
    """The origin(s) the request was addressed to: the Host header, and the host a reverse proxy
    says it forwarded (a browser page cannot set those headers for another site)."""
    scheme = str(environ.get("wsgi.url_scheme", "http")).split(",")[0].strip()
    hosts = {environ.get("HTTP_HOST"), environ.get("HTTP_X_FORWARDED_HOST")}
    return {normalise_origin(f"{scheme}://{host.split(',')[0]}") for host in hosts if host}


def origin_allowed(origin: str | None, environ: Mapping[str, Any]) -> bool:
    """True for a request without Origin (not a browser page), the assistant's own origin and
    the listed ones."""
    if not origin:
        return True
    origin = normalise_origin(origin)
    return origin in allowed_origins() or origin in own_origins(environ)
