"""What the Rasa server does once it has started (bot/server.py)."""

from __future__ import annotations

import asyncio
import gc

from bot import server


def test_what_start_made_is_frozen_out_of_the_collectors_walks() -> None:
    kept = [[] for _ in range(1000)]  # stands for the model, loaded at start
    assert any(o is kept[0] for o in gc.get_objects())
    try:
        asyncio.run(server._freeze_what_start_made(None, None))  # type: ignore[arg-type]
        assert gc.get_freeze_count() >= len(kept)
        assert not any(o is kept[0] for o in gc.get_objects())  # no longer walked
    finally:
        gc.unfreeze()
