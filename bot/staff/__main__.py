"""The staff desk and its accounts.

    python -m bot.staff serve [--host 127.0.0.1] [--port 5057] [--endpoints PATH]
    python -m bot.staff add-user NAME --role clerk|admin     (asks for the password)
    python -m bot.staff set-password NAME | unlock NAME | users
    python -m bot.staff purge [--days 30]      (call-back phones of closed requests)
    python -m bot.staff send-reminders         (tomorrow's reminders now, e.g. from cron)

The desk uses the booking database (BOOKING_DATABASE_URL) and, for the report and for finding the
conversation to notify, the tracker store of --endpoints. Sessions are signed with
STAFF_SESSION_SECRET (a fresh secret per start when unset: everyone signs in again after a
restart). Never expose the desk's port to the internet: it is for the centre's network.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import sys
from pathlib import Path

from aiohttp import web

from bot.booking.__main__ import database_url
from bot.booking.schedule import beijing_now
from bot.staff import accounts, callbacks
from bot.staff.database import centre_engine
from bot.staff.settings import settings

DEFAULT_PORT = 5057
LOOPBACK = ("127.0.0.1", "::1", "localhost")
MIN_SECRET_BYTES = 32  # HS256 keys shorter than the hash are weak (RFC 7518 §3.2)


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        raise accounts.AccountError("the two passwords differ")
    return first


def _serve(args: argparse.Namespace) -> int:
    from bot.conversations import tracker_store_from
    from bot.staff.app import create_app

    tracker_store = tracker_store_from(args.endpoints) if args.endpoints else None
    secret = os.environ.get("STAFF_SESSION_SECRET")
    if secret and len(secret.encode()) < MIN_SECRET_BYTES:
        print(f"error: STAFF_SESSION_SECRET needs at least {MIN_SECRET_BYTES} bytes", file=sys.stderr)
        return 2
    if not secret:
        logging.info("STAFF_SESSION_SECRET is not set: sessions end when the desk restarts")
    app = create_app(database_url(), tracker_store=tracker_store, secret=secret,
                     secure_cookies=args.host not in LOOPBACK)
    web.run_app(app, host=args.host, port=args.port, access_log=None, print=None)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.staff", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the staff desk")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument("--endpoints", type=Path, help="endpoints.yml with the tracker store")
    add = commands.add_parser("add-user", help="create a staff account")
    add.add_argument("name")
    add.add_argument("--role", choices=("clerk", "admin"), required=True)
    for command in (add, commands.add_parser("set-password", help="set a new password")):
        command.add_argument("--password-stdin", action="store_true",
                             help="read the password from standard input (scripts, tests)")
    commands.choices["set-password"].add_argument("name")
    commands.add_parser("unlock", help="unlock an account locked by wrong passwords") \
        .add_argument("name")
    commands.add_parser("users", help="list the accounts")
    purge = commands.add_parser("purge", help="delete call-back phones of closed requests")
    purge.add_argument("--days", type=int, default=settings()["callbacks"]["keep_days"])
    commands.add_parser("send-reminders", help="send tomorrow's reminders now")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command == "serve":
        return _serve(args)
    engine = centre_engine()
    try:
        if args.command == "add-user":
            user = accounts.add_user(engine, args.name, args.role, _password(args), beijing_now())
            print(f"created {user.role} account {user.name}")
        elif args.command == "set-password":
            accounts.set_password(engine, args.name, _password(args))
            print(f"new password set for {args.name}; their sessions have ended")
        elif args.command == "unlock":
            accounts.unlock(engine, args.name)
            print(f"{args.name} is unlocked")
        elif args.command == "users":
            for row in accounts.all_users(engine):
                print(f"{row['name']:<20} {row['role']:<6} locked until {row['locked_until'] or '-'}")
        elif args.command == "purge":
            count = callbacks.purge(engine, beijing_now(), args.days)
            print(f"deleted the phone of {count} call-back request(s) closed over {args.days} days ago")
        elif args.command == "send-reminders":
            return _send_reminders()
    except accounts.AccountError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def _send_reminders() -> int:
    from bot.conversations import default_endpoints, tracker_store_from
    from bot.staff.notify import Notifier, find_contact
    from bot.staff.wechat import WeChatSender

    tracker_store = tracker_store_from(default_endpoints())
    notifier = Notifier(centre_engine(), lambda ref: find_contact(tracker_store, ref),
                        {"wechat": WeChatSender()}, beijing_now)
    print(f"{asyncio.run(notifier.send_due_reminders())} reminder(s) sent or left for next contact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
