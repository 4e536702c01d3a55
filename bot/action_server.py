"""The action server: Rasa SDK's custom actions (``/webhook``).

    python -m bot.action_server [--host 127.0.0.1] [--port 5055]

Domain responses are rendered inside the Rasa server (``bot.nlg``), not here.
"""

from __future__ import annotations

import argparse
import logging
import os

from rasa_sdk.endpoint import create_app

from bot.catalog import default_catalog

DEFAULT_PORT = 5055


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.action_server", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("ACTION_SERVER_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int,
                        default=int(os.environ.get("ACTION_SERVER_PORT", DEFAULT_PORT)))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # fail at start, with the file and field named, rather than on the first question
    default_catalog()
    app = create_app("actions", cors_origins=[])
    app.run(host=args.host, port=args.port, workers=1, access_log=False, motd=False)


if __name__ == "__main__":
    main()
