"""The fault tests (marker ``faults``) start and break a whole cluster: they run only when asked
for (`make test-faults`, i.e. ``pytest -m faults``), not with the unit or smoke tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bench.common import RESULTS_DIR

FAULT_FIGURES = pytest.StashKey[dict[str, Any]]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "faults" in (config.option.markexpr or ""):
        return
    skipped = pytest.mark.skip(reason="a fault test: run it with `make test-faults`")
    for item in items:
        if item.get_closest_marker("faults"):
            item.add_marker(skipped)


@pytest.fixture(scope="session")
def figures(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """What the fault tests measured: var/bench/faults.json, and the end of the run's output."""
    found: dict[str, Any] = {}
    request.config.stash[FAULT_FIGURES] = found
    yield found
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "faults.json").write_text(json.dumps(found, ensure_ascii=False, indent=2),
                                             encoding="utf-8")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter,
                            config: pytest.Config) -> None:
    for name, result in config.stash.get(FAULT_FIGURES, {}).items():
        terminalreporter.write_line(f"fault test {name}: {json.dumps(result, ensure_ascii=False)}")
