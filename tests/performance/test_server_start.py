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


def test_tensorflow_and_blas_run_on_the_calling_thread_unless_the_operator_says_otherwise(
) -> None:
    import os
    import subprocess
    import sys

    probe = ("from bot.server import configure_thread_pools; configure_thread_pools(); "
             "import tensorflow as tf, threadpoolctl; t = tf.config.threading; "
             "blas = max(pool['num_threads'] for pool in threadpoolctl.threadpool_info() "
             "if pool['user_api'] == 'blas'); "
             "print(t.get_inter_op_parallelism_threads(), t.get_intra_op_parallelism_threads(), "
             "blas)")

    def threads(**settings: str) -> list[str]:
        environment = {k: v for k, v in os.environ.items()
                       if not k.startswith(("TF_IN", "OPENBLAS", "OMP_"))}
        return subprocess.run([sys.executable, "-c", probe], env={**environment, **settings},
                              capture_output=True, text=True, check=True,
                              timeout=120).stdout.split()[-3:]

    assert threads() == ["1", "1", "1"]
    assert threads(TF_INTER_OP_PARALLELISM_THREADS="2", TF_INTRA_OP_PARALLELISM_THREADS="3",
                   OPENBLAS_NUM_THREADS="2") == ["2", "3", "2"]
