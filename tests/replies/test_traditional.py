"""Every Traditional text the bot can show is free of known OpenCC conversion slips.

OpenCC converts characters by phrase and sometimes picks the wrong one ("换发" → 換髮, "网签" →
網籤). bot/hk_wording.yml fixes each by the phrase; this test renders everything a Traditional
reader can see and fails on any known slip, and on 髮 (hair) and 籤 (lottery slip), which no
government answer of ours ever means.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from bot.catalog import Catalog
from bot.language import HANT, localise
from bot.replies import Page
from tests.replies.every_answer import booking_phrases, domain_responses

NEVER_MEANT = ("髮", "籤")


@cache
def known_slips() -> tuple[str, ...]:
    path = Path(__file__).resolve().parents[2] / "bot" / "hk_wording.yml"
    return (*yaml.safe_load(path.read_text(encoding="utf-8"))["words"], *NEVER_MEANT)


def slips(text: str) -> list[str]:
    return [slip for slip in known_slips() if slip in text]


def test_the_phrase_dictionary_fixes_the_reported_slips() -> None:
    assert localise("不动产权证书补发、换发", HANT) == "不動產權證書補發、換發"
    assert localise("住房网签", HANT) == "住房網簽"
    assert localise("开租金发票", HANT) == "開租金發票"


def test_every_traditional_answer_is_free_of_slips(
        every_answer: list[tuple[str, list[Page]]]) -> None:
    found = [(label, text, slips(text)) for label, pages in every_answer if label.find(HANT) >= 0
             for page in pages for text in (page.text, *(b["title"] for b in page.buttons))
             if slips(text)]
    assert not found, found[:5]


def test_domain_and_booking_texts_are_free_of_slips(catalog: Catalog) -> None:
    texts = [(label, r["text"]) for label, r in domain_responses() if HANT in label]
    texts += [(label, text) for label, text in booking_phrases(catalog) if HANT in label]
    assert [(label, slips(text)) for label, text in texts if slips(text)] == []


def test_every_catalog_and_message_text_converts_cleanly(catalog: Catalog) -> None:
    """Texts no answer above happened to show (a message key, a note for another reader)."""
    root = Path(__file__).resolve().parents[2]
    texts: list[str] = []

    def collect(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("zh"), str):
                texts.append(node["zh"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    for path in [*sorted((root / "bot" / "knowledge").glob("*.yml")), root / "bot" / "messages.yml"]:
        collect(yaml.safe_load(path.read_text(encoding="utf-8")))
    bad = [(text, slips(localise(text, HANT))) for text in texts if slips(localise(text, HANT))]
    assert bad == []
    assert len(texts) > 900
