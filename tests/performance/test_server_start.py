"""What the Rasa server does once it has started (bot/server.py)."""

from __future__ import annotations

import asyncio
import gc
from types import SimpleNamespace

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


def test_each_process_understands_a_message_before_its_port_opens() -> None:
    class Agent:
        def __init__(self) -> None:
            self.parsed: list[str] = []

        def is_ready(self) -> bool:
            return True

        async def parse_message(self, text: str) -> dict:
            self.parsed.append(text)
            return {}

    agent = Agent()
    asyncio.run(server._warm_up(SimpleNamespace(ctx=SimpleNamespace(agent=agent)), None))
    assert agent.parsed == [server.WARM_UP_TEXT]
