"""`make run-cluster`: the production topology in miniature, on this machine (bot/cluster).

    python -m bot.cluster [--public-host 127.0.0.1] [--public-port 8080] [--model M]

Prints the same ready message as `make run`, with nginx's URLs; Ctrl-C stops everything it
started. PostgreSQL's and Redis's data stay in var/cluster/ for the next start.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from typing import Any

from bot.cluster import Cluster
from bot.local_servers import LocalServerError
from bot.stack import DEFAULT_MODEL, StackError, _ready_message


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.cluster", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--public-host", default="127.0.0.1",
                        help="the address nginx listens on for users (default: loopback only)")
    parser.add_argument("--public-port", type=int, default=8080)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    args = parser.parse_args(argv)
    stopping = False

    def request_stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    print("Starting PostgreSQL, Redis, the booking service, two action servers, two Rasa "
          "replicas and nginx (a minute or two)...", flush=True)
    try:
        with Cluster(public_host=args.public_host, public_port=args.public_port,
                     model=args.model) as cluster:
            print(_ready_message(cluster), flush=True)
            print(cluster_summary(cluster), flush=True)
            while not stopping:
                cluster.supervise()
                time.sleep(1)
            print("Stopping...", flush=True)
    except (StackError, LocalServerError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def cluster_summary(cluster: Cluster) -> str:
    replicas = ", ".join(f"127.0.0.1:{port}" for port in cluster.rasa_ports)
    actions = ", ".join(f"127.0.0.1:{port}" for port in cluster.action_ports)
    return "\n".join([
        f"  Behind nginx   Rasa replicas {replicas}; action servers {actions}",
        f"  Stores         PostgreSQL {cluster.postgres_url} (conversations, bookings), "
        f"Redis {cluster.redis_url} (locks, channel state)",
        f"  Data           {cluster.data_dir} (kept between runs)",
        "",
    ])


if __name__ == "__main__":
    sys.exit(main())
