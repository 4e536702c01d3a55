"""Starts the whole assistant on this machine: the booking service, the action server, the Rasa
server and the staff desk (on loopback: never the public port).

    python -m bot.stack [--rasa-port 5005] [--action-port 5055] [--booking-port 5056]
                        [--staff-port 5057] [--workers N] [--model models/current.tar.gz]

The booking service is the embedded default (SQLite under var/). With BOOKING_API_URL set, the
actions use that booking system instead and none is started here.

`make run` calls this. It waits until every server answers, prints where to open it, and stops
everything on Ctrl-C or when any server dies. Logs go to var/log/.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from bot.paths import REPO_ROOT
from bot.stack.assistant import DEFAULT_MODEL, Stack
from bot.stack.console import run_until_stopped
from bot.stack.server import StackError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.stack", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rasa-port", type=int, default=5005)
    parser.add_argument("--action-port", type=int, default=5055)
    parser.add_argument("--booking-port", type=int, default=5056)
    parser.add_argument("--staff-port", type=int, default=5057)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--run-dir", type=Path, default=REPO_ROOT / "var",
                        help="where conversations, logs and run files go (default: var/)")
    parser.add_argument("--workers", type=int, default=1,
                        help="Rasa processes sharing the port (`make run`: 2, both cores); more "
                             "than one needs Redis, started here unless REDIS_URL is set")
    parser.add_argument("--shell", action="store_true",
                        help="chat in this terminal (rasa shell) instead of serving channels")
    args = parser.parse_args(argv)
    if args.shell:
        return _shell(args)
    return run_until_stopped(
        Stack(args.rasa_port, args.action_port, args.booking_port, args.model,
              run_dir=args.run_dir, staff_port=args.staff_port, rasa_workers=args.workers),
        "Starting the booking service, the action server, the staff desk and the Rasa server "
        "(about a minute)...")


def _shell(args: argparse.Namespace) -> int:
    """The helper servers in the background, `rasa shell` in the foreground."""
    try:
        with Stack(args.rasa_port, args.action_port, args.booking_port, args.model,
                   run_dir=args.run_dir, with_rasa_server=False,
                   staff_port=args.staff_port) as stack:
            # rasa shell is a Rasa server of its own: on loopback only, like bot.server here
            return subprocess.run([sys.executable, "-m", "rasa", "shell", "--model",
                                   str(args.model), "--endpoints", str(stack.endpoints_path),
                                   "--interface", "127.0.0.1", "--port", str(args.rasa_port)],
                                  env=stack.env, cwd=REPO_ROOT, check=False).returncode
    except StackError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
