"""Resident memory and CPU time of running servers, per process (Linux /proc)."""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _status(pid: str) -> dict[str, str]:
    try:
        text = (Path("/proc") / pid / "status").read_text()
    except OSError:
        return {}
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def with_children(pids: list[int]) -> list[str]:
    """``pids`` and their child processes (Sanic workers)."""
    wanted = {str(pid) for pid in pids}
    return [entry.name for entry in Path("/proc").iterdir() if entry.name.isdigit() and (
        entry.name in wanted or _status(entry.name).get("PPid", "").strip() in wanted)]


def rss_mib_by_process(pids: list[int]) -> dict[str, float]:
    """pid -> resident MiB, for each of ``pids`` and their child processes."""
    return {pid: round(int(_status(pid).get("VmRSS", "0 kB").split()[0]) / 1024, 1)
            for pid in with_children(pids)}


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time used so far by ``pids`` and their child processes."""
    total = 0
    for pid in with_children(pids):
        try:
            fields = (Path("/proc") / pid / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / TICKS


def pids_with(*words: str) -> list[int]:
    """Processes whose command line contains every one of ``words`` (servers started by someone
    else, e.g. Redis under its own process title)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if all(word in command for word in words):
            found.append(int(entry.name))
    return found
