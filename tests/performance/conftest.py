"""The fault tests (marker ``faults``) start and break a whole cluster: they run only when asked
for (`make test-faults`, i.e. ``pytest -m faults``), not with the unit or smoke tests."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "faults" in (config.option.markexpr or ""):
        return
    skipped = pytest.mark.skip(reason="a fault test: run it with `make test-faults`")
    for item in items:
        if item.get_closest_marker("faults"):
            item.add_marker(skipped)
