"""REST webhook latency at 1 and 10 concurrent senders, and the servers' memory.

    python -m bench.latency [--messages 200]

Starts its own stack on free ports (bot.stack), warms it up, then sends held-out messages.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bench.common import SCRIPTS, held_out, write_result
from bot.local_servers import free_port
from bot.stack import Stack

# Rasa sends the whole conversation to the action server and the NLG endpoint on every turn, so
# latency grows with conversation length; real conversations here are about ten messages.
CONVERSATION_LENGTH = 10


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(fraction * len(ordered)), len(ordered) - 1)]


def timed_turns(url: str, messages: list[str], senders: int) -> list[float]:
    def sender(batch: list[str]) -> list[float]:
        session = requests.Session()
        took = []
        for number, text in enumerate(batch):
            if number % CONVERSATION_LENGTH == 0:  # a new person every few messages
                sender_id = uuid.uuid4().hex
            start = time.perf_counter()
            answer = session.post(url, json={"sender": sender_id, "message": text}, timeout=60)
            answer.raise_for_status()
            took.append((time.perf_counter() - start) * 1000)
        return took

    batches = [messages[i::senders] for i in range(senders)]
    with ThreadPoolExecutor(senders) as pool:
        return [ms for batch in pool.map(sender, batches) for ms in batch]


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children, in MiB (Linux /proc)."""
    total = 0
    for candidate in Path("/proc").iterdir():
        if not candidate.name.isdigit():
            continue
        try:
            status = (candidate / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if candidate.name == str(pid) or fields.get("PPid", "").strip() == str(pid):
            total += int(fields.get("VmRSS", "0 kB").split()[0])
    return round(total / 1024, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args()
    pool = [text for script in SCRIPTS for text, _, _ in held_out(script)]
    messages = (pool * (args.messages // len(pool) + 1))[:args.messages]
    with tempfile.TemporaryDirectory() as tmp, Stack(
            rasa_port=free_port(), action_port=free_port(), booking_port=free_port(),
            booking_database=f"sqlite:///{tmp}/booking.db") as stack:
        url = f"{stack.rasa_url}/webhooks/rest/webhook"
        timed_turns(url, pool[:20], 1)  # warm-up: first calls load TensorFlow graphs
        figures = {}
        for senders in (1, 10):
            took = timed_turns(url, messages, senders)
            figures[f"senders_{senders}"] = {
                "messages": len(took), "p50_ms": round(statistics.median(took), 1),
                "p95_ms": round(percentile(took, 0.95), 1),
                "throughput_per_s": round(len(took) / (sum(took) / 1000 / senders), 1)}
        figures["memory_mib"] = {server.name: rss_mib(server.process.pid)
                                 for server in stack.servers}
    one, ten = figures["senders_1"], figures["senders_10"]
    summary = (f"latency: 1 sender p50 {one['p50_ms']} ms p95 {one['p95_ms']} ms; "
               f"10 senders p50 {ten['p50_ms']} ms p95 {ten['p95_ms']} ms; memory "
               + ", ".join(f"{name} {mib} MiB" for name, mib in figures["memory_mib"].items()))
    write_result("latency", summary, figures)


if __name__ == "__main__":
    main()
