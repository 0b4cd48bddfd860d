"""Markdown tables for the benchmark results, and asgiweb's targets checked against them."""

from __future__ import annotations

import math
import os
import platform
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks.http_load import HttpCell
from benchmarks.import_cost import ImportCell
from benchmarks.inprocess import APPS, Cell
from benchmarks.records import ENDPOINTS

PACKAGES = ("asgiweb", "fastapi", "starlette", "pydantic", "uvicorn", "httptools", "uvloop")


def label(app: str) -> str:
    return APPS[app][1] if app in APPS else app


def md_table(header: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> str:
    """A markdown table; the first ``left`` columns are text, the rest numbers."""
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join(["---"] * left + ["---:"] * (len(header) - left)) + "|")
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines)


def _num(x: float, digits: int = 1) -> str:
    if math.isnan(x):
        return "n/a"
    if abs(x) < 10 and digits == 1:
        return f"{x:.2f}"
    return f"{x:,.{digits}f}"


def _ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(a) and not math.isnan(b) else float("nan")


def _x(r: float) -> str:
    return "n/a" if math.isnan(r) else f"{r:.2f}x"


# -- environment -------------------------------------------------------------------------


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def machine() -> dict[str, str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "nproc": str(usable),
        "cpu": model,
        "system": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": sys.version.split()[0] + f" ({sys.executable})",
    }


# -- in-process ---------------------------------------------------------------------------


def inprocess_tables(
    cells: dict[tuple[str, str], Cell], apps: list[str], endpoints: list[str]
) -> str:
    rows = []
    for ep in endpoints:
        row = [ep]
        for app in apps:
            cell = cells.get((app, ep))
            if cell is None or cell.error is not None:
                row.append("error" if cell is not None else "n/a")
            else:
                mark = "" if cell.byte_identical else " ≈"
                spread = "" if math.isnan(cell.spread) else f" ±{cell.spread * 50:.0f}%"
                row.append(f"{_num(cell.us)}{spread}{mark}")
        rows.append(row)
    parts = [
        "µs per request, median over rounds (± half the interquartile range; ≈: body not "
        "byte-identical to FastAPI's jsonable_encoder output but the same values).",
        "",
        md_table(["endpoint", *[label(a) for a in apps]], rows),
    ]

    def us(app: str, ep: str) -> float:
        cell = cells.get((app, ep))
        return cell.us if cell is not None and cell.error is None else float("nan")

    others = [a for a in apps if a != "raw"]
    if "raw" in apps:
        rows = [[ep, *[_x(_ratio(us(a, ep), us("raw", ep))) for a in others]] for ep in endpoints]
        parts += ["", "Time relative to the raw ASGI floor (lower is better):", ""]
        parts.append(md_table(["endpoint", *[label(a) for a in others]], rows))
    fastapis = [a for a in ("fastapi", "fastapi-model") if a in apps]
    fast = [a for a in apps if a not in fastapis]
    if fastapis and fast:
        header = ["endpoint"] + [f"{label(a)} vs {label(f)}" for a in fast for f in fastapis]
        rows = [
            [ep, *[_x(_ratio(us(f, ep), us(a, ep))) for a in fast for f in fastapis]]
            for ep in endpoints
        ]
        parts += ["", "Speed-up over FastAPI (FastAPI's time / this app's time):", ""]
        parts.append(md_table(header, rows))
    return "\n".join(parts)


# -- over HTTP -----------------------------------------------------------------------------


def http_tables(
    server: str, cells: dict[tuple[str, str], HttpCell], apps: list[str], endpoints: list[str]
) -> str:
    def ok(app: str, ep: str) -> HttpCell | None:
        cell = cells.get((app, ep))
        return cell if cell is not None and cell.error is None else None

    others = [a for a in apps if a != "raw"]
    parts = []
    if "raw" in apps and others:
        rows = []
        for ep in endpoints:
            row = [ep]
            for app in others:
                cell = ok(app, ep)
                if cell is None or math.isnan(cell.ratio):
                    row.append("n/a")
                else:
                    row.append(f"{cell.ratio:.0%} (IQR {cell.ratio_iqr * 100:.0f} pts)")
            rows.append(row)
        parts += [
            f"{server}: req/s as a fraction of raw ASGI, median over rounds of the ratio "
            "within each round (higher is better):",
            "",
            md_table(["endpoint", *[label(a) for a in others]], rows),
            "",
        ]
    rows = []
    for ep in endpoints:
        row = [ep]
        for app in apps:
            cell = cells.get((app, ep))
            if cell is None or cell.error is not None:
                row.append("error" if cell is not None else "n/a")
            else:
                errs = f", {cell.errors} errors" if cell.errors else ""
                errs += f", {cell.timeouts} timeouts" if cell.timeouts else ""
                spread = "" if math.isnan(cell.spread) else f" ±{cell.spread * 50:.0f}%"
                row.append(f"{cell.rps:,.0f}{spread} (p99 {cell.p99_ms:.1f} ms{errs})")
        rows.append(row)
    parts += [
        f"{server}: req/s, median over rounds (± half the interquartile range; p99 latency):",
        "",
        md_table(["endpoint", *[label(a) for a in apps]], rows),
    ]
    fastapis = [a for a in ("fastapi", "fastapi-model") if a in apps]
    fast = [a for a in apps if a not in fastapis and a != "raw"]
    if fastapis and fast:

        def rel(a: str, f: str, ep: str) -> float:
            mine, theirs = ok(a, ep), ok(f, ep)
            if mine is None or theirs is None:
                return float("nan")
            return _ratio(mine.ratio, theirs.ratio)

        header = ["endpoint"] + [f"{label(a)} / {label(f)}" for a in fast for f in fastapis]
        rows = [[ep, *[_x(rel(a, f, ep)) for a in fast for f in fastapis]] for ep in endpoints]
        parts += ["", f"{server}: req/s relative to FastAPI (ratio of the two medians above):", ""]
        parts.append(md_table(header, rows))
    return "\n".join(parts)


# -- charts --------------------------------------------------------------------------------

# one colour per app, the same in every chart
COLOURS = {"raw": "#7f7f7f", "asgiweb": "#2a9d8f", "fastapi": "#e76f51", "fastapi-model": "#f4a261"}


def _pyplot() -> Any:
    """matplotlib's pyplot on the file-only Agg backend, or None when not installed."""
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _bars(
    ax: Any, values: dict[str, list[float]], groups: list[str], fmt: str, log: bool
) -> None:
    """Grouped bars: one group per endpoint, one bar per app, each bar labelled."""
    apps = list(values)
    width = 0.8 / max(1, len(apps))
    for i, app in enumerate(apps):
        xs = [g + (i - (len(apps) - 1) / 2) * width for g in range(len(groups))]
        heights = [0.0 if math.isnan(v) else v for v in values[app]]
        bars = ax.bar(xs, heights, width, label=label(app), color=COLOURS.get(app))
        texts = ["" if math.isnan(v) else format(v, fmt) for v in values[app]]
        ax.bar_label(bars, labels=texts, fontsize=7, padding=1, rotation=90)
    ax.set_xticks(range(len(groups)), groups)
    if log:
        ax.set_yscale("log")
    ax.margins(y=0.25)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)


def inprocess_chart(
    cells: dict[tuple[str, str], Cell], apps: list[str], endpoints: list[str], path: Path
) -> bool:
    """µs per request per endpoint and app (log scale), as a PNG; False without matplotlib."""
    plt = _pyplot()
    if plt is None:
        return False

    def us(app: str, ep: str) -> float:
        cell = cells.get((app, ep))
        return cell.us if cell is not None and cell.error is None else float("nan")

    values = {app: [us(app, ep) for ep in endpoints] for app in apps}
    fig, ax = plt.subplots(figsize=(max(6.0, 1.3 * len(endpoints) + 2), 4.5))
    _bars(ax, values, endpoints, ".1f", log=True)
    ax.set_ylabel("µs per request (log scale, lower is better)")
    ax.set_title("In-process: time per request, median over rounds")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def http_chart(
    results: dict[str, dict[tuple[str, str], HttpCell]],
    apps: list[str],
    endpoints: dict[str, list[str]],
    path: Path,
) -> bool:
    """req/s per endpoint and app, one panel per server configuration; False without
    matplotlib or without data."""
    plt = _pyplot()
    if plt is None or not results:
        return False
    servers = list(results)
    widest = max(len(endpoints[s]) for s in servers)
    fig, axes = plt.subplots(
        1, len(servers), figsize=(max(6.0, 1.3 * widest + 2) * len(servers), 4.5), squeeze=False
    )
    for ax, server in zip(axes[0], servers, strict=True):
        cells = results[server]

        def rps(app: str, ep: str, cells: dict[tuple[str, str], HttpCell] = cells) -> float:
            cell = cells.get((app, ep))
            return cell.rps if cell is not None and cell.error is None else float("nan")

        values = {app: [rps(app, ep) for ep in endpoints[server]] for app in apps}
        _bars(ax, values, endpoints[server], ",.0f", log=False)
        ax.set_ylabel("requests per second (higher is better)")
        ax.set_title(f"uvicorn --http {server}: req/s, median over rounds")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


# -- import ----------------------------------------------------------------------------------


def import_table(cells: dict[str, ImportCell], statements: dict[str, str]) -> str:
    rows = []
    for name, cell in cells.items():
        if cell.error is not None:
            rows.append([name, f"`{statements[name]}`", f"error: {cell.error}", "", "", ""])
            continue
        rows.append(
            [
                name,
                f"`{statements[name]}`",
                f"{cell.import_ms:.1f}",
                f"{cell.process_ms:.0f}",
                f"{cell.rss_mib:.1f}",
                str(cell.modules),
            ]
        )
    header = ["", "statement", "import ms", "process ms", "peak RSS MiB", "modules"]
    return md_table(header, rows, left=2)


# -- targets ---------------------------------------------------------------------------------


@dataclass
class Target:
    text: str
    measured: str
    met: bool | None  # None: could not be measured


def _check(text: str, value: float, limit: float, at_most: bool, shown: str) -> Target:
    if math.isnan(value):
        return Target(text, "not measured", None)
    return Target(text, shown, value <= limit if at_most else value >= limit)


def targets(
    inproc: dict[tuple[str, str], Cell] | None,
    http: dict[str, dict[tuple[str, str], HttpCell]] | None,
    imports: dict[str, ImportCell] | None,
) -> list[Target]:
    """asgiweb's performance targets, each with its measured value.

    "FastAPI" means the faster of FastAPI's two serialisation paths on that endpoint,
    so a target is never met by picking FastAPI's slow path.
    """
    out: list[Target] = []
    if inproc is not None:
        out += _inprocess_targets(inproc)
    if http is not None and "httptools" in http:
        out += _http_targets(http["httptools"])
    if imports is not None:
        out += _import_targets(imports)
    return out


def _inprocess_targets(cells: dict[tuple[str, str], Cell]) -> list[Target]:
    def us(app: str, ep: str) -> float:
        cell = cells.get((app, ep))
        return cell.us if cell is not None and cell.error is None else float("nan")

    def fastapi_us(ep: str) -> float:
        vals = [v for v in (us("fastapi", ep), us("fastapi-model", ep)) if not math.isnan(v)]
        return min(vals) if vals else float("nan")

    out = []
    # Every endpoint at most 2x its raw floor, streams at most 1.8x, the 20 encoded
    # records and the response-model route at most 1.2x. json-sync is left out: the
    # raw app answers it inline, having no thread pool to hop to.
    limits = {ep: 2.0 for ep in ENDPOINTS if ep != "json-sync"}
    limits.update({"stream": 1.8, "sse": 1.8, "jsonl": 1.8, "encoded": 1.2, "model": 1.2})
    for ep, limit in limits.items():
        mine, floor = us("asgiweb", ep), us("raw", ep)
        if math.isnan(mine) and math.isnan(floor):
            continue
        r = _ratio(mine, floor)
        shown = f"{r:.2f}x ({mine:.2f} vs {floor:.2f} µs)"
        out.append(_check(f"in-process {ep}: asgiweb <= {limit}x raw", r, limit, True, shown))
    # What a feature costs over our own plain route of the same kind.
    plain = {"deps": "items", "model": "encoded", "form": "put", "cors": "plaintext",
             "funcmw": "plaintext"}  # fmt: skip
    for ep, base in plain.items():
        mine, ours = us("asgiweb", ep), us("asgiweb", base)
        r = _ratio(mine, ours)
        shown = f"{r:.2f}x ({mine:.2f} vs {ours:.2f} µs)"
        text = f"in-process {ep}: asgiweb <= 2x its own {base} route"
        out.append(_check(text, r, 2.0, True, shown))
    mine, theirs = us("asgiweb", "deps"), fastapi_us("deps")
    r = _ratio(mine, theirs)
    shown = f"{r:.3f} ({mine:.1f} vs {theirs:.1f} µs)"
    out.append(_check("in-process deps: asgiweb <= 1/10 of FastAPI's time", r, 0.1, True, shown))
    for ep in ("model", "encoded"):
        mine, theirs = us("asgiweb", ep), fastapi_us(ep)
        r = _ratio(mine, theirs)
        shown = f"{r:.2f} ({mine:.1f} vs {theirs:.1f} µs)"
        text = f"in-process {ep}: asgiweb below FastAPI's fastest path"
        out.append(_check(text, r, 1.0, True, shown))
    for ep in ("plaintext", "json"):
        mine, theirs = us("asgiweb", ep), fastapi_us(ep)
        r = _ratio(theirs, mine)
        shown = f"{r:.1f}x ({mine:.2f} vs {theirs:.1f} µs)"
        out.append(
            _check(f"in-process {ep}: asgiweb >= 10x faster than FastAPI", r, 10, False, shown)
        )
    mine, theirs = us("asgiweb", "json-sync"), fastapi_us("json-sync")
    r = _ratio(mine, theirs)
    shown = f"{r:.2f} ({mine:.1f} vs {theirs:.1f} µs)"
    text = "in-process json-sync: asgiweb <= 1/3 of FastAPI's time"
    out.append(_check(text, r, 1 / 3, True, shown))
    return out


def _http_targets(cells: dict[tuple[str, str], HttpCell]) -> list[Target]:
    def ratio(app: str, ep: str) -> float:
        """req/s over raw's: the median of per-round ratios, else the ratio of medians."""
        cell, raw = cells.get((app, ep)), cells.get(("raw", ep))
        if cell is None or cell.error is not None:
            return float("nan")
        if not math.isnan(cell.ratio):
            return cell.ratio
        return _ratio(cell.rps, raw.rps) if raw is not None and raw.error is None else math.nan

    out = []
    for ep in ("plaintext", "json", "items"):
        mine = ratio("asgiweb", ep)
        shown = f"{mine:.0%} of raw"
        out.append(_check(f"httptools {ep}: asgiweb >= 90% of raw req/s", mine, 0.90, False, shown))
        theirs = [ratio(f, ep) for f in ("fastapi", "fastapi-model")]
        best = max((v for v in theirs if not math.isnan(v)), default=float("nan"))
        r = _ratio(mine, best)
        shown = f"{r:.2f}x ({mine:.0%} vs {best:.0%} of raw)"
        out.append(_check(f"httptools {ep}: asgiweb >= 4x FastAPI req/s", r, 4, False, shown))
    return out


def _import_targets(cells: dict[str, ImportCell]) -> list[Target]:
    missing = ImportCell(error="missing")
    aw = cells.get("asgiweb", missing)
    fa = cells.get("fastapi", missing)
    st = cells.get("starlette", missing)
    r = _ratio(aw.import_ms, fa.import_ms)
    shown = f"{r:.2f} ({aw.import_ms:.1f} vs {fa.import_ms:.1f} ms)"
    out = [_check("import time <= 1/4 of FastAPI's", r, 0.25, True, shown)]
    r = _ratio(aw.import_ms, st.import_ms)
    shown = f"{aw.import_ms:.1f} vs {st.import_ms:.1f} ms"
    out.append(Target("import time below Starlette's", shown, None if math.isnan(r) else r < 1))
    r = _ratio(aw.rss_mib, fa.rss_mib)
    shown = f"{r:.2f} ({aw.rss_mib:.1f} vs {fa.rss_mib:.1f} MiB)"
    out.append(_check("peak RSS after import <= 1/2 of FastAPI's", r, 0.5, True, shown))
    return out


def targets_table(items: list[Target]) -> str:
    mark = {True: "met", False: "**missed**", None: "not measured"}
    return md_table(
        ["target", "measured", ""], [[t.text, t.measured, mark[t.met]] for t in items], left=3
    )


def problems(lines: list[str]) -> str:
    return "" if not lines else "\nProblems:\n\n" + "\n".join(f"- {p}" for p in lines)
