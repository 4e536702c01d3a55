"""Shared secrets and body sizes on our HTTP servers, checked before a request body is read.

Sanic reads a request's whole body before any middleware or handler runs, so a token checked in
the handler (as Rasa's ``--auth-token`` does) comes after up to ``REQUEST_MAX_SIZE`` bytes have
been read. Here the check runs as soon as the route is known: a request without the token is
refused with nothing read, and only a request with it may send a larger body.

The token is sent as ``?token=`` (what Rasa's ``--auth-token`` expects and what Rasa sends to the
action server when ``token`` is set in endpoints.yml).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

from sanic import Sanic
from sanic.request import Request
from sanic_routing import Route

TOKEN_PARAMETER = "token"
# the operator's token for Rasa's HTTP API (the API is off without it)
API_TOKEN_ENV = "RASA_API_TOKEN"
# the secret the Rasa server sends to the action server (endpoints.yml `token`)
ACTION_TOKEN_ENV = "ACTION_SERVER_TOKEN"


def has_token(request: Request, token: str) -> bool:
    provided = request.args.get(TOKEN_PARAMETER)
    return isinstance(provided, str) and hmac.compare_digest(provided.encode("utf-8"),
                                                             token.encode("utf-8"))


def require_token(app: Sanic, token: str, protected: Callable[[Route], bool],
                  refusal: Callable[[], Exception], max_body: int | None = None) -> None:
    """Every route that ``protected`` selects needs ``?token=<token>``; otherwise ``refusal()``
    is raised before the body is read. With the token, the body may be up to ``max_body``
    bytes instead of the app's ``REQUEST_MAX_SIZE``."""
    if not token:
        raise ValueError("an empty token would let everyone in")

    @app.signal("http.routing.after")
    async def check_token(request: Request, route: Route, **_: object) -> None:
        if not protected(route):
            return
        if not has_token(request, token):
            raise refusal()
        if max_body is not None and request.stream is not None:
            request.stream.request_max_size = max_body
