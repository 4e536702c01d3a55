"""The realistic conversations against the real stack: each written form, and the booking
conversations, must pass at 90 %."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.stack import Stack
from tests.realistic.runner import BOOKING, as_json, load_conversations, play_all, rates, report

FLOOR = 0.90
FORMS = ("cantonese", "traditional", "simplified", "english")
RESULTS = Path(__file__).resolve().parents[2] / "results" / "realistic.json"


def test_conversation_files_are_well_formed() -> None:
    conversations = load_conversations()
    assert len([c for c in conversations if c.group != BOOKING]) >= 40
    assert {c.form for c in conversations} == set(FORMS)


@pytest.mark.stack
def test_each_written_form_passes_at_the_floor(stack: Stack) -> None:
    results = play_all(stack.rasa_url, load_conversations())
    print(report(results))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(as_json(results), ensure_ascii=False, indent=1), encoding="utf-8")
    scores = rates(results)
    low = {group: scores[group] for group in (*FORMS, BOOKING)
           if scores[group][0] / scores[group][1] < FLOOR}
    assert not low, f"below {FLOOR:.0%}: {low}"
