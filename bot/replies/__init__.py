"""Answers built from the catalog, in the reader's language, with buttons for the next step.

Every reply ends with a way forward: a button to the next step and, where the bot cannot be sure, a
route to a person (12345, a service point, 视频办). Phrases come from bot/messages.yml.

Every reply fits a phone screen: ``Reply.as_message()`` sends at most about 300 Chinese characters
(``screen.max_width`` in messages.yml; a Latin letter counts half, buttons count too) and puts the
rest behind a "more" button. The rest travels with the sent message as its ``more`` metadata (Rasa
stores it on the bot event; channels only send text and buttons), and ``action_show_more`` sends
the next page from there, so nothing is kept on the server and any replica can answer.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.catalog.model import Text
from bot.language import EN, HANS, HANT, detect_script, localise, pick

MESSAGES_FILE = Path(__file__).resolve().parent.parent / "messages.yml"
MORE_INTENT = "show_more"
MORE_ENTITY = "more_id"
MORE_METADATA = "more"
# a page is never squeezed below this many width units of text, however many buttons it has
MIN_TEXT_WIDTH = 80


def width(text: str) -> float:
    """Screen width in Chinese characters: CJK characters, full-width signs and emoji count one,
    Latin letters, digits and spaces half; a line break counts as a short line."""
    return sum(1.0 if ord(c) >= 0x2E80 else 0.5 for c in text if c != "\n") + text.count("\n")


@dataclass
class Page:
    text: str
    buttons: list[dict[str, str]]


@dataclass
class Reply:
    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    # further pages, each starting on a new screen behind the "more" button
    more: list[str] = field(default_factory=list)

    def pages(self) -> list[Page]:
        return paginate(self.text, self.more, self.buttons)

    def as_message(self) -> dict[str, Any]:
        """Keyword arguments for CollectingDispatcher.utter_message: the first screen."""
        return page_message(self.pages())


def screen_width() -> int:
    return int(phrase_data("screen.max_width"))


def buttons_width(buttons: Iterable[dict[str, str]]) -> float:
    return sum(width(b["title"]) + 1 for b in buttons)


def paginate(text: str, more: list[str], buttons: list[dict[str, str]]) -> list[Page]:
    """Screens of at most ``screen.max_width`` each, every one with the reply's buttons and, but
    for the last, a "more" button after them."""
    language = _language_of(text)
    more_button_width = buttons_width([_more_button("x" * 10, language)])
    budget = max(screen_width() - buttons_width(buttons) - more_button_width, MIN_TEXT_WIDTH)
    chunks: list[list[str]] = []
    for block in [text, *more]:
        if block.strip():
            chunks += _pack(block.split("\n"), budget)
    texts = ["\n".join(lines) for lines in chunks] or [""]
    pages = [Page(t, list(buttons)) for t in texts]
    # "more" comes after the reply's own buttons: when the reply asks a question (a time, a
    # document), its answers are what the reader taps first
    for index in range(len(pages) - 1, 0, -1):
        pages[index - 1].buttons.append(_more_button(_pages_id(pages[index:]), language))
    return pages


def _pack(lines: list[str], budget: float) -> list[list[str]]:
    """Lines packed into screens; a line too long for a screen is cut at a sentence end."""
    screens: list[list[str]] = [[]]
    used = 0.0
    for line in (piece for raw in lines for piece in _cut(raw, budget)):
        cost = width(line) + 1
        if screens[-1] and used + cost > budget:
            screens.append([])
            used = 0.0
        screens[-1].append(line)
        used += cost
    return [screen for screen in screens if screen]


_SENTENCE_END = re.compile(r"(?<=[。；！？;!?])|(?<=\. )")


def _cut(line: str, budget: float) -> list[str]:
    if width(line) + 1 <= budget:
        return [line]
    pieces, current = [], ""
    for part in _SENTENCE_END.split(line):
        if current and width(current + part) + 1 > budget:
            pieces.append(current)
            current = ""
        while width(part) + 1 > budget:  # no sentence end in reach: cut by width
            cut = _prefix_within(part, budget - 1)
            pieces.append(cut)
            part = part[len(cut):]
        current += part
    return [*pieces, current] if current else pieces


def _prefix_within(text: str, budget: float) -> str:
    used, end = 0.0, 0
    for end, char in enumerate(text, start=1):
        used += width(char)
        if used > budget:
            return text[:end - 1]
    return text[:end]


def _pages_id(pages: list[Page]) -> str:
    content = json.dumps([[p.text, p.buttons] for p in pages], ensure_ascii=False)
    return hashlib.sha1(content.encode("utf-8")).hexdigest()[:12]


def _language_of(text: str) -> str:
    script = detect_script(text)
    return script if script in (HANS, EN) else HANT


def _more_button(more_id: str, language: str) -> dict[str, str]:
    return Phrases(language).button("more", payload(MORE_INTENT, **{MORE_ENTITY: more_id}))


def page_message(pages: list[Page]) -> dict[str, Any]:
    """The message for the first of ``pages``, carrying the others as its ``more`` metadata."""
    message: dict[str, Any] = {"text": pages[0].text, "buttons": pages[0].buttons}
    rest = pages[1:]
    if rest:
        message[MORE_METADATA] = {"id": _pages_id(rest),
                                  "pages": [{"text": p.text, "buttons": p.buttons} for p in rest]}
    return message


def stored_pages(bot_events: Iterable[dict[str, Any]], more_id: str) -> list[Page] | None:
    """The pages behind the "more" button ``more_id``, from the bot messages sent (newest first)."""
    for event in bot_events:
        more = (event.get("metadata") or {}).get(MORE_METADATA) or {}
        if more.get("id") == more_id:
            return [Page(p["text"], p["buttons"]) for p in more.get("pages") or ()]
    return None


def payload(intent: str, **entities: str | None) -> str:
    """A button payload that Rasa reads as intent plus entities, skipping NLU."""
    given = {name: value for name, value in entities.items() if value is not None}
    if not given:
        return f"/{intent}"
    return f"/{intent}{json.dumps(given, ensure_ascii=False, separators=(',', ':'))}"


@cache
def _messages() -> dict[str, Any]:
    return yaml.safe_load(MESSAGES_FILE.read_text(encoding="utf-8"))


_OPEN = "(（"
_CLOSE = ")）"
_PUNCTUATION = set("，。；：、,.;:!?！？ ") | set(_CLOSE)


def tidy(text: str) -> str:
    """No brackets inside brackets: an inner "(x)" becomes ", x" (in Chinese "，x"), so
    "(Mon 3 Dec, 10:00 Beijing time (the same clock as Hong Kong))" reads as one aside."""
    out: list[str] = []
    depth = 0
    for index, char in enumerate(text):
        if char in _OPEN:
            depth += 1
            if depth > 1:
                comma = "，" if char == "（" else ", "
                out.append("" if out and out[-1].endswith((",", "，", "、")) else comma)
                continue
        elif char in _CLOSE and depth > 0:
            depth -= 1
            if depth > 0:
                following = text[index + 1:index + 2]
                out.append("" if not following or following in _PUNCTUATION
                           else ("，" if char == "）" else ", "))
                continue
        out.append(char)
    return "".join(out).replace(" ,", ",")


class Phrases:
    """The phrases of messages.yml for one reader.

    Values are put into the Simplified or English phrase first and the finished sentence is
    converted for Traditional readers once, so catalog words inside it are converted too.
    """

    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self, key: str, **values: Any) -> str:
        """A finished phrase, ready to show."""
        return self._render(phrase_data(key), values)

    def word(self, key: str, **values: Any) -> str:
        """A phrase to put inside another phrase (which converts it)."""
        return self.text(phrase_data(key)).format(**values)

    def text(self, texts: Text | None) -> str:
        """A catalog text, in Simplified or English (the phrase it goes into converts it)."""
        if not texts:
            return ""
        return texts["en"] if self.language == EN and texts.get("en") else texts["zh"]

    def localised(self, texts: Text | None) -> str:
        """A catalog text on its own, ready to show."""
        return tidy(pick(texts, self.language))

    def join(self, items: list[str]) -> str:
        return self.word("list_separator").join(items)

    def button(self, key: str, intent_payload: str, **values: Any) -> dict[str, str]:
        return {"title": self._render(phrase_data(f"buttons.{key}"), values),
                "payload": intent_payload}

    def _render(self, template: Text, values: dict[str, Any]) -> str:
        return localise(tidy(self.text(template).format(**values)), self.language)


def phrase_data(key: str) -> Any:
    """The raw entry of messages.yml at a dotted key (a {zh, en} text, a list, a value)."""
    node: Any = _messages()
    for part in key.split("."):
        node = node[part]
    return node
