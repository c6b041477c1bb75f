"""CPU and memory of a server process and its children (kefu's search process), from /proc."""
from __future__ import annotations

import os
from pathlib import Path


def with_children(pids: list[int]) -> list[int]:
    """The given processes and all their descendants."""
    found, todo = [], list(pids)
    while todo:
        pid = todo.pop()
        found.append(pid)
        for task in Path(f"/proc/{pid}/task").iterdir():
            todo.extend(int(c) for c in (task / "children").read_text().split())
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of the processes (all their threads) so far."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def memory_mb(pids: list[int], field: str) -> float:
    """Summed over the processes: Rss (counts shared libraries in each), Pss (shares them out),
    or VmHWM (each process's peak Rss)."""
    total = 0
    for pid in pids:
        source = "status" if field == "VmHWM" else "smaps_rollup"
        for line in Path(f"/proc/{pid}/{source}").read_text().splitlines():
            if line.startswith(field + ":"):
                total += int(line.split()[1])
    return round(total / 1024, 1)
