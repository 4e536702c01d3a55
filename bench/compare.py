"""Ours against stock Rasa, in one run, on loopback: latency percentiles at 1, 5, 10, 20 and 50
concurrent senders, one long conversation, resident memory, and (for `make run`) training time.

    python -m bench.compare [--topology run|cluster] [--quick]

``run`` measures the assistant as `make run` starts it (bot.stack); ``cluster`` as `make
run-cluster` starts it, through nginx (bot.cluster). The stock bot is `rasa init --no-prompt`,
trained and served by the same Rasa (bench.stock). Levels alternate between the two bots so that
whatever else loads the machine weighs on both alike.

Prints one table (ours, stock, ours / stock, target), writes var/bench/compare-<topology>.json
and draws var/bench/latency-<topology>.png.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import stock, training
from bench.common import REPO_ROOT, RESULTS_DIR, long_conversation, message_pool, write_result
from bench.load import WARM_UP, level, one_conversation
from bench.plot import draw_percentiles
from bench.processes import cpu_seconds, pids_with, rss_mib_by_process
from bot.channels.limits import LOAD_TEST_ENVIRONMENT
from bot.cluster import Cluster
from bot.local_servers import free_port
from bot.stack import Stack

CONCURRENCY = (1, 5, 10, 20, 50)
# messages per level, and a time limit per level: bounded loads
MESSAGES = {1: 80, 5: 150, 10: 200, 20: 300, 50: 500}
LEVEL_TIME_LIMIT = 90.0
LONG_CONVERSATION = 300
MAKE_RUN_WORKERS = 3  # as the Makefile's `run` starts it


def cycle(pool: list[str], count: int) -> list[str]:
    return (pool * (count // len(pool) + 1))[:count]


@dataclass
class Target:
    """A running bot: its public URL, its Rasa server processes, and every process serving it."""

    url: str
    rasa_pids: list[int]
    all_pids: list[int]


@contextmanager
def ours(topology: str) -> Iterator[Target]:
    """The assistant, started the way `make run` or `make run-cluster` starts it."""
    with tempfile.TemporaryDirectory() as tmp:
        if topology == "run":
            with Stack(rasa_port=free_port(), action_port=free_port(), booking_port=free_port(),
                       booking_database=f"sqlite:///{tmp}/booking.db", run_dir=Path(tmp),
                       rasa_workers=MAKE_RUN_WORKERS,
                       environment=LOAD_TEST_ENVIRONMENT) as stack:
                yield Target(stack.rasa_url, [stack.server("Rasa server").process.pid],
                             [server.process.pid for server in stack.servers])
        else:
            with Cluster.on_free_ports(Path(tmp), environment=LOAD_TEST_ENVIRONMENT) as cluster:
                helpers = [*cluster.postgres_pids(),
                           *pids_with("redis-server", f":{cluster.redis_port}")]
                yield Target(cluster.public_url, cluster.rasa_pids(),
                             [*(s.process.pid for s in cluster.servers), *helpers])


def measure(targets: dict[str, Target], scale: float) -> dict[str, Any]:
    pool = message_pool()
    webhooks = {bot: f"{target.url}/webhooks/rest/webhook" for bot, target in targets.items()}
    figures: dict[str, Any] = {bot: {"levels": {}} for bot in targets}
    for webhook in webhooks.values():
        asyncio.run(level(webhook, pool[:WARM_UP], 1, LEVEL_TIME_LIMIT))
    for senders in CONCURRENCY:
        messages = cycle(pool, max(senders, int(MESSAGES[senders] * scale)))
        for bot, webhook in webhooks.items():
            cpu_before = cpu_seconds(targets[bot].all_pids)
            result = asyncio.run(level(webhook, messages, senders, LEVEL_TIME_LIMIT))
            cpu = cpu_seconds(targets[bot].all_pids) - cpu_before
            figures[bot]["levels"][str(senders)] = {
                **result.figures(),
                "server_cpu_ms_per_message": round(1000 * cpu / max(1, len(result.latencies_ms)),
                                                   1)}
            print(f"  {bot:5} {senders:2} senders: {figures[bot]['levels'][str(senders)]}",
                  flush=True)
    turns = max(30, int(LONG_CONVERSATION * scale))
    for bot, webhook in webhooks.items():
        took = asyncio.run(one_conversation(webhook, long_conversation(pool, turns)))
        first, last = statistics.fmean(took[:10]), statistics.fmean(took[-20:])
        figures[bot]["long_conversation"] = {
            "turns": turns, "first_10_mean_ms": round(first, 1),
            "last_20_mean_ms": round(last, 1), "ratio": round(last / first, 2),
            "latencies_ms": [round(ms, 1) for ms in took]}
        print(f"  {bot:5} one conversation of {turns} turns: last 20 / first 10 = "
              f"{last / first:.2f}", flush=True)
    for bot, target in targets.items():
        figures[bot]["rss_mib"] = rss_mib_by_process(target.rasa_pids)
    return figures


TARGETS = {
    "p50 at 1 sender (ms)": "≤ 0.6×",
    "throughput at 50 senders (msg/s)": "≥ 2×",
    "p99 at 50 senders (ms)": "< 1000 ms",
    "turns 281–300 ÷ turns 1–10": "≤ 1.5",
    "Rasa RSS per process (MiB)": "≤ 1229 MiB",
    "training (s)": "≤ 180 s",
}


def table_rows(figures: dict[str, Any]) -> list[tuple[str, float, float]]:
    def at(bot: str, senders: int, key: str) -> float:
        return figures[bot]["levels"][str(senders)][key]

    rows = [("p50 at 1 sender (ms)", at("ours", 1, "p50_ms"), at("stock", 1, "p50_ms")),
            ("server CPU per message, 1 sender (ms)", at("ours", 1, "server_cpu_ms_per_message"),
             at("stock", 1, "server_cpu_ms_per_message"))]
    for senders in CONCURRENCY[1:]:
        rows.append((f"throughput at {senders} senders (msg/s)",
                     at("ours", senders, "throughput_per_s"),
                     at("stock", senders, "throughput_per_s")))
    rows += [("p99 at 50 senders (ms)", at("ours", 50, "p99_ms"), at("stock", 50, "p99_ms")),
             ("errors, all levels", *(sum(lv["errors"] for lv in figures[bot]["levels"].values())
                                      for bot in ("ours", "stock"))),
             ("turns 281–300 ÷ turns 1–10", figures["ours"]["long_conversation"]["ratio"],
              figures["stock"]["long_conversation"]["ratio"]),
             ("Rasa RSS per process (MiB)", max(figures["ours"]["rss_mib"].values()),
              max(figures["stock"]["rss_mib"].values()))]
    if "training_s" in figures["ours"]:
        rows.append(("training (s)", figures["ours"]["training_s"], figures["stock"]["training_s"]))
    return rows


def print_table(topology: str, rows: list[tuple[str, float, float]]) -> str:
    lines = [f"ours (make {'run' if topology == 'run' else 'run-cluster'}) against stock Rasa, "
             "same run, loopback",
             f"| {'measure':40} | {'ours':>9} | {'stock':>9} | {'ours/stock':>10} | target",
             f"|{'-' * 42}|{'-' * 11}|{'-' * 11}|{'-' * 12}|--------"]
    for name, ours_value, stock_value in rows:
        ratio = f"{ours_value / stock_value:.2f}" if stock_value else "–"
        lines.append(f"| {name:40} | {ours_value:9} | {stock_value:9} | {ratio:>10} | "
                     f"{TARGETS.get(name, '')}")
    table = "\n".join(lines)
    print(table)
    return table


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--topology", choices=("run", "cluster"), default="run")
    parser.add_argument("--quick", action="store_true",
                        help="a fifth of the messages, no training time (while developing)")
    parser.add_argument("--scale", type=float, help="fraction of the messages (with --quick)")
    args = parser.parse_args(argv)
    scale = (args.scale or 0.2) if args.quick else 1.0
    print("training the stock bot (rasa init --no-prompt)...", flush=True)
    stock_training = stock.train(force=not args.quick and args.topology == "run")
    with stock.serve() as (stock_url, stock_server), ours(args.topology) as target:
        stock_pid = stock_server.process.pid
        figures = measure({"ours": target, "stock": Target(stock_url, [stock_pid], [stock_pid])},
                          scale)
    if args.topology == "run" and not args.quick:
        print("training ours from scratch (--force)...", flush=True)
        figures["ours"]["training_s"] = training.seconds()
        figures["stock"]["training_s"] = round(stock_training, 1)
    rows = table_rows(figures)
    png = RESULTS_DIR / f"latency-{args.topology}.png"
    draw_percentiles(figures, CONCURRENCY, png, f"make {'run' if args.topology == 'run' else 'run-cluster'}")
    table = print_table(args.topology, rows)
    write_result(f"compare-{args.topology}", f"plot: {png.relative_to(REPO_ROOT)}",
                 {"topology": args.topology, "quick": args.quick, "table": table,
                  "rows": [{"measure": n, "ours": o, "stock": s} for n, o, s in rows],
                  **figures})


if __name__ == "__main__":
    main()
