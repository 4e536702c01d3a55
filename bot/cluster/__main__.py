"""`make run-cluster`: the production topology in miniature, on this machine (bot/cluster).

    python -m bot.cluster [--public-host 127.0.0.1] [--public-port 8080] [--model M]

Prints the same ready message as `make run`, with nginx's URLs; Ctrl-C stops everything it
started. PostgreSQL's and Redis's data stay in var/cluster/ for the next start.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cluster import Cluster
from bot.stack import DEFAULT_MODEL, run_until_stopped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.cluster", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--public-host", default="127.0.0.1",
                        help="the address nginx listens on for users (default: loopback only)")
    parser.add_argument("--public-port", type=int, default=8080)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    args = parser.parse_args(argv)
    return run_until_stopped(
        Cluster(public_host=args.public_host, public_port=args.public_port, model=args.model),
        "Starting PostgreSQL, Redis, the booking service, two action servers, two Rasa replicas "
        "and nginx (a minute or two)...")


if __name__ == "__main__":
    sys.exit(main())
