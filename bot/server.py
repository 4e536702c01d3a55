"""The assistant's public server: Rasa's server with the project's channels, built the way
``rasa run`` builds it, plus what a public service needs around it.

    python -m bot.server --model M --endpoints E --credentials C [--interface I] [--port P]

``bot.stack`` starts it. Building the app here, instead of calling ``rasa run``, is what lets the
project decide what the public port serves (see ``configure_public_app``).
"""

from __future__ import annotations

import argparse
import logging
import os
from functools import partial

from rasa.core import run as rasa_run
from rasa.core.utils import AvailableEndpoints, number_of_sanic_workers
from rasa.utils.common import configure_logging_and_warnings
from rasa.utils.log_utils import configure_structlog
from sanic import Sanic

from bot import patches

logger = logging.getLogger(__name__)


def configure_public_app(app: Sanic) -> None:
    """Everything the public port serves besides Rasa's channels (and its API, when enabled)."""


def build_app(args: argparse.Namespace) -> tuple[Sanic, AvailableEndpoints]:
    endpoints = AvailableEndpoints.read_endpoints(args.endpoints)
    channels = rasa_run.create_http_input_channels(None, args.credentials)
    app = rasa_run.configure_app(channels, cors=None, enable_api=True, port=args.port,
                                 endpoints=endpoints)
    configure_public_app(app)
    app.register_listener(partial(rasa_run.load_agent_on_start, args.model, endpoints, None),
                          "before_server_start")
    app.register_listener(rasa_run.close_resources, "after_server_stop")
    return app, endpoints


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.server", description=__doc__)
    parser.add_argument("--model", required=True)
    parser.add_argument("--endpoints", required=True)
    parser.add_argument("--credentials", required=True)
    parser.add_argument("--interface", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5005)
    args = parser.parse_args(argv)
    configure_logging_and_warnings(logging.INFO)
    # as `rasa run` does: without it, Rasa's structured debug lines (whole events, with what
    # users typed) are rendered and written on every turn
    configure_structlog(logging.INFO)
    patches.apply_all()
    app, endpoints = build_app(args)
    app.run(host=args.interface, port=args.port, access_log=False,
            backlog=int(os.environ.get("SANIC_BACKLOG", "100")),
            workers=number_of_sanic_workers(endpoints.lock_store))


if __name__ == "__main__":
    main()
