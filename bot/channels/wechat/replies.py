"""The bot's messages made into what WeChat can show: one text, buttons as numbered options
("回覆 1：…"), split into parts of at most 2048 bytes on UTF-8 (and preferably line) boundaries.

The channel's own phrases (please type text, still working, …) are in bot/messages.yml under
``wechat``, in the reader's script like every other reply.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.channels.wechat.config import TEXT_LIMIT_BYTES
from bot.channels.wechat.store import Answer
from bot.language import DEFAULT_LANGUAGE, EN, HANS, HANT, detect_script
from bot.replies import Phrases

logger = logging.getLogger(__name__)

# room kept in every part for a "more follows" note, so any part can carry one
NOTE_RESERVE_BYTES = 160
PART_LIMIT_BYTES = TEXT_LIMIT_BYTES - NOTE_RESERVE_BYTES


def phrase(key: str, language: str, **values: Any) -> str:
    return Phrases(language)(f"wechat.{key}", **values)


def split_utf8(text: str, limit: int = PART_LIMIT_BYTES) -> list[str]:
    """``text`` in parts of at most ``limit`` UTF-8 bytes: cut at the last line break in the
    second half of a part, else at the last whole character."""
    parts: list[str] = []
    rest = text.strip()
    while len(rest.encode("utf-8")) > limit:
        # a cut inside a multi-byte character leaves an incomplete tail, which decoding drops
        fits = rest.encode("utf-8")[:limit].decode("utf-8", errors="ignore")
        newline = fits.rfind("\n")
        cut = newline + 1 if newline >= len(fits) // 2 else len(fits)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def pack(parts: list[str], limit: int = PART_LIMIT_BYTES) -> list[str]:
    """Consecutive parts joined into as few messages as fit (an answer kept for the user's next
    message, then that message's answer)."""
    packed: list[str] = []
    for part in parts:
        joined = f"{packed[-1]}\n\n{part}" if packed else part
        if packed and len(joined.encode("utf-8")) <= limit:
            packed[-1] = joined
        else:
            packed.append(part)
    return packed


def answer_language(texts: list[str], fallback: str | None) -> str:
    """The script of the bot's answer itself (bot.language decided it), else the user's."""
    script = detect_script("\n".join(texts))
    if script in (HANT, HANS, EN):
        return script
    return fallback or DEFAULT_LANGUAGE


def build_answer(messages: list[dict[str, Any]], fallback_language: str | None,
                 transfer: bool = False) -> Answer:
    """One WeChat answer from the bot's messages, in the language they are written in."""
    texts = [m["text"] for m in messages if m.get("text")]
    language = answer_language(texts, fallback_language)
    blocks: list[str] = []
    options: dict[str, str] = {}
    for message in messages:
        lines = [message["text"]] if message.get("text") else []
        if message.get("image"):
            lines.append(message["image"])
        for button in message.get("buttons") or []:
            number = str(len(options) + 1)
            options[number] = button.get("payload") or button.get("title", "")
            lines.append(phrase("option", language, number=number, title=button.get("title", "")))
        if message.get("custom") or message.get("attachment"):
            logger.info("WeChat shows no custom payloads or attachments; dropped one for %s",
                        message.get("recipient_id"))
        if lines:
            blocks.append("\n".join(lines))
    return Answer(split_utf8("\n\n".join(blocks)), language, transfer, options)


def with_more_note(part: str, language: str) -> str:
    """A part followed by others the user gets by writing again (no 客服 rights)."""
    return f"{part}\n\n{phrase('more_follows', language)}"
