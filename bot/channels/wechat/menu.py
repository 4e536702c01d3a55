"""The account's custom menu (menu.yml): checked against WeChat's limits before it is pushed, and
read by the channel to map a menu click to the bot's intent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

MENU_FILE = Path(__file__).with_name("menu.yml")
TOP_LEVEL, SUB_LEVEL = 3, 5
# display limits in characters (WeChat cuts longer names with "..."), and the API's key limit
TOP_NAME_CHARS, SUB_NAME_CHARS = 4, 8
KEY_BYTES = 128
KEYED_TYPES = {"click", "scancode_push", "scancode_waitmsg", "pic_sysphoto",
               "pic_photo_or_album", "pic_weixin", "location_select"}


class MenuError(ValueError):
    """The menu file breaks one of WeChat's rules; the message says where."""


def load_menu(path: Path = MENU_FILE) -> dict[str, Any]:
    menu = yaml.safe_load(path.read_text(encoding="utf-8"))
    check_menu(menu)
    return menu


def check_menu(menu: Any) -> None:
    buttons = menu.get("button") if isinstance(menu, dict) else None
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= TOP_LEVEL:
        raise MenuError(f"the menu needs 1 to {TOP_LEVEL} top-level buttons under 'button'")
    for button in buttons:
        subs = button.get("sub_button")
        _check_button(button, TOP_NAME_CHARS, needs_type=subs is None)
        if subs is not None:
            if not isinstance(subs, list) or not 1 <= len(subs) <= SUB_LEVEL:
                raise MenuError(f"{button.get('name')}: 1 to {SUB_LEVEL} sub-buttons")
            for sub in subs:
                _check_button(sub, SUB_NAME_CHARS, needs_type=True)
    keys = [button["key"] for button in _leaves(menu) if "key" in button]
    if len(keys) != len(set(keys)):
        raise MenuError("two buttons share a key")


def _check_button(button: Any, name_chars: int, needs_type: bool) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("name"), str):
        raise MenuError(f"a button without a name: {button!r}")
    name = button["name"]
    if not name or len(name) > name_chars:
        raise MenuError(f"{name!r}: a name of 1 to {name_chars} characters")
    if not needs_type:
        return
    kind = button.get("type")
    if kind in KEYED_TYPES:
        key = button.get("key")
        if not isinstance(key, str) or not key or len(key.encode("utf-8")) > KEY_BYTES:
            raise MenuError(f"{name}: a {kind} button needs a key of at most {KEY_BYTES} bytes")
    elif kind == "view":
        if not str(button.get("url", "")).startswith(("https://", "http://")):
            raise MenuError(f"{name}: a view button needs a web address")
    else:
        raise MenuError(f"{name}: unsupported button type {kind!r}")


def _leaves(menu: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for button in menu["button"]:
        yield from button.get("sub_button") or [button]


def click_payloads(menu: dict[str, Any]) -> dict[str, str]:
    """Each click button's key, and the payload it sends to the bot (the intent of that name)."""
    return {button["key"]: f"/{button['key']}" for button in _leaves(menu)
            if button.get("type") == "click"}
