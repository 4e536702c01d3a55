"""Resident memory of running servers, per process (Linux /proc)."""

from __future__ import annotations

from pathlib import Path


def _status(pid: str) -> dict[str, str]:
    try:
        text = (Path("/proc") / pid / "status").read_text()
    except OSError:
        return {}
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def rss_mib_by_process(pids: list[int]) -> dict[str, float]:
    """pid -> resident MiB, for each of ``pids`` and their child processes (Sanic workers)."""
    wanted = {str(pid) for pid in pids}
    found: dict[str, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        status = _status(entry.name)
        if entry.name in wanted or status.get("PPid", "").strip() in wanted:
            found[entry.name] = round(int(status.get("VmRSS", "0 kB").split()[0]) / 1024, 1)
    return found
