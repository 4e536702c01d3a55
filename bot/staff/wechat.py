"""Notices on WeChat, through the WeChat channel's own API client (contract 8):
``bot.channels.wechat.api.send_text(openid, text)``, a coroutine. It is imported only when a
notice goes to a WeChat user, so the desk runs where the WeChat channel is not installed.

Outside the 48-hour 客服 window a subscription message (订阅通知) can reach the user, if the account
has a template (WECHAT_NOTICE_TEMPLATE_ID) and the API client offers
``send_subscription_message(openid, template_id, data)``; the template's keywords are mapped to
our fields in settings.yml (notices.wechat_template_fields).
"""

from __future__ import annotations

import importlib
import logging
import os
from datetime import datetime, timedelta
from types import ModuleType
from typing import Any

from bot.replies import Phrases
from bot.staff.notify import Contact
from bot.staff.settings import settings

logger = logging.getLogger(__name__)
API_MODULE = "bot.channels.wechat.api"


def _template_value(field: str, kind: str, fields: dict[str, Any], language: str) -> str:
    if field == "change":
        return Phrases(language)(f"staffdesk.template_change.{kind}")
    if field == "slot":
        return datetime.fromisoformat(fields["slot"]).strftime("%Y-%m-%d %H:%M")
    return str(fields.get(field, ""))


class WeChatSender:
    def __init__(self, api: ModuleType | Any | None = None, template_id: str | None = None,
                 window: timedelta | None = None) -> None:
        notice_settings = settings()["notices"]
        self._api = api
        self.template_id = template_id if template_id is not None else \
            os.environ.get("WECHAT_NOTICE_TEMPLATE_ID", "")
        self.template_fields: dict[str, str] = notice_settings.get("wechat_template_fields") or {}
        self.window = window or timedelta(hours=notice_settings["wechat_window_hours"])

    def api(self) -> ModuleType | Any | None:
        if self._api is None:
            try:
                self._api = importlib.import_module(API_MODULE)
            except ImportError:
                logger.warning("%s is not installed: WeChat notices wait for the next message",
                               API_MODULE)
                return None
        return self._api

    async def deliver(self, contact: Contact, kind: str, fields: dict[str, Any], text: str,
                      now: datetime) -> str | None:
        api = self.api()
        if api is None:
            return None
        if contact.last_message_at and now - contact.last_message_at < self.window:
            try:
                await api.send_text(contact.sender_id, text)
                return "wechat_message"
            except Exception:  # e.g. 45015 out of the window, 45047 quota used: try the template
                logger.warning("WeChat 客服 message for %s failed", fields["reference"],
                               exc_info=True)
        send_template = getattr(api, "send_subscription_message", None)
        if self.template_id and self.template_fields and send_template:
            data = {keyword: {"value": _template_value(field, kind, fields, contact.language)}
                    for keyword, field in self.template_fields.items()}
            await send_template(contact.sender_id, self.template_id, data)
            return "wechat_template"
        return None
