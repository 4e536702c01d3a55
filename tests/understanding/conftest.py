"""The assistant the understanding tests talk to: the shared stack, or, for quick iterations on a
stack already running (`make run`), the one at UNDERSTANDING_BOT_URL."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class RunningBot:
    rasa_url: str


@pytest.fixture(scope="session")
def bot(request: pytest.FixtureRequest) -> RunningBot:
    url = os.environ.get("UNDERSTANDING_BOT_URL")
    return RunningBot(url) if url else RunningBot(request.getfixturevalue("stack").rasa_url)
