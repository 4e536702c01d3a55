"""Where the Rasa server's CPU goes under a steady load of one sender: py-spy samples it, and the
samples are summed into the concerns the levers of issue 11 act on.

    make profile        (builds .venv-profile with py-spy: scripts/tool-venv)
    python -m bench.profile [--seconds 20] [--name NAME]

Writes var/bench/profile-NAME.txt (py-spy's raw stacks) and profile-NAME.json (the shares).
A share is the fraction of the Rasa server's busy samples whose stack passes through the concern.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import re
import statistics
import subprocess
import tempfile
from pathlib import Path

from bench.common import REPO_ROOT, RESULTS_DIR, long_conversation, message_pool, write_result
from bench.load import WARM_UP, level, one_conversation
from bench.processes import cpu_seconds
from bot.channels.limits import LOAD_TEST_ENVIRONMENT
from bot.local_servers import free_port
from bot.stack import Stack

PY_SPY = REPO_ROOT / ".venv-profile" / "bin" / "py-spy"
# concern -> a pattern of "function (file" as py-spy writes frames
CONCERNS = {
    "jsonschema (action results, NLG answers)": r"\(jsonschema/",
    "tracker store: load": r"^_?retrieve \(rasa/core/tracker_store|^_retrieve \(bot/conversations",
    "tracker store: save": r"^save \(rasa/core/tracker_store|^save \(bot/conversations",
    "NLU (parse_message)": r"^parse_message \(rasa/core/processor",
    "policies (predict next action)": r"^_predict_next_with_tracker \(rasa/core/processor",
    "remote actions (HTTP, checking their results)": r"^run \(rasa/core/actions/action.py",
    "NLG callback (HTTP /nlg)": r"\(rasa/core/nlg/callback",
    "NLG in process": r"\(bot/nlg",
    "lock store": r"\(rasa/core/lock_store",
}


def summarise(raw: Path) -> dict[str, float]:
    busy = 0
    hits: collections.Counter[str] = collections.Counter()
    patterns = {name: re.compile(pattern) for name, pattern in CONCERNS.items()}
    for line in raw.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [re.sub(r"\(.*site-packages/", "(", frame) for frame in stack.split(";")]
        frames = [re.sub(r"\(/[^:]*?/(bot|bench|actions)/", r"(\1/", frame) for frame in frames]
        # py-spy cuts very deep stacks (jsonschema's recursion) at the root: those are busy too
        truncated = not frames[0].startswith("_run_module_as_main")
        if not truncated and not any(frame.startswith("handle_message (rasa/core/processor")
                                     for frame in frames):
            continue  # the server waiting for work, or starting up
        busy += int(count)
        for name, pattern in patterns.items():
            if any(pattern.search(frame) for frame in frames):
                hits[name] += int(count)
    return {"busy_samples": busy, **{name: round(hits[name] / busy, 3) if busy else 0.0
                                     for name in CONCERNS}}


def long_conversation_costs(webhook: str, pool: list[str], turns: int,
                            rasa: int) -> dict[str, float]:
    """Latency and Rasa CPU time of the last 20 turns of one conversation against its first 10."""
    cpu = [cpu_seconds([rasa])]
    took = asyncio.run(one_conversation(webhook, long_conversation(pool, turns),
                                        lambda: cpu.append(cpu_seconds([rasa]))))
    per_turn = [1000 * (after - before) for before, after in itertools.pairwise(cpu)]
    return {"turns": turns,
            "latency_ratio": round(statistics.fmean(took[-20:]) / statistics.fmean(took[:10]), 2),
            "rasa_cpu_first_10_ms": round(statistics.fmean(per_turn[:10]), 1),
            "rasa_cpu_last_20_ms": round(statistics.fmean(per_turn[-20:]), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--name", default="run")
    parser.add_argument("--long", type=int, default=0,
                        help="then one conversation of this many turns: CPU of its last 20 turns "
                             "against its first 10")
    args = parser.parse_args()
    if not PY_SPY.exists():
        raise SystemExit("py-spy is missing: run `make profile` (it builds .venv-profile)")
    pool = message_pool()
    raw = RESULTS_DIR / f"profile-{args.name}.txt"
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, Stack(
            rasa_port=free_port(), action_port=free_port(), booking_port=free_port(),
            booking_database=f"sqlite:///{tmp}/booking.db", run_dir=Path(tmp),
            environment=LOAD_TEST_ENVIRONMENT) as stack:
        webhook = f"{stack.rasa_url}/webhooks/rest/webhook"
        asyncio.run(level(webhook, pool[:WARM_UP], 1, 60))
        rasa = stack.server("Rasa server").process.pid
        everything = [server.process.pid for server in stack.servers]
        spy = subprocess.Popen([str(PY_SPY), "record", "--pid", str(rasa), "--duration",
                                str(args.seconds), "--rate", "200", "--format", "raw",
                                "--nonblocking", "--output", str(raw)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cpu_before = cpu_seconds([rasa]), cpu_seconds(everything)
        result = asyncio.run(level(webhook, pool * 20, 1, args.seconds))
        messages = len(result.latencies_ms)
        cpu = {"rasa_cpu_ms_per_message": (cpu_seconds([rasa]) - cpu_before[0]) / messages,
               "servers_cpu_ms_per_message": (cpu_seconds(everything) - cpu_before[1]) / messages}
        spy.wait()
        if args.long:
            cpu["long_conversation"] = long_conversation_costs(webhook, pool, args.long, rasa)
    shares = summarise(raw)
    long = cpu.pop("long_conversation", None)
    figures = {"p50_ms": result.figures()["p50_ms"], "messages": messages,
               **{name: round(1000 * value, 1) for name, value in cpu.items()},
               **({"long_conversation": long} if long else {})}
    summary = (f"profile ({args.name}, 1 sender, {messages} messages): p50 {figures['p50_ms']} ms, "
               f"Rasa CPU {figures['rasa_cpu_ms_per_message']} ms/message, all servers "
               f"{figures['servers_cpu_ms_per_message']} ms/message; " + "; ".join(
                   f"{name} {share:.0%}" for name, share in shares.items()
                   if name != "busy_samples"))
    write_result(f"profile-{args.name}", summary, {"raw": str(raw.relative_to(REPO_ROOT)),
                                                    **figures, "shares": shares})


if __name__ == "__main__":
    main()
