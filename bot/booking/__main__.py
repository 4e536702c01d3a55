"""The booking service's commands.

    python -m bot.booking serve [--host 127.0.0.1] [--port 5056]
    python -m bot.booking purge [--days N]   (default: keep_personal_data_days in schedule.yml)

Configuration comes from the environment:
    BOOKING_API_TOKEN     bearer token shared with the action server (required to serve)
    BOOKING_DATABASE_URL  SQLAlchemy URL; default sqlite:///var/booking.db, or e.g.
                          postgresql://user:password@localhost/booking
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from aiohttp import web

from bot.booking import timetable
from bot.booking.schedule import beijing_now, default_schedule
from bot.booking.service import BookingApi
from bot.booking.store import BookingStore
from bot.catalog import default_catalog
from bot.paths import REPO_ROOT
from bot.privacy import install_log_masking

DEFAULT_DATABASE = f"sqlite:///{REPO_ROOT / 'var' / 'booking.db'}"
DEFAULT_PORT = 5056


def database_url() -> str:
    url = os.environ.get("BOOKING_DATABASE_URL") or DEFAULT_DATABASE
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.booking", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the booking API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    purge = commands.add_parser("purge", help="delete personal data of past bookings")
    purge.add_argument("--days", type=int, default=default_schedule().keep_personal_data_days,
                       help="keep personal data this many days after the slot "
                            "(default: keep_personal_data_days in schedule.yml)")
    args = parser.parse_args(argv)
    install_log_masking()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    store = BookingStore(database_url())
    if args.command == "purge":
        count = store.purge_personal_data(beijing_now(), args.days)
        print(f"deleted personal data of {count} booking(s) whose slot ended over {args.days} days ago")
        return 0
    token = os.environ.get("BOOKING_API_TOKEN", "")
    if not token:
        print("error: set BOOKING_API_TOKEN (the bearer token the action server sends)",
              file=sys.stderr)
        return 2
    # the timetable is data in the booking database (seeded from schedule.yml), edited on the desk
    timetable.seed(store.engine)
    api = BookingApi(store, timetable.LiveTimetable(store.engine), default_catalog(), token)
    web.run_app(api.app(), host=args.host, port=args.port, access_log=None, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
