"""Which script a user writes in, and rendering our texts in that script.

Knowledge and responses are written once, in Simplified Chinese and English. People who write
Traditional Chinese or Cantonese get the Simplified text converted by OpenCC to Traditional with Hong
Kong variants; nobody maintains a third copy.
"""

from __future__ import annotations

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
# What detect_script says of a message that is not decisive on its own:
EITHER_CHINESE = "zh"  # Chinese characters that are the same in both scripts ("你好")
LATIN = "latin"  # only words any writer uses ("ok", "hi", "MPF"): English if nothing else decides
KANA = "ja"  # Japanese kana and no Chinese characters: we answer in Chinese or English
# where the NLU (bot.nlu.components.ChineseNormaliser) records detect_script of the text a user
# wrote, in the message's parse data: read from there, it is recognised once per message
SCRIPT = "script"
# The people this assistant serves live in Hong Kong and Macau: when nothing they wrote tells the
# script apart (e.g. "你好"), Traditional is the better guess.
DEFAULT_LANGUAGE = HANT

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3041-\u309f\u30a0-\u30ff\uff66-\uff9f]")
# whole words only: "A123456", "JM-7K3M" and "JM-AAAA-CCCC" are codes, not English
_LATIN_WORD = re.compile(r"(?<![A-Za-z0-9-])[A-Za-z]+(?![A-Za-z0-9-])")
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
    """The script a message is written in: HANT, HANS, EN, or a weaker answer.

    The characters decide, not the dialect: Cantonese particles typed in Simplified characters are
    Simplified ("社保卡唔见咗点补"). EITHER_CHINESE: Chinese the same in both scripts; LATIN: only
    words such as "ok", "hi" or "MPF"; KANA: Japanese kana without Chinese characters; None: nothing
    to go by (empty, digits, a reference number, a button payload).
    """
    if not text or text.startswith("/"):
        return None
    han = "".join(_HAN.findall(text))
    if han:
        traditional_only = _changed_characters(han, "hk2s")
        simplified_only = _changed_characters(han, "s2hk")
        if traditional_only != simplified_only:
            return HANT if traditional_only > simplified_only else HANS
        return EITHER_CHINESE
    if _KANA.search(text):
        return KANA
    words = [w.lower() for w in _LATIN_WORD.findall(text)]
    if not words:
        return None
    informative = [w for w in words if w not in _NEUTRAL_LATIN and not _is_acronym(w, text)]
    return EN if informative else LATIN


def _is_acronym(word: str, text: str) -> bool:
    """MPF, HKID, BR: capitals that Chinese writers use too."""
    return bool(re.search(rf"\b{word.upper()}\b", text)) and len(word) <= 5


def _script_of(message: Mapping[str, Any]) -> str | None:
    parse_data = message.get("parse_data") or {}
    if SCRIPT in parse_data:
        return parse_data[SCRIPT]
    return detect_script(message.get("text"))


def reply_language(user_messages: Iterable[Mapping[str, Any]]) -> str:
    """The language to answer in, from the user's messages, newest first.

    An explicit choice (metadata ``lang``: the widget's 繁/简/EN switch) wins. Otherwise the newest
    message that tells the script decides. Chinese that could be either script keeps the Chinese
    script the user wrote before (Traditional if none); messages of only "ok", "hi" or "MPF" get
    English unless the user wrote Chinese before.
    """
    undecided_chinese = False
    latin = False
    for message in user_messages:
        explicit = _metadata_language(message)
        if explicit:
            return explicit
        script = _script_of(message)
        if script in (HANT, HANS):
            return script
        if script == EN:
            return DEFAULT_LANGUAGE if undecided_chinese else EN
        undecided_chinese |= script == EITHER_CHINESE
        latin |= script == LATIN
    if latin and not undecided_chinese:
        return EN
    return DEFAULT_LANGUAGE


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
