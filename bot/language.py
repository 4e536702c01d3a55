"""Which script a user writes in, and rendering our texts in that script.

Knowledge and responses are written once, in Simplified Chinese and English. People who write
Traditional Chinese or Cantonese get the Simplified text converted by OpenCC to Traditional with Hong
Kong variants; nobody maintains a third copy.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import opencc
import yaml

HANS = "zh-Hans"
HANT = "zh-Hant"
EN = "en"
LANGUAGES = (HANT, HANS, EN)
# The people this assistant serves live in Hong Kong and Macau: when nothing they wrote tells the
# script apart (e.g. "你好"), Traditional is the better guess.
DEFAULT_LANGUAGE = HANT

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# whole words only: "A123456" and "JM-7K3M" are codes, not English
_LATIN_WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]+(?![A-Za-z0-9])")
# Characters only Cantonese writing uses; their presence means a Hong Kong/Macau writer.
_CANTONESE_MARKERS = set("喺唔咩冇嘅佢啲咗嘢睇搵揾攞畀嚟乜嗰哋噉冚嘞")
# Latin words that say nothing about the language of someone who otherwise writes Chinese.
_NEUTRAL_LATIN = {"ok", "okay", "k", "yes", "no", "y", "n", "hi", "thx", "ty"}


@cache
def converter(config: str) -> opencc.OpenCC:
    """An OpenCC converter ("hk2s", "s2hk"); created once per process, they are costly."""
    return opencc.OpenCC(config)


def _changed_characters(text: str, config: str) -> int:
    converted = converter(config).convert(text)
    if len(converted) != len(text):
        return sum(converter(config).convert(c) != c for c in text)
    return sum(a != b for a, b in zip(text, converted, strict=True))


def detect_script(text: str | None) -> str | None:
    """The script a message is written in: HANT, HANS, EN, "zh" (Chinese, either script) or None.

    None means the message says nothing about language: empty, digits, "ok", or a button payload.
    """
    if not text or text.startswith("/"):
        return None
    han = "".join(_HAN.findall(text))
    if han:
        # Cantonese gets the Hong Kong variant even when typed in Simplified characters
        if _CANTONESE_MARKERS.intersection(han):
            return HANT
        traditional_only = _changed_characters(han, "hk2s")
        simplified_only = _changed_characters(han, "s2hk")
        if traditional_only != simplified_only:
            return HANT if traditional_only > simplified_only else HANS
        return "zh"
    words = [w.lower() for w in _LATIN_WORD.findall(text)]
    informative = [w for w in words if w not in _NEUTRAL_LATIN and not _is_acronym(w, text)]
    return EN if informative else None


def _is_acronym(word: str, text: str) -> bool:
    """MPF, HKID, BR: capitals that Chinese writers use too."""
    return bool(re.search(rf"\b{word.upper()}\b", text)) and len(word) <= 5


def reply_language(user_messages: Iterable[Mapping[str, Any]]) -> str:
    """The language to answer in, from the user's messages, newest first.

    An explicit choice wins: the newest message's metadata ``lang`` (the widget's 繁/简/EN switch).
    Otherwise the newest message that tells the script decides. A Chinese message that could be
    either script keeps the last Chinese script the user wrote.
    """
    user_messages = iter(user_messages)
    newest = next(user_messages, None)
    if newest is None:
        return DEFAULT_LANGUAGE
    chosen = _metadata_language(newest)
    if chosen:
        return chosen
    user_messages = itertools.chain([newest], user_messages)
    undecided_chinese = False
    hinted: str | None = None
    for message in user_messages:
        script = detect_script(message.get("text"))
        hinted = hinted or _metadata_language(message)
        if script == "zh":
            undecided_chinese = True
        elif script in (HANT, HANS):
            return script
        elif script == EN:
            if undecided_chinese:
                break
            return EN
    if undecided_chinese:
        return hinted if hinted in (HANT, HANS) else DEFAULT_LANGUAGE
    return hinted or DEFAULT_LANGUAGE


def _metadata_language(message: Mapping[str, Any]) -> str | None:
    lang = (message.get("metadata") or {}).get("lang")
    return lang if lang in LANGUAGES else None


@cache
def _hong_kong_words() -> dict[str, str]:
    path = Path(__file__).with_name("hk_wording.yml")
    return yaml.safe_load(path.read_text(encoding="utf-8"))["words"]


def localise(text_hans: str, language: str) -> str:
    """Simplified text in the reader's Chinese script (English readers get it unchanged)."""
    if language != HANT:
        return text_hans
    text = converter("s2hk").convert(text_hans)
    for mainland, hong_kong in _hong_kong_words().items():
        text = text.replace(mainland, hong_kong)
    return text


def pick(texts: Mapping[str, str] | None, language: str) -> str:
    """The text of a ``{zh, en}`` mapping for the reader; Chinese when no English is written."""
    if not texts:
        return ""
    if language == EN and texts.get("en"):
        return texts["en"]
    return localise(texts["zh"], language)
