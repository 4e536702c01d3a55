"""The web widget on the public port: its files, its demo page and accessibility statement, its
interface strings, and the conversation history of a signed session.

    /widget/widget.js, /widget/*.js, /widget/*.css   the widget (web/widget/, plain ES modules)
                                                     and the pages' stylesheet (web/pages/)
    /widget/vendor/socket.io.esm.min.js              socket.io-client, from node_modules (npm ci)
    /widget/demo, /widget/accessibility               the demo page and the accessibility statement
    /widget/config.json                               interface strings in 繁/简/EN, message limit
    /widget/history                                   the stored conversation (contract 4)

``bot.server.configure_public_app`` mounts them. Everything is served from this origin: the pages
make no request to any other, and say so in their Content-Security-Policy.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.constants import EXTERNAL_MESSAGE_PREFIX
from sanic import Sanic, response
from sanic.request import Request

from bot.channels import sessions
from bot.channels.reliable import MAX_MESSAGE_CHARS
from bot.language import LANGUAGES, localise
from bot.paths import REPO_ROOT
from bot.replies import phrase_data

WEB_DIR = REPO_ROOT / "web"
ASSETS_DIR = WEB_DIR / "widget"
PAGES_DIR = WEB_DIR / "pages"
SOCKET_IO_CLIENT = REPO_ROOT / "node_modules" / "socket.io-client" / "dist" / "socket.io.esm.min.js"
PAGES = {"demo": "demo.html", "accessibility": "accessibility.html"}
CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                 ".svg": "image/svg+xml", ".html": "text/html; charset=utf-8"}
# The pages may load and connect to this origin only (and show data: images, none remote).
PAGE_POLICY = ("default-src 'self'; img-src 'self' data:; connect-src 'self'; "
               "frame-ancestors 'self'; base-uri 'none'; form-action 'none'; object-src 'none'")
COMMON_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                  "Cache-Control": "no-cache"}
# the newest messages a reload shows; older ones stay in the store (until retention deletes them)
HISTORY_LIMIT = 200
HISTORY_DEADLINE = 10.0


def add_widget_routes(app: Sanic) -> None:
    app.add_route(widget_asset, "/widget/<name:str>", methods=["GET"])
    app.add_route(socket_io_client, "/widget/vendor/socket.io.esm.min.js", methods=["GET"])
    app.add_route(widget_config, "/widget/config.json", methods=["GET"])
    app.add_route(history, "/widget/history", methods=["GET", "OPTIONS"])
    for route, page in PAGES.items():
        app.add_route(_page_handler(page), f"/widget/{route}", methods=["GET"],
                      name=f"widget_{route}")


def _file(path: Path, extra: Mapping[str, str] | None = None) -> response.HTTPResponse:
    return response.raw(path.read_bytes(), content_type=CONTENT_TYPES[path.suffix],
                        headers={**COMMON_HEADERS, **(extra or {})})


def _error(status: int, message: str, headers: Mapping[str, str] | None = None
           ) -> response.HTTPResponse:
    return response.json({"error": message}, status=status, headers={**COMMON_HEADERS,
                                                                      **(headers or {})})


@cache
def _assets() -> dict[str, Path]:
    """The widget's files and the pages' stylesheets by name; nothing else is served from disk."""
    files = [*ASSETS_DIR.iterdir(), *PAGES_DIR.glob("*.css")]
    return {path.name: path for path in files if path.suffix in CONTENT_TYPES}


async def widget_asset(_: Request, name: str) -> response.HTTPResponse:
    path = _assets().get(name)
    return _file(path) if path else _error(404, f"no widget file named {name!r}")


async def socket_io_client(_: Request) -> response.HTTPResponse:
    if not SOCKET_IO_CLIENT.exists():
        return _error(503, "socket.io-client is not installed here: run `make run`, which runs "
                           "`npm ci` from package-lock.json")
    return _file(SOCKET_IO_CLIENT)


def _page_handler(page: str) -> Any:
    async def serve_page(_: Request) -> response.HTTPResponse:
        return _file(PAGES_DIR / page, {"Content-Security-Policy": PAGE_POLICY})

    return serve_page


@cache
def widget_settings() -> dict[str, Any]:
    """What the widget needs from the server before it connects: its strings in each language
    (written once in messages.yml, Traditional made from Simplified as for every reply) and the
    longest message the channel takes."""
    strings = phrase_data("widget.ui")
    return {"max_message_chars": MAX_MESSAGE_CHARS,
            "strings": {language: {key: _ui_string(text, language)
                                   for key, text in strings.items()}
                        for language in LANGUAGES}}


def _ui_string(text: Mapping[str, str], language: str) -> str:
    return text["en"] if language == "en" else localise(text["zh"], language)


async def widget_config(request: Request) -> response.HTTPResponse:
    return response.json(widget_settings(), headers=COMMON_HEADERS)


def _bearer_session(request: Request) -> str | None:
    """The session id of ``Authorization: Bearer <session_id>.<token>``, when the token is
    valid for it."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    session_id, _, token = credentials.strip().partition(".")
    if scheme.lower() != "bearer" or not sessions.verify(session_id, token):
        return None
    return session_id


async def history(request: Request) -> response.HTTPResponse:
    # CORS for the sites that embed the widget (ALLOWED_ORIGINS) is the public app's (bot.server)
    if request.method == "OPTIONS":
        return response.empty(headers=COMMON_HEADERS)
    session_id = _bearer_session(request)
    if session_id is None:
        return _error(401, "a valid 'Authorization: Bearer <session_id>.<token>' is required",
                      {"WWW-Authenticate": "Bearer"})
    agent = getattr(request.app.ctx, "agent", None)
    if agent is None or agent.tracker_store is None:
        return _error(503, "the assistant is still starting; try again in a minute")
    try:
        events = await asyncio.wait_for(
            asyncio.to_thread(stored_events, agent.tracker_store, session_id), HISTORY_DEADLINE)
    except asyncio.TimeoutError:
        return _error(503, "the conversation store is not answering; try again")
    return response.json(transcript(events), headers=COMMON_HEADERS)


def stored_events(tracker_store: TrackerStore, session_id: str) -> list[dict[str, Any]]:
    """Every stored event of the conversation (all its sessions). Rasa's SQL and Redis stores
    do blocking I/O inside their coroutines, so this runs in a worker thread with its own loop."""
    tracker = asyncio.run(tracker_store.retrieve_full_tracker(session_id))
    return [event.as_dict() for event in tracker.events] if tracker else []


def transcript(events: Iterable[Mapping[str, Any]], limit: int = HISTORY_LIMIT
               ) -> dict[str, Any]:
    """The conversation as the widget showed it: each user message and each bot message, in
    order. A button press shows the button's title, as it did live. ``skipped`` counts the older
    messages left out; the widget counts messages to catch up after a reconnection."""
    messages: list[dict[str, Any]] = []
    titles: dict[str, str] = {}  # button payload -> the title it was shown with
    for event in events:
        if event.get("event") == "bot":
            data = event.get("data") or {}
            buttons = [{"title": str(button["title"]), "payload": str(button["payload"])}
                       for button in data.get("buttons") or data.get("quick_replies") or []
                       if isinstance(button, Mapping) and {"title", "payload"} <= button.keys()]
            titles.update((button["payload"], button["title"]) for button in buttons)
            messages.append({"from": "bot", "text": event.get("text") or "",
                             "buttons": buttons})
        elif event.get("event") == "user":
            text = event.get("text") or ""
            if text and not text.startswith(EXTERNAL_MESSAGE_PREFIX):
                messages.append({"from": "user", "text": titles.get(text, text)})
    skipped = max(0, len(messages) - limit)
    return {"messages": messages[skipped:], "skipped": skipped}
