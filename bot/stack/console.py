"""What the operator sees of a running stack: the ready message (where to open each channel,
what is public and what is not), and the foreground loop that runs until Ctrl-C or SIGTERM."""

from __future__ import annotations

import signal
import sys
import time
from typing import Any

from bot.channels.origins import ENV as ORIGINS_ENV
from bot.stack.assistant import Stack
from bot.stack.server import StackError


def run_until_stopped(stack: Stack, starting: str) -> int:
    """Starts ``stack``, prints where to open it, and runs until Ctrl-C or SIGTERM."""
    stopping = False

    def request_stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    print(starting, flush=True)
    try:
        with stack:
            print(ready_message(stack) + stack.summary(), flush=True)
            while not stopping:
                stack.watch()
                time.sleep(1)
            print("Stopping...", flush=True)
    except StackError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def ready_message(stack: Stack) -> str:
    """Where to open each channel; scripts and tests read the lines that begin with
    ``REST webhook``, ``Web widget``, ``WeChat`` and ``Staff desk``."""
    api = (f"on, every route needs ?token=$RASA_API_TOKEN: {stack.rasa_url}/status"
           if stack.api_token else "off (set RASA_API_TOKEN to turn it on)")
    wechat = ([f"  WeChat         {stack.public_url}/webhooks/wechat/webhook",
               "                 try it: python -m bot.channels.wechat simulate 你好"]
              if stack.env.get("WECHAT_TOKEN") else [])
    return "\n".join([
        "",
        "跨境通办助手 is running. Open it at:",
        f"  REST webhook   POST {stack.public_url}/webhooks/rest/webhook  (trusted integrations)",
        '                 body: {"sender": "me", "message": "我喺香港，可唔可以辦江門嘅物業登記？"}',
        f"  Web widget     {stack.public_url}/widget/demo  (Socket.IO at /socket.io)",
        *wechat,
        f"  Health         GET {stack.public_url}/health",
        f"Public: only {stack.public_url} (the channels above, the widget, /health); "
        "it listens on loopback here: publish it through HTTPS.",
        f"  Browsers may call it from: {stack.env[ORIGINS_ENV]} (ALLOWED_ORIGINS)",
        "Not public (loopback here; a private network at most):",
        f"  Rasa HTTP API  {api}",
        f"  Actions        {stack.action_url}/webhook  (needs ?token=$ACTION_SERVER_TOKEN)",
        f"  Booking API    {stack.booking_url}/v1  bearer token: {stack.booking_token}",
        "                 (made for this run; set BOOKING_API_TOKEN to choose it)",
        f"  Staff desk     {stack.staff_url}/  (centre staff only; first account:",
        "                 python -m bot.staff add-user NAME --role admin)",
        "  Chat in the terminal: make shell     Logs: var/log/     Stop: Ctrl-C",
        "",
    ])
