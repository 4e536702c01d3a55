"""Every answer, built once per test session (tests/replies/every_answer.py)."""

from __future__ import annotations

import pytest

from bot.catalog import Catalog
from bot.replies import Page
from tests.replies.every_answer import replies


@pytest.fixture(scope="session")
def every_answer(catalog: Catalog) -> list[tuple[str, list[Page]]]:
    """Each answer's screens, as sent: the first, then each behind the "more" button."""
    return [(label, reply.pages()) for label, reply in replies(catalog)]
