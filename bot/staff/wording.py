"""The desk's wording (wording.yml) for one member of staff, in Simplified or Traditional."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.language import HANS, HANT, localise, pick

WORDING_FILE = Path(__file__).with_name("wording.yml")
DESK_LANGUAGES = (HANS, HANT)
DEFAULT_DESK_LANGUAGE = HANS  # the centre is in Jiangmen; 繁體 is one click away


@cache
def _wording() -> dict[str, Any]:
    return yaml.safe_load(WORDING_FILE.read_text(encoding="utf-8"))


class Wording:
    def __init__(self, language: str) -> None:
        self.language = language if language in DESK_LANGUAGES else DEFAULT_DESK_LANGUAGE

    def __call__(self, key: str, **values: Any) -> str:
        return localise(str(self.raw(key)).format(**values), self.language)

    def raw(self, key: str) -> Any:
        node: Any = _wording()
        for part in key.split("."):
            node = node[part]
        return node

    def weekday(self, day: Any) -> str:
        return self.weekday_name(day.isoweekday())

    def weekday_name(self, iso_weekday: int) -> str:
        return localise(self.raw("weekdays")[iso_weekday - 1], self.language)

    def catalog_text(self, texts: dict[str, str] | None) -> str:
        return pick(texts, self.language)
