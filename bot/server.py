"""The assistant's public server: Rasa's server with the project's channels, built the way
``rasa run`` builds it, plus what a public service needs around it.

    python -m bot.server --model M --endpoints E --credentials C [--interface I] [--port P]

``bot.stack`` starts it. Building the app here, instead of calling ``rasa run``, is what lets the
project decide what the public port serves:

- the channels (``/webhooks/rest/webhook``, ``/socket.io``, ``/webhooks/wechat/webhook``) and
  whatever ``configure_public_app`` adds (``/health``, the web widget);
- Rasa's HTTP API only when ``RASA_API_TOKEN`` is set, and then every one of its routes (``/``,
  ``/version`` and ``/status`` included) needs ``?token=`` (Rasa's ``--auth-token``), checked
  before the request body is read;
- CORS for the origins of ``ALLOWED_ORIGINS`` only (``bot.channels.origins``);
- request bodies and websocket messages of at most 64 KiB, refused before they are read (Sanic
  would read 100 MB); the API, with its token, may post up to 100 MB (training data).

Log records are masked (``bot.privacy``) and conversations past their retention period are
deleted daily (``bot.conversations.retention``).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
from functools import partial
from http import HTTPStatus

import threadpoolctl
from rasa import server as rasa_server
from rasa.constants import ENV_CPU_INTER_OP_CONFIG, ENV_CPU_INTRA_OP_CONFIG
from rasa.core import constants
from rasa.core import run as rasa_run
from rasa.core.channels import channel
from rasa.core.utils import AvailableEndpoints, number_of_sanic_workers
from rasa.utils.common import configure_logging_and_warnings
from rasa.utils.log_utils import configure_structlog
from rasa.utils.tensorflow.environment import setup_tf_environment
from sanic import Sanic, response
from sanic.request import Request

from bot import balance, in_process_actions, patches
from bot.access import API_TOKEN_ENV, require_token
from bot.catalog import default_catalog
from bot.catalog.search import prepare_lookups
from bot.channels.notices import ask_action_server
from bot.channels.origins import allowed_origins, origin_patterns
from bot.channels.widget import add_widget_routes
from bot.conversations.retention import purge_daily
from bot.language import EN
from bot.patches.sessions import close_kept_sessions
from bot.privacy import install_log_masking
from bot.replies import Phrases
from bot.workers import serve_forked

logger = logging.getLogger(__name__)

PUBLIC_MAX_BODY = 64 * 1024
API_MAX_BODY = 100 * 1024 * 1024
CHANNEL_ROUTE = "/webhooks/"
WARM_UP_TEXT = "你好"  # any text: the first call's cost does not depend on it


def configure_public_app(app: Sanic) -> None:
    """Everything the public port serves besides Rasa's channels (and its API, when enabled)."""
    app.add_route(health, "/health", methods=["GET"], name="health")
    app.register_middleware(balance.deal_again_if_busier, "response")
    add_widget_routes(app)


async def health(request: Request) -> response.HTTPResponse:
    """For load balancers and ``bot.stack``: ready or not, and nothing else."""
    agent = getattr(request.app.ctx, "agent", None)
    if agent is None or not agent.is_ready():
        return response.json({"status": "starting"}, status=HTTPStatus.SERVICE_UNAVAILABLE)
    return response.json({"status": "ok"})


def _app(api_token: str | None, endpoints: AvailableEndpoints) -> Sanic:
    """Rasa's API app when there is a token, else a bare app; CORS for ALLOWED_ORIGINS."""
    origins = origin_patterns(allowed_origins())
    if not api_token:
        app = Sanic("jiangmen_public", configure_logging=False)
        rasa_server.configure_cors(app, origins)
        return app
    app = rasa_server.create_app(cors_origins=origins, auth_token=api_token, endpoints=endpoints)
    api_paths = {route.path for route in app.router.routes}
    require_token(app, api_token, lambda route: route.path in api_paths,
                  lambda: rasa_server.ErrorResponse(HTTPStatus.UNAUTHORIZED, "NotAuthenticated",
                                                    "User is not authenticated."),
                  max_body=API_MAX_BODY)
    return app


def build_app(args: argparse.Namespace) -> tuple[Sanic, AvailableEndpoints]:
    endpoints = AvailableEndpoints.read_endpoints(args.endpoints)
    ask_action_server(endpoints.action)
    channels = rasa_run.create_http_input_channels(None, args.credentials)
    app = _app(os.environ.get(API_TOKEN_ENV) or None, endpoints)
    app.config.REQUEST_MAX_SIZE = PUBLIC_MAX_BODY
    app.config.WEBSOCKET_MAX_SIZE = PUBLIC_MAX_BODY
    app.config.KEEP_ALIVE_TIMEOUT = constants.DEFAULT_KEEP_ALIVE_TIMEOUT
    channel.register(channels, app, route=CHANNEL_ROUTE)
    configure_public_app(app)
    app.register_listener(partial(rasa_run.load_agent_on_start, args.model, endpoints, None),
                          "before_server_start")
    app.register_listener(_warm_up, "before_server_start")
    app.register_listener(_freeze_what_start_made, "after_server_start")
    app.register_listener(_start_retention, "after_server_start")
    app.register_listener(_stop_retention, "before_server_stop")
    app.register_listener(rasa_run.close_resources, "after_server_stop")
    app.register_listener(close_kept_sessions, "after_server_stop")
    return app, endpoints


async def _warm_up(app: Sanic, _: object) -> None:
    """The first message a process understands costs more than the next (the pipeline's first
    calls; DIET's weights read for bot/patches/intents.py). Paid here, before the port opens,
    instead of by the first resident after every start, restart or new replica."""
    agent = getattr(app.ctx, "agent", None)
    if agent is not None and agent.is_ready():
        await agent.parse_message(WARM_UP_TEXT)
    # the actions this process runs, the catalog they read (with its lookups) and the phrases
    # they answer with
    in_process_actions.executor()
    prepare_lookups(default_catalog())
    Phrases(EN)("more_expired")


async def _freeze_what_start_made(app: Sanic, _: object) -> None:
    """The model, TensorFlow and the domain (about 570,000 objects) live as long as the process.
    Left to the garbage collector, each full collection walks them all and stops every
    conversation in the process for 0.15 to 0.3 s, which under load is the slowest answers'
    wait; frozen, collections walk only what turns create."""
    gc.collect()
    gc.freeze()


async def _start_retention(app: Sanic, _: object) -> None:
    agent = getattr(app.ctx, "agent", None)
    if agent is not None and agent.tracker_store is not None:
        app.ctx.retention = asyncio.create_task(purge_daily(agent.tracker_store))


async def _stop_retention(app: Sanic, _: object) -> None:
    task = getattr(app.ctx, "retention", None)
    if task is not None:
        task.cancel()


def configure_thread_pools() -> None:
    """One thread each for TensorFlow's and BLAS's pools, unless the environment says otherwise.
    The server works out one message at a time with small matrices; more threads only cost.

    - TensorFlow is set up from the environment as `rasa run` does (TF_INTER_OP_PARALLELISM_THREADS,
      TF_INTRA_OP_PARALLELISM_THREADS, TF_GPU_MEMORY_ALLOC). Its pools only added wake-ups: after
      an idle gap of 20 ms, as between real messages, a message was understood in 3.9 ms with them
      and 3.2 ms without (measured, 200 messages, twice).
    - numpy's OpenBLAS (OPENBLAS_NUM_THREADS) runs DIET's intent scores
      (bot/patches/intents.py). With a thread per core, its threads spin between the products:
      at one sender the Rasa server took 34.3 ms of CPU a message, against 28.8 before the
      products replaced TensorFlow's call."""
    for variable in (ENV_CPU_INTER_OP_CONFIG, ENV_CPU_INTRA_OP_CONFIG):
        os.environ.setdefault(variable, "1")
    setup_tf_environment()
    if "OPENBLAS_NUM_THREADS" not in os.environ:  # else OpenBLAS read it when it was loaded
        threadpoolctl.threadpool_limits(1, user_api="blas")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.server", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--endpoints", required=True)
    parser.add_argument("--credentials", required=True)
    parser.add_argument("--interface", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5005)
    args = parser.parse_args(argv)
    install_log_masking()
    configure_logging_and_warnings(logging.INFO)
    # as `rasa run` does: without it, Rasa's structured debug lines (whole events, with what
    # users typed) are rendered and written on every turn
    configure_structlog(logging.INFO)
    configure_thread_pools()
    patches.apply_all()
    app, endpoints = build_app(args)
    backlog = int(os.environ.get("SANIC_BACKLOG", "100"))
    workers = number_of_sanic_workers(endpoints.lock_store)
    if workers == 1:
        app.run(host=args.interface, port=args.port, access_log=False, backlog=backlog)
    else:  # not Sanic's workers, which share one socket: bot/workers.py
        serve_forked(lambda sock: app.run(sock=sock, access_log=False), args.interface,
                     args.port, backlog, workers)


if __name__ == "__main__":
    main()
