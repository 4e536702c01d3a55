"""Operator tools for the WeChat channel (docs/wechat.md). Settings come from the same WECHAT_*
environment variables as the server.

    python -m bot.channels.wechat simulate [--url URL] [--openid ID] [--mode M] TEXT
    python -m bot.channels.wechat simulate --event subscribe|unsubscribe|click [--key KEY]
    python -m bot.channels.wechat simulate --location 22.58,113.08 | --voice TEXT | --image
    python -m bot.channels.wechat menu check [--file F]
    python -m bot.channels.wechat menu push [--file F]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from bot.channels.wechat.api import WeChatApi, WeChatError
from bot.channels.wechat.config import ConfigError, WeChatConfig
from bot.channels.wechat.menu import MENU_FILE, MenuError, load_menu
from bot.channels.wechat.protocol import Refused
from bot.channels.wechat.simulator import MODES, WeChatSimulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.channels.wechat", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    simulate = commands.add_parser("simulate", help="send one message as WeChat would")
    simulate.add_argument("text", nargs="?", help="a text message")
    simulate.add_argument("--url", default="http://127.0.0.1:5005",
                          help="the Rasa server (default: %(default)s)")
    simulate.add_argument("--openid", default="oSimulatorUser0000000000000")
    simulate.add_argument("--mode", choices=MODES,
                          help="default: safe with WECHAT_ENCODING_AES_KEY, else plain")
    kind = simulate.add_mutually_exclusive_group()
    kind.add_argument("--event", help="subscribe, unsubscribe, click, ...")
    kind.add_argument("--location", help="latitude,longitude")
    kind.add_argument("--voice", help="the voice message's recognised text")
    kind.add_argument("--image", action="store_true")
    simulate.add_argument("--key", help="the menu key of a click event")
    menu = commands.add_parser("menu", help="check or push the custom menu")
    menu.add_argument("action", choices=["check", "push"])
    menu.add_argument("--file", type=Path, default=MENU_FILE)
    args = parser.parse_args(argv)
    try:
        config = WeChatConfig.from_env()
        if config is None:
            raise ConfigError("set WECHAT_TOKEN (and the other WECHAT_* settings) first")
        if args.command == "simulate":
            return asyncio.run(_simulate(config, args))
        return asyncio.run(_menu(config, args))
    except (ConfigError, MenuError, WeChatError, Refused, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


async def _simulate(config: WeChatConfig, args: argparse.Namespace) -> int:
    simulator = WeChatSimulator(args.url, config.token, config.app_id, config.encoding_aes_key,
                                mode=args.mode)
    try:
        delivered = await simulator.send(_message(simulator, args))
    except OSError as error:
        print(f"error: cannot reach {simulator.url}: {error}", file=sys.stderr)
        return 1
    finally:
        await simulator.close()
    print(f"[{simulator.mode} mode, {delivered.deliveries} deliveries, "
          f"{delivered.seconds:.2f} s, HTTP {delivered.status}]")
    if delivered.reply_type == "text":
        print(delivered.content)
    elif delivered.reply_type:
        print(f"({delivered.reply_type} reply)")
    else:
        print(f"(no passive reply: {delivered.body!r}; a late answer goes by 客服 message)")
    return 0 if delivered.status == 200 else 1


def _message(simulator: WeChatSimulator, args: argparse.Namespace) -> dict[str, Any]:
    if args.event:
        return simulator.event(args.openid, args.event, args.key)
    if args.location:
        latitude, longitude = (float(part) for part in args.location.split(","))
        return simulator.location(args.openid, latitude, longitude)
    if args.voice is not None:
        return simulator.voice(args.openid, args.voice)
    if args.image:
        return simulator.image(args.openid)
    if not args.text:
        raise ValueError("say what to send: a text, or --event/--location/--voice/--image")
    return simulator.text(args.openid, args.text)


async def _menu(config: WeChatConfig, args: argparse.Namespace) -> int:
    menu = load_menu(args.file)
    if args.action == "check":
        print(json.dumps(menu, ensure_ascii=False, indent=2))
        print("The menu follows WeChat's rules.")
        return 0
    if not config.has_api:
        raise ConfigError("pushing the menu needs WECHAT_APP_ID and WECHAT_APP_SECRET")
    async with WeChatApi(config) as api:
        await api.create_menu(menu)
    print("Menu pushed. WeChat clients pick it up within about five minutes.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
