"""The conversation store's commands.

    python -m bot.conversations purge [--days N] [--endpoints endpoints.yml]

``purge`` deletes every stored conversation event older than the retention period
(``retention_days`` of the tracker store in the endpoints file, 90 days by default). The Rasa
server also does this daily; run the command e.g. from cron where servers restart rarely:

    30 3 * * *  cd /srv/assistant && .venv/bin/python -m bot.conversations purge

`make run` keeps conversations where ``var/run/endpoints-<port>.yml`` says (var/tracker-5005.db by
default, which is what endpoints.yml says too).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.conversations import tracker_store_from
from bot.conversations.retention import purge, retention_days


def _days(value: str) -> int:
    days = int(value)
    if days < 1:
        raise argparse.ArgumentTypeError("keep at least 1 day")
    return days


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.conversations", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["purge"],
                        help="purge: delete conversation events older than the retention period")
    parser.add_argument("--endpoints", type=Path, default=Path("endpoints.yml"))
    parser.add_argument("--days", type=_days, default=None,
                        help="keep this many days (default: retention_days, else 90)")
    args = parser.parse_args(argv)
    store = tracker_store_from(args.endpoints)
    days = args.days or retention_days(store)
    try:
        deleted = asyncio.run(purge(store, days))
    except TypeError as unsupported:
        print(f"error: {unsupported}", file=sys.stderr)
        return 2
    print(f"deleted {deleted} conversation event(s) older than {days} days")
    return 0


if __name__ == "__main__":
    sys.exit(main())
