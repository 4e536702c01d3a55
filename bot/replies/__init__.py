"""Answers built from the catalog, in the reader's language, with buttons for the next step.

Every reply ends with a way forward: a button to the next step and, where the bot cannot be sure, a
route to a person (12345, a service point, 视频办). Phrases come from bot/messages.yml.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.catalog.model import Text
from bot.language import EN, localise, pick

MESSAGES_FILE = Path(__file__).resolve().parent.parent / "messages.yml"


@dataclass
class Reply:
    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)

    def as_message(self) -> dict[str, Any]:
        """Keyword arguments for CollectingDispatcher.utter_message."""
        return {"text": self.text, "buttons": self.buttons}


def payload(intent: str, **entities: str | None) -> str:
    """A button payload that Rasa reads as intent plus entities, skipping NLU."""
    given = {name: value for name, value in entities.items() if value is not None}
    if not given:
        return f"/{intent}"
    return f"/{intent}{json.dumps(given, ensure_ascii=False, separators=(',', ':'))}"


@cache
def _messages() -> dict[str, Any]:
    return yaml.safe_load(MESSAGES_FILE.read_text(encoding="utf-8"))


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
        return pick(texts, self.language)

    def join(self, items: list[str]) -> str:
        return self.word("list_separator").join(items)

    def level(self, level: str) -> str:
        return self.text(_messages()["levels"][level])

    def button(self, key: str, intent_payload: str, **values: Any) -> dict[str, str]:
        return {"title": self._render(phrase_data(f"buttons.{key}"), values),
                "payload": intent_payload}

    def _render(self, template: Text, values: dict[str, Any]) -> str:
        return localise(self.text(template).format(**values), self.language)


def phrase_data(key: str) -> Any:
    """The raw entry of messages.yml at a dotted key (a {zh, en} text, a list, a value)."""
    node: Any = _messages()
    for part in key.split("."):
        node = node[part]
    return node
