"""The held-out NLU set (tests/nlu) is big enough in every written form, covers every intent,
`stop` included, and is grouped the way make test-nlu scores it (booking_<form>.yml counts)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from scripts.check_nlu_report import FORMS, form_of, load_examples

HELD_OUT = Path(__file__).resolve().parent / "nlu"
DOMAIN = Path(__file__).resolve().parent.parent / "domain"
# the intents the held-out set is written for: the conversation's own and the booking track's
# (whose booking_<form>.yml files count); other tracks' intents are scored when they add examples
HELD_OUT_DOMAINS = ("general.yml", "services.yml", "booking.yml")
MIN_PER_FORM = 200


@pytest.fixture(scope="module")
def by_form() -> dict:
    return load_examples(HELD_OUT)


def test_every_form_has_enough_sentences(by_form: dict) -> None:
    assert {form: len(by_form[form]) >= MIN_PER_FORM for form in FORMS} == dict.fromkeys(
        FORMS, True), {form: len(examples) for form, examples in by_form.items()}


def test_every_form_covers_every_intent_stop_included(by_form: dict) -> None:
    intents = set()
    for name in HELD_OUT_DOMAINS:
        document = yaml.safe_load((DOMAIN / name).read_text(encoding="utf-8")) or {}
        intents |= set(document.get("intents") or [])
    assert "stop" in intents
    for form in FORMS:
        counts = Counter(example.intent for example in by_form[form])
        assert intents - set(counts) == set(), form


def test_the_booking_tracks_files_count_for_their_form() -> None:
    assert form_of(Path("booking_cantonese.yml")) == "cantonese"
    assert form_of(Path("english.yml")) == "english"
    with pytest.raises(SystemExit):
        form_of(Path("mandarin.yml"))
