"""The action server: Rasa SDK's custom actions (``/webhook``).

    python -m bot.action_server [--host 127.0.0.1] [--port 5055]

Custom actions (``/webhook``), and the notices waiting for a conversation (``/notices``, asked
for by the Rasa server before each message: ``bot.channels.notices``); domain responses are
rendered inside the Rasa server (``bot.nlg``).

It holds the booking API's token, so only the Rasa server may call it:
- every route but ``/health`` needs ``?token=$ACTION_SERVER_TOKEN`` (Rasa sends ``token`` from
  endpoints.yml), checked before the body is read; the server refuses to start without one;
- it listens on loopback unless ``ACTION_SERVER_HOST`` says otherwise (a private network);
- errors answer with a generic message: rasa-sdk's own handler echoes the request body, which is a
  tracker with personal data.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.exceptions import SanicException, Unauthorized
from sanic.request import Request

from bot.access import ACTION_TOKEN_ENV, require_token
from bot.catalog import default_catalog
from bot.catalog.search import prepare_lookups
from bot.privacy import install_log_masking
from bot.staff.notices import take_pending

logger = logging.getLogger(__name__)

DEFAULT_PORT = 5055
PUBLIC_ROUTES = ("health",)
# Rasa sends the tracker of the current session with every call
MAX_BODY = 8 * 1024 * 1024


def build_app(token: str) -> Sanic:
    app = create_app("actions", cors_origins=[])
    app.config.REQUEST_MAX_SIZE = MAX_BODY
    require_token(app, token, lambda route: route.path not in PUBLIC_ROUTES,
                  lambda: Unauthorized("a valid ?token= is required"))
    app.error_handler.add(Exception, _error_without_body)
    app.add_route(_pending_notices, "/notices", methods=["POST"], name="notices")
    return app


async def _pending_notices(request: Request) -> response.HTTPResponse:
    """``{"conversation_id", "message": {"text", "metadata"}}`` -> ``{"messages": [...]}``."""
    body = request.json if isinstance(request.json, dict) else {}
    conversation_id, message = body.get("conversation_id"), body.get("message")
    if not isinstance(conversation_id, str) or not isinstance(message, dict):
        return response.json({"error": "'conversation_id' (a string) and 'message' (an object) "
                                       "are required"}, status=400)
    return response.json({"messages": await take_pending(conversation_id, message)})


async def _error_without_body(request: Request, exception: Exception) -> response.HTTPResponse:
    if isinstance(exception, SanicException):
        return response.json({"error": str(exception)}, status=exception.status_code)
    logger.error("%s %s failed", request.method, request.path, exc_info=exception)
    return response.json({"error": "the action server failed; see its log"}, status=500)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.action_server", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default=os.environ.get("ACTION_SERVER_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int,
                        default=int(os.environ.get("ACTION_SERVER_PORT", DEFAULT_PORT)))
    args = parser.parse_args(argv)
    install_log_masking()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    token = os.environ.get(ACTION_TOKEN_ENV, "")
    if not token:
        print(f"error: set {ACTION_TOKEN_ENV} (the token endpoints.yml gives Rasa for this server)",
              file=sys.stderr)
        return 2
    # fail at start, with the file and field named, and build the catalog's lookups, rather than
    # on the first question
    prepare_lookups(default_catalog())
    build_app(token).run(host=args.host, port=args.port, workers=1, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
