"""What the benchmarks share: where results go and the held-out messages they use."""

from __future__ import annotations

import json
import platform
import random
import time
from pathlib import Path
from typing import Any

from rasa.shared.nlu.training_data.loading import load_data

from bot.paths import REPO_ROOT

HELD_OUT = REPO_ROOT / "tests" / "nlu"
SCRIPTS = ("simplified", "traditional", "cantonese", "english")
RESULTS_DIR = REPO_ROOT / "var" / "bench"


def held_out(script: str) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(text, intent, [(entity type, words as typed)]) of one held-out file."""
    examples = load_data(str(HELD_OUT / f"{script}.yml")).training_examples
    return [(e.get("text"), e.get("intent"),
             [(ent["entity"], e.get("text")[ent["start"]:ent["end"]])
              for ent in e.get("entities") or []])
            for e in examples]


def message_pool() -> list[str]:
    """The held-out messages of every script, in a fixed shuffled order."""
    pool = [text for script in SCRIPTS for text, _, _ in held_out(script)]
    random.Random(2026).shuffle(pool)
    return pool


def long_conversation(pool: list[str], turns: int) -> list[str]:
    """``turns`` messages of one conversation whose last 20 say what its first 10 said, twice:
    comparing them compares the cost of the same messages early and late in a conversation."""
    first = pool[:10]
    filler = (pool[10:] * (turns // max(1, len(pool) - 10) + 1))[:turns - 30]
    return first + filler + first + first


def write_result(name: str, summary: str, figures: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    record = {"benchmark": name, "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
              "machine": {"cpus": _cpus(), "python": platform.python_version()}, **figures}
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    print(summary)
    return path


def _cpus() -> int:
    import os

    return os.cpu_count() or 0
