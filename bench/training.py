"""How long a full training takes from scratch (no cache), on this machine.

    python -m bench.training

`make bench` reports it in bench.compare's table, next to the stock bot's.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time

from bench.common import REPO_ROOT, write_result


def seconds() -> float:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "rasa", "train", "--force", "--domain", "domain",
                        "--data", "data", "--config", "config.yml", "--out", out,
                        "--num-threads", "2"], cwd=REPO_ROOT, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return round(time.perf_counter() - start, 1)


def main() -> None:
    took = seconds()
    write_result("training", f"training: {took} s from scratch (--force)", {"seconds": took})


if __name__ == "__main__":
    main()
