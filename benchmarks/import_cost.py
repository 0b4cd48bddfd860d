"""What importing a framework costs: time and peak memory, each in a fresh interpreter.

Each sample is a new ``python`` process that times the one import statement a user
writes (``from fastapi import FastAPI``...) with ``perf_counter`` and then reads its
own peak RSS (``getrusage`` maxrss). The parent also times the whole process, start to
exit. Targets are interleaved sample by sample and medians are quoted. ``bare python``
runs the same probe with no import: its RSS is the interpreter's own floor.

Peak RSS is read from ``VmHWM`` in ``/proc/self/status`` where it exists: Linux carries
``getrusage`` maxrss across ``execve``, so a child started by a big parent (this harness
after it has imported FastAPI) would report the parent's peak instead of its own.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# label -> the statement a user of that framework writes first
TARGETS: dict[str, str] = {
    "bare python": "pass",
    "asgiweb": "from asgiweb import App",
    "starlette": "from starlette.applications import Starlette",
    "fastapi": "from fastapi import FastAPI",
}

# time and resource are loaded before the clock starts so they are not counted;
# `time` is built in and `resource` is a small extension module.
_PROBE = """\
import time, resource, sys
_t0 = time.perf_counter()
{stmt}
_t1 = time.perf_counter()
_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    with open("/proc/self/status") as _f:
        for _line in _f:
            if _line.startswith("VmHWM:"):
                _rss = int(_line.split()[1])
except OSError:
    pass
sys.stdout.write("%r %d %d\\n" % (_t1 - _t0, _rss, len(sys.modules)))
"""


@dataclass
class ImportCell:
    import_ms: float = float("nan")
    process_ms: float = float("nan")
    rss_mib: float = float("nan")
    modules: int = 0
    error: str | None = None
    samples: list[tuple[float, float, float, int]] = field(default_factory=list)


def _sample(stmt: str) -> tuple[float, float, float, int]:
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(stmt=stmt)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        lines = out.stderr.strip().splitlines()
        raise RuntimeError(lines[-1] if lines else f"exit status {out.returncode}")
    seconds, rss_kib, modules = out.stdout.split()
    return float(seconds) * 1000, wall * 1000, int(rss_kib) / 1024, int(modules)


def measure(
    runs: int, targets: dict[str, str] | None = None, log: Callable[[str], None] | None = None
) -> dict[str, ImportCell]:
    targets = targets or TARGETS
    cells = {label: ImportCell() for label in targets}
    for label, stmt in targets.items():  # one untimed run each: warm the OS file cache
        try:
            _sample(stmt)
        except (RuntimeError, subprocess.SubprocessError) as exc:
            cells[label].error = str(exc)
    for _ in range(runs):
        for label, stmt in targets.items():
            cell = cells[label]
            if cell.error is None:
                try:
                    cell.samples.append(_sample(stmt))
                except (RuntimeError, subprocess.SubprocessError) as exc:
                    cell.error = str(exc)
    for label, cell in cells.items():
        if cell.samples and cell.error is None:
            cell.import_ms = statistics.median(s[0] for s in cell.samples)
            cell.process_ms = statistics.median(s[1] for s in cell.samples)
            cell.rss_mib = statistics.median(s[2] for s in cell.samples)
            cell.modules = int(statistics.median(s[3] for s in cell.samples))
        if log is not None:
            log(f"  import {label}: {cell.import_ms:.1f} ms, {cell.rss_mib:.1f} MiB")
    return cells
